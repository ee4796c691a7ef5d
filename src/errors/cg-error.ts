// One error type for everything cg reports on purpose; the code decides the exit status.
export type ErrorCode =
  | 'usage'
  | 'partial'
  | 'refused'
  | 'unsupported'
  | 'not_found'
  | 'wrong_type'
  | 'unreachable'
  | 'auth'
  | 'timeout'
  | 'interrupted'
  | 'unexpected'

export const EXIT_CODES: Record<ErrorCode, number> = {
  usage: 2,
  wrong_type: 2,
  partial: 3,
  refused: 4,
  unsupported: 4,
  not_found: 5,
  unreachable: 69,
  auth: 69,
  timeout: 69,
  interrupted: 130,
  unexpected: 1,
}

/** The hint of an error raised without one: every error tells the person what to try next. */
const DEFAULT_HINTS: Record<ErrorCode, string> = {
  usage: 'See --help for the arguments and flags.',
  wrong_type: 'Name a stream key (cg groups lists them).',
  partial: 'The report says which items failed; run the command again to retry them.',
  refused: 'See cg --help and the README for what each broker allows.',
  unsupported: 'See cg --help and the README for what each broker supports.',
  not_found: 'Check the name (cg groups lists what exists).',
  unreachable: 'Check the URL or profile and that the broker is up (cg profiles test).',
  auth: 'Check the credentials and permissions of the profile.',
  timeout: 'Check the broker, or raise --timeout.',
  interrupted: 'Run the same command again to finish.',
  unexpected: 'Run again with --verbose for details.',
}

export class CgError extends Error {
  readonly code: ErrorCode
  readonly hint: string
  constructor(code: ErrorCode, message: string, hint?: string, options?: {cause?: unknown}) {
    super(message, options)
    this.name = 'CgError'
    this.code = code
    this.hint = hint || DEFAULT_HINTS[code]
  }

  get exitCode(): number {
    return EXIT_CODES[this.code]
  }

  /** Bad input or a refusal (exit 2 or 4), not the broker going away: a long-running command ends on it. */
  get fromInput(): boolean {
    return this.exitCode === 2 || this.exitCode === 4
  }
}

export const usage = (message: string, hint?: string) => new CgError('usage', message, hint)
export const notFound = (message: string, hint?: string) => new CgError('not_found', message, hint)
export const refused = (message: string, hint?: string) => new CgError('refused', message, hint)

export function unsupported(what: string, broker: string, hint?: string): CgError {
  return new CgError('unsupported', `${what} is not possible on ${broker}`, hint)
}
