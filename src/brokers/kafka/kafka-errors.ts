import {subscribe} from 'node:diagnostics_channel'
import {CgError} from '../../errors/cg-error.js'
import {clientCertOf, describeTlsError, isPlainTextReply, notTlsError, tlsFailure} from '../tls-check.js'
import {tokenSources} from './kafka-options.js'
import type {KafkaClientOptions} from './kafka-types.js'

/** Who logged in, for messages: the mechanism and the user or the token's source (never a secret). */
function login(opts: KafkaClientOptions): string {
  const sasl = opts.sasl
  if (!sasl) return 'no SASL credentials'
  if (sasl.mechanism !== 'OAUTHBEARER') return `SASL ${sasl.mechanism} as user "${sasl.username}"`
  const source = tokenSources.get(sasl)
  const exp = source?.expiresAt()
  const expired = exp !== undefined && exp <= Date.now() ? `, expired at ${new Date(exp).toISOString()}` : ''
  return `SASL OAUTHBEARER with the token of ${source?.describe ?? 'the profile'}${expired}`
}

let watching = false
let lateTlsError: unknown
/**
 * Keeps the TLS error of any broker connection of this process. Under TLS 1.3 a server checks the client's
 * certificate after the handshake: its refusal (an alert) reaches @platformatic/kafka's connection as an
 * 'error' event while the request waiting on it only sees "Connection closed". The library announces every
 * connection it makes on the diagnostics channel plt:kafka:instances.
 */
export function watchTlsErrors(): void {
  if (watching) return
  watching = true
  subscribe('plt:kafka:instances', (message) => {
    const {type, instance} = message as {type?: string; instance?: {on?: (event: string, fn: (e: unknown) => void) => void}}
    if (type !== 'connection' || typeof instance?.on !== 'function') return
    instance.on('error', (e) => {
      if (describeTlsError(e)) lateTlsError = e
    })
  })
}

/** A CgError anywhere in an error's causes (e.g. a token command that failed during the login). */
function innerCgError(e: unknown, depth = 0): CgError | undefined {
  if (!e || depth > 6) return undefined
  if (e instanceof CgError) return e
  const x = e as {errors?: unknown[]; cause?: unknown}
  for (const inner of x.errors ?? []) {
    const found = innerCgError(inner, depth + 1)
    if (found) return found
  }
  return innerCgError(x.cause, depth + 1)
}

const TLS_HINT = 'Check tls.ca (the CA that signed the broker certificate) and tls.servername, or use kafka:// for a plain-text listener.'

