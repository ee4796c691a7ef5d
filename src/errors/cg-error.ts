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

export class CgError extends Error {
  readonly code: ErrorCode
  readonly hint?: string
  constructor(code: ErrorCode, message: string, hint?: string, options?: {cause?: unknown}) {
    super(message, options)
    this.name = 'CgError'
    this.code = code
    this.hint = hint
  }

  get exitCode(): number {
    return EXIT_CODES[this.code]
  }
}

export const usage = (message: string, hint?: string) => new CgError('usage', message, hint)
export const notFound = (message: string, hint?: string) => new CgError('not_found', message, hint)
export const refused = (message: string, hint?: string) => new CgError('refused', message, hint)

export function unsupported(what: string, broker: string, hint?: string): CgError {
  return new CgError('unsupported', `${what} is not possible on ${broker}`, hint)
}
