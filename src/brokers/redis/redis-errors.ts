import {CgError} from '../../errors/cg-error.js'

export interface ErrorContext {
  source?: string
  group?: string
  consumer?: string
}

/** Maps Redis error replies to cg's error codes, naming what was missing. */
export function redisError(error: unknown, ctx: ErrorContext = {}): unknown {
  if (error instanceof CgError) return error
  const msg = String((error as Error)?.message ?? error)
  if (/NOGROUP/.test(msg) || /no such key/i.test(msg)) {
    if (ctx.group && /NOGROUP|consumer group/i.test(msg)) {
      return new CgError(
        'not_found',
        `group ${ctx.group} does not exist on stream ${ctx.source}`,
        `List the groups with: cg groups ${ctx.source ?? ''}`.trim() + '.',
      )
    }
    return new CgError('not_found', `stream ${ctx.source} does not exist`, 'List the streams with: cg groups.')
  }
  if (/WRONGTYPE/.test(msg)) {
    return new CgError('wrong_type', `key ${ctx.source} is not a stream`, 'Name a stream key (cg groups lists them).')
  }
  if (/Command timed out/i.test(msg)) {
    return new CgError('timeout', 'Redis did not answer in time', 'Raise --timeout, or check the server load (SLOWLOG).')
  }
  if (
    /Connection is closed|aborted due to connection close|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|socket (hang up|has been ended)|MaxRetriesPerRequest|Stream isn.t writeable/i.test(
      msg,
    )
  ) {
    return new CgError(
      'unreachable',
      `lost the connection to Redis: ${msg.split('\n')[0]}`,
      'Check that the server is up (behind Sentinel, a failover closes the connection); run the command again (it resumes).',
    )
  }
  if (/^READONLY/.test(msg)) {
    return new CgError(
      'unreachable',
      'the Redis server cg writes to has become a replica (READONLY): a failover moved the master',
      'Run the command again: it connects to the current master (it resumes).',
    )
  }
  const denied = permissionError(msg, ctx)
  if (denied) return denied
  if (/NOAUTH/.test(msg)) {
    return new CgError('auth', `Redis wants authentication: ${msg.split('\n')[0]}`, 'Set username and password in the profile, or user:password@ in the URL.')
  }
  return error
}

/** True when the error is the server's ACL refusing a command or key (NOPERM), however it came. */
export function isPermissionDenied(error: unknown): boolean {
  if (error instanceof CgError) return error.code === 'refused' && /the ACL user may not/.test(error.message)
  return permissionError(String((error as Error)?.message ?? error), {}) !== undefined
}

const GRANT = 'or use a profile whose user may'
/** the writes of cg's repairs: a user refused one of them is a read-only user */
const WRITES = /^(xadd|xack|xdel|xtrim|xclaim|xautoclaim|xsetid|xgroup\|.*|hset|hdel|del|evalsha|eval|script\|load)$/
const grant = (command: string) => `${GRANT}${WRITES.test(command) ? ' (repairs need the write commands of @stream: ACL SETUSER <user> +@stream)' : ''}.`

/**
 * A refusal by the server's ACL, as exit 4 naming what the user may not do: NOPERM for a command (Redis 7.0:
 * "this user has no permissions to run the 'xgroup|setid' command", 7.2: "User U has no permissions ..."),
 * for a key, the NOPERM of cg's own scripts (aclGuard(): the command and key, before the script writes), and
 * a script's command refused in the middle of it (Redis 7.0 does not say which).
 */
function permissionError(msg: string, ctx: ErrorContext): CgError | undefined {
  const line = msg.split('\n')[0].trim()
  const on = ctx.source ? ` on ${ctx.source}` : ''
  const cmd = /NOPERM.*? permissions to run the '([^']+)' command(?: on key '(.*)')?/i.exec(line)
  if (cmd) {
    const name = cmd[1].replace('|', ' ').toUpperCase()
    const key = cmd[2] !== undefined ? ` on ${cmd[2]}` : on
    return new CgError(
      'refused',
      `Redis refused ${name}${key}: the ACL user may not run ${name} (${line.replace(/^NOPERM\s*/, 'NOPERM ')})`,
      `Grant it to the user (ACL SETUSER <user> +${cmd[1]}), ${grant(cmd[1])}`,
    )
  }
  if (/^NOPERM/i.test(line) && /\bkeys?\b/i.test(line)) {
    return new CgError(
      'refused',
      `Redis refused access to ${ctx.source ? `key ${ctx.source}` : 'a key'}: the ACL user may not use it (${line})`,
      "Widen the user's key patterns (ACL SETUSER <user> ~PATTERN), or use a profile whose user may.",
    )
  }
  if (/user executing the script can.t run this command/i.test(line)) {
    return new CgError(
      'refused',
      `Redis refused a command of cg's script${on}: the ACL user may not run it (${line.replace(/ script: \w+, on @user_script:\d+\.?$/, '')})`,
      `Grant the user the commands of @stream (ACL SETUSER <user> +@stream), ${GRANT}.`,
    )
  }
  if (/^NOPERM/i.test(line)) {
    return new CgError('refused', `Redis refused the command${on}: the ACL user may not run it (${line})`, `Grant the permission to the user, ${GRANT}.`)
  }
  return undefined
}

export async function wrap<T>(ctx: ErrorContext, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (error) {
    throw redisError(error, ctx)
  }
}
