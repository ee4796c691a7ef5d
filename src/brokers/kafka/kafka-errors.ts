import {CgError} from '../../errors/cg-error.js'
import type {KafkaClientOptions} from './kafka-types.js'

/** Any error of @platformatic/kafka as a CgError with the exit code of the spec. */
export function kafkaError(err: unknown, opts: KafkaClientOptions, what = ''): CgError {
  if (err instanceof CgError) return err
  const e = err as Error & {code?: string; errors?: unknown[]; cause?: unknown}
  const text = flatten(e)
  const where = opts.bootstrapBrokers.join(',')
  const prefix = what ? `${what}: ` : ''
  if (/AUTHENTICATION|SASL|SaslAuthenticat|authenticat/i.test(text)) {
    return new CgError('auth', `${prefix}authentication failed on Kafka ${where}`, 'Check the profile\'s sasl mechanism, username and password.', {cause: err})
  }
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ECONNRESET|NetworkError|PLT_KFK_NETWORK|Connection closed|socket/i.test(text)) {
    return new CgError('unreachable', `${prefix}cannot reach Kafka at ${where}`, 'Check that the broker is running and the profile\'s url (kafka://host:port).', {cause: err})
  }
  if (/Timeout|PLT_KFK_TIMEOUT|timed out/i.test(text)) {
    return new CgError('timeout', `${prefix}Kafka at ${where} did not answer in time`, 'Check the broker, or raise --timeout.', {cause: err})
  }
  return new CgError('unexpected', `${prefix}${e?.message ?? String(err)}`, undefined, {cause: err})
}

/** The messages and codes of an error and everything it wraps. */
export function flatten(e: unknown, depth = 0): string {
  if (!e || depth > 5) return ''
  const x = e as {message?: string; code?: string; errors?: unknown[]; cause?: unknown; apiCode?: number}
  let s = `${x.code ?? ''} ${x.message ?? String(e)}`
  for (const inner of x.errors ?? []) s += ' | ' + flatten(inner, depth + 1)
  if (x.cause) s += ' | ' + flatten(x.cause, depth + 1)
  return s
}
