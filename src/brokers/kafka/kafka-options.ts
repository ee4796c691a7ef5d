import {usage} from '../../errors/cg-error.js'
import {parseBrokerUrl} from '../../profiles/broker-url.js'
import type {Profile} from '../../profiles/resolve.js'
import {profileTls} from '../../profiles/tls-file.js'
import {type OAuthTokenSource, oauthTokenSource} from './kafka-token.js'
import type {KafkaClientOptions} from './kafka-types.js'

const MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'] as const

/** The token source behind each OAUTHBEARER options object: error messages name it (never the token). */
export const tokenSources = new WeakMap<object, OAuthTokenSource>()

/**
 * A profile as @platformatic/kafka client options: bootstrap brokers from `kafka://h:p[,h:p]` (or the
 * profile's `brokers:`), `clientId` (default "cg"), TLS for `kafkas://` or `tls:` (profileTls), SASL from `sasl: {mechanism, username,
 * password}` (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512; username/password may also be top-level fields or in
 * the URL, USER:PASSWORD@ before the hosts; given without `sasl:`, they are used with SASL PLAIN) or
 * `sasl: {mechanism: oauthbearer, token | tokenFile | tokenCommand}` (a token provider: kafka-token.ts).
 * Retries and timeouts are bounded so an unreachable broker fails within a few seconds.
 */
export function kafkaClientOptions(profile: Profile, timeoutMs: number): KafkaClientOptions {
  const u = parseBrokerUrl(profile.url)
  const bootstrapBrokers = u.hosts.map(({host, port}) => `${host.includes(':') ? `[${host}]` : host}:${port ?? 9092}`)
  const o = profile.options
  const connectTimeout = Math.min(timeoutMs, 5000)
  const opts: KafkaClientOptions = {
    clientId: typeof o.clientId === 'string' ? o.clientId : typeof o.client_id === 'string' ? o.client_id : 'cg',
    bootstrapBrokers,
    timeout: timeoutMs,
    connectTimeout,
    requestTimeout: timeoutMs,
    retries: 1,
    retryDelay: 250,
  }
  // no default SNI name: each broker connection names its own host (node's default)
  const tls = profileTls(profile, u.tls)
  if (tls) opts.tls = {...tls}
  const rawSasl = o.sasl
  let sasl = (typeof rawSasl === 'string' ? {mechanism: rawSasl} : rawSasl) as Record<string, unknown> | undefined
  // credentials without `sasl:` (in the URL, or username/password fields) are SASL PLAIN, never dropped
  if (sasl == null && (u.username !== undefined || u.password !== undefined || o.username != null || o.password != null)) sasl = {mechanism: 'PLAIN'}
  const urlUser = u.username
  const urlPass = u.password
  if (sasl && typeof sasl === 'object') {
    const named = String(sasl.mechanism ?? 'PLAIN').toUpperCase()
    const mechanism = named as (typeof MECHANISMS)[number]
    if (!MECHANISMS.includes(mechanism))
      throw usage(
        `unsupported SASL mechanism ${mechanism}`,
        named === 'GSSAPI' || named.startsWith('AWS')
          ? 'cg speaks PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 and OAUTHBEARER (see the README on GSSAPI and AWS MSK IAM).'
          : 'Use PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER.',
      )
    if (mechanism === 'OAUTHBEARER') {
      const source = oauthTokenSource(profile, sasl, timeoutMs)
      const oauth = {mechanism, token: () => source.token(), authBytesValidator: oauthAnswer}
      tokenSources.set(oauth, source)
      opts.sasl = oauth
      return opts
    }
    const username = sasl.username ?? o.username ?? urlUser
    const password = sasl.password ?? o.password ?? urlPass
    if (username == null || password == null)
      throw usage(
        `SASL ${mechanism} needs a username and a password`,
        'Set sasl.username and sasl.password in the profile (${VAR} reads the environment), or both in the URL (USER:PASSWORD@ before the hosts).',
      )
    opts.sasl = {mechanism, username: String(username), password: String(password)}
  }
  return opts
}

/**
 * The broker's final OAUTHBEARER message: empty on success; on a rejected token, an RFC 7628 error
 * (`{"status":"invalid_token"}`), which must fail the login (the broker drops the connection next).
 */
function oauthAnswer(authBytes: Buffer, callback: (error: Error | null, bytes?: Buffer) => void): void {
  let status: unknown
  try {
    status = authBytes.length ? (JSON.parse(authBytes.toString('utf8')) as {status?: unknown}).status : undefined
  } catch {
    status = undefined
  }
  if (status) callback(Object.assign(new Error(`SASL authentication failed: the broker answered ${String(status)}`), {code: 'PLT_KFK_AUTHENTICATION'}))
  else callback(null, authBytes)
}
