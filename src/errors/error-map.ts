import {CgError} from './cg-error.js'
import {redact} from '../profiles/redact.js'

// Turns anything thrown into a CgError: oclif parse errors are usage errors, network failures are
// "unreachable", anything else is a bug (exit 1).
export function toCgError(err: unknown): CgError {
  if (err instanceof CgError) return err
  const e = err as {message?: string; code?: string; oclif?: {exit?: number}; name?: string}
  const message = redact(String(e?.message ?? err))
  if (e?.oclif?.exit === 2 || e?.name === 'RequiredArgsError' || /^(Unexpected argument|Missing|Expected|Parsing --|Nonexistent flag)/.test(message)) {
    // oclif puts the detail on following lines ("Parsing --count\n\tExpected an integer ..."): keep one line,
    // without its preamble to a list of errors ("The following error occurred:")
    const detail = message
      .trim()
      .split(/\s*\n\s*/)
      .filter((l) => !/^See more help with/.test(l) && !/^The following errors? occurred:$/.test(l))
      .join(': ')
    return new CgError('usage', detail, 'See --help for the arguments and flags.')
  }
  const netCodes = ['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ECONNRESET', 'ETIMEDOUT', 'EAI_AGAIN']
  if (e?.code && netCodes.includes(e.code)) {
    return new CgError('unreachable', `broker unreachable: ${firstLine(message)}`, 'Check the URL/profile and that the broker is running.')
  }
  if (/^NOPERM/.test(message)) {
    // logged in, but the ACL user may not run this (Redis): a refusal, not an authentication failure
    return new CgError(
      'refused',
      `the broker refused the command: ${firstLine(message)}`,
      'Grant the permission to the user of the profile, or use a profile whose user may.',
    )
  }
  if (/NOAUTH|WRONGPASS|invalid username-password|NOPERM/i.test(message)) {
    return new CgError('auth', `authentication failed: ${firstLine(message)}`, 'Check the username and password of the profile.')
  }
  if (/WRONGTYPE/.test(message)) {
    return new CgError('wrong_type', 'the key holds a value that is not a stream', 'Name a stream key (cg groups lists them).')
  }
  return new CgError('unexpected', firstLine(message) || 'unexpected failure', 'Run again with --verbose for details.', {cause: err})
}

function firstLine(s: string): string {
  return s.split('\n')[0].trim()
}
