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
  if (/NOPERM|NOAUTH/.test(msg)) {
    return new CgError('auth', `Redis refused the command: ${msg.split('\n')[0]}`, 'The ACL user lacks a permission this command needs.')
  }
  return error
}

export async function wrap<T>(ctx: ErrorContext, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (error) {
    throw redisError(error, ctx)
  }
}
