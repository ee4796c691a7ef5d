import {usage} from '../../errors/cg-error.js'
import {parseBrokerUrl} from '../../profiles/broker-url.js'
import type {Profile} from '../../profiles/resolve.js'
import {profileTls} from '../../profiles/tls-file.js'
import type {KafkaClientOptions} from './kafka-types.js'

const MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const

/**
 * A profile as @platformatic/kafka client options: bootstrap brokers from `kafka://h:p[,h:p]` (or the
 * profile's `brokers:`), `clientId` (default "cg"), TLS for `kafkas://` or `tls:` (profileTls), SASL from `sasl: {mechanism, username,
 * password}` (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512; username/password may also be top-level fields or in
 * the URL, USER:PASSWORD@ before the hosts; given without `sasl:`, they are used with SASL PLAIN).
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
    const mechanism = String(sasl.mechanism ?? 'PLAIN').toUpperCase() as (typeof MECHANISMS)[number]
    if (!MECHANISMS.includes(mechanism)) throw usage(`unsupported SASL mechanism ${mechanism}`, 'Use PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512.')
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