/** Any error of @platformatic/kafka as a CgError with the exit code of the spec. */
export function kafkaError(err: unknown, opts: KafkaClientOptions, what = ''): CgError {
  const inner = innerCgError(err)
  if (inner) return inner
  const e = err as Error & {code?: string; errors?: unknown[]; cause?: unknown}
  const text = flatten(e)
  const where = opts.bootstrapBrokers.join(',')
  const prefix = what ? `${what}: ` : ''
  const ids = protocolIds(e)
  if (/PLT_KFK_AUTHENTICATION|SASL_AUTHENTICATION_FAILED|SaslAuthenticat|authentication failed/i.test(text) || ids.has('SASL_AUTHENTICATION_FAILED')) {
    return new CgError(
      'auth',
      `${prefix}authentication failed on Kafka ${where} (${login(opts)})`,
      opts.sasl?.mechanism === 'OAUTHBEARER'
        ? 'Check the token: signed for this broker, not expired, with the claims it requires (sub, scope).'
        : "Check the profile's sasl mechanism, username and password (the broker must have that user for that mechanism).",
      {cause: err},
    )
  }
  if (ids.has('UNSUPPORTED_SASL_MECHANISM') || ids.has('ILLEGAL_SASL_STATE')) {
    return new CgError(
      'auth',
      `${prefix}Kafka ${where} does not accept SASL ${opts.sasl?.mechanism ?? ''}`.trimEnd(),
      'Use a mechanism the listener enables (sasl.enabled.mechanisms).',
      {cause: err},
    )
  }
  const denied = [...ids].find((id) => /AUTHORIZATION_FAILED$/.test(id))
  if (denied) {
    return new CgError(
      'refused',
      `${prefix}Kafka ${where} refused: ${denied} for ${opts.sasl ? login(opts) : 'this client'}`,
      'The user needs the ACLs for this operation (Describe on the group/topic, Read for offsets).',
      {cause: err},
    )
  }
  if (opts.tls && isPlainTextReply(err)) {
    const [, host, port] = /^\[?(.*?)\]?:(\d+)$/.exec(opts.bootstrapBrokers[0]) ?? []
    return notTlsError({host: host ?? where, port: Number(port), plain: 'kafka'}, err)
  }
  if (opts.tls) {
    // under TLS 1.3 the server's refusal of the client's certificate may reach only the connection ("late")
    const seen = describeTlsError(err) || !/Connection closed/i.test(text) ? err : (lateTlsError ?? err)
    const tls = !/PLT_KFK_TIMEOUT/.test(text) || describeTlsError(seen) ? tlsFailure(`Kafka at ${where}`, seen, clientCertOf(opts.tls), TLS_HINT) : undefined
    if (tls) return prefix ? new CgError(tls.code, prefix + tls.message, tls.hint, {cause: err}) : tls
  }
  if (/PLT_KFK_TIMEOUT|Timeout|timed out/i.test(text) && !/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ECONNRESET|EAI_AGAIN/.test(text)) {
    return new CgError(
      'timeout',
      `${prefix}Kafka at ${where} did not answer in time`,
      'Check that this is a Kafka listener and the broker is healthy, or raise --timeout.',
      {cause: err},
    )
  }
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ECONNRESET|EAI_AGAIN|NetworkError|PLT_KFK_NETWORK|Connection closed|Cannot connect|socket/i.test(text)) {
    // on a cluster, one node that does not answer (stopped or crashed, still in the metadata) is named
    const failed = [...new Set([...text.matchAll(/Connection to (\S+?) failed/g)].map((m) => m[1]))]
    if (failed.length > 0 && !opts.bootstrapBrokers.every((b) => failed.includes(b))) {
      return new CgError(
        'unreachable',
        `${prefix}cannot reach Kafka node ${failed.join(', ')} (a node of the cluster ${where})`,
        'That node is down or unreachable: start it again, or wait a few seconds for the cluster to move its leaderships and group coordinators to the other nodes, then run the command again.',
        {cause: err},
      )
    }
    const closed = /Connection closed/i.test(text) && !/ECONNREFUSED/.test(text)
    return new CgError(
      'unreachable',
      `${prefix}cannot reach Kafka at ${where}${closed ? ' (the broker closed the connection)' : ''}`,
      closed
        ? 'The listener may need SASL or TLS: set sasl:/tls: in the profile (kafkas:// for TLS).'
        : "Check that the broker is running and the profile's url (kafka://host:port[,host:port]).",
      {cause: err},
    )
  }
  if (/Timeout|PLT_KFK_TIMEOUT|timed out/i.test(text)) {
    return new CgError('timeout', `${prefix}Kafka at ${where} did not answer in time`, 'Check the broker, or raise --timeout.', {cause: err})
  }
  if (ids.size) return new CgError('unexpected', `${prefix}the broker answered ${[...ids].join(', ')}`, undefined, {cause: err})
  return new CgError('unexpected', `${prefix}${e?.message ?? String(err)}`, undefined, {cause: err})
}

/** The Kafka protocol error ids (e.g. GROUP_ID_NOT_FOUND) found anywhere in an error. */
export function protocolIds(e: unknown, depth = 0, out = new Set<string>()): Set<string> {
  if (!e || depth > 6) return out
  const x = e as {apiId?: string; errors?: unknown[]; cause?: unknown}
  if (typeof x.apiId === 'string') out.add(x.apiId)
  for (const inner of x.errors ?? []) protocolIds(inner, depth + 1, out)
  if (x.cause) protocolIds(x.cause, depth + 1, out)
  return out
}

/** The messages and codes of an error and everything it wraps. */
export function flatten(e: unknown, depth = 0): string {
  if (!e || depth > 5) return ''
  const x = e as {message?: string; code?: string; errors?: unknown[]; cause?: unknown; apiId?: string}
  let s = `${x.code ?? ''} ${x.apiId ?? ''} ${x.message ?? String(e)}`
  for (const inner of x.errors ?? []) s += ' | ' + flatten(inner, depth + 1)
  if (x.cause) s += ' | ' + flatten(x.cause, depth + 1)
  return s
}
