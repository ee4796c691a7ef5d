import {usage} from '../../errors/cg-error.js'
import type {Profile} from '../../profiles/resolve.js'
import {tlsFile} from '../../profiles/tls-file.js'
import type {KafkaClientOptions} from './kafka-types.js'

const MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const

/**
 * A profile as @platformatic/kafka client options: bootstrap brokers from `kafka://h:p[,h:p]` (or the
 * profile's `brokers:`), `clientId` (default "cg"), TLS for `kafkas://` or `tls:` (ca/cert/key files read
 * relative to the config file, rejectUnauthorized, servername), SASL from `sasl: {mechanism, username,
 * password}` (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512; username/password may also be top-level fields or in
 * the URL). Retries and timeouts are bounded so an unreachable broker fails within a few seconds.
 */
export function kafkaClientOptions(profile: Profile, timeoutMs: number): KafkaClientOptions {
  const m = /^(kafkas?):\/\/(?:([^@/]*)@)?([^/?#]+)/i.exec(profile.url)
  if (!m) throw usage(`not a Kafka URL: ${profile.url}`, 'Use kafka://host:port[,host:port] (kafkas:// for TLS).')
  const bootstrapBrokers = m[3].split(',').map((b) => b.trim()).filter(Boolean).map((b) => (/:\d+$/.test(b) ? b : `${b}:9092`))
  if (bootstrapBrokers.length === 0) throw usage(`no brokers in ${profile.url}`, 'Use kafka://host:port[,host:port] (kafkas:// for TLS).')
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
  const tls = o.tls
  if (m[1].toLowerCase() === 'kafkas' || tls === true || tls === 'true' || (tls && typeof tls === 'object')) {
    const t = (tls && typeof tls === 'object' ? tls : {}) as Record<string, unknown>
    const out: Record<string, unknown> = {}
    for (const field of ['ca', 'cert', 'key'] as const) {
      const v = t[field]
      const file = v == null ? undefined : tlsFile(profile, field, String(v))
      if (file) out[field] = file
    }
    if (t.passphrase != null) out.passphrase = String(t.passphrase)
    // `${VAR}` interpolation yields strings, so "false" must count as false
    out.rejectUnauthorized = t.rejectUnauthorized === undefined ? true : String(t.rejectUnauthorized) !== 'false'
    if (t.servername != null) out.servername = String(t.servername)
    opts.tls = out
  }
  const urlUser = m[2] ? decodeURIComponent(m[2].split(':')[0]) : undefined
  const urlPass = m[2] && m[2].includes(':') ? decodeURIComponent(m[2].slice(m[2].indexOf(':') + 1)) : undefined
  const rawSasl = o.sasl
  const sasl = (typeof rawSasl === 'string' ? {mechanism: rawSasl} : rawSasl) as Record<string, unknown> | undefined
  if (sasl && typeof sasl === 'object') {
    const mechanism = String(sasl.mechanism ?? 'PLAIN').toUpperCase() as (typeof MECHANISMS)[number]
    if (!MECHANISMS.includes(mechanism)) throw usage(`unsupported SASL mechanism ${mechanism}`, 'Use PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512.')
    const username = sasl.username ?? o.username ?? urlUser
    const password = sasl.password ?? o.password ?? urlPass
    if (username == null || password == null) throw usage(`SASL ${mechanism} needs a username and a password`, 'Set sasl.username and sasl.password in the profile (${VAR} reads the environment).')
    opts.sasl = {mechanism, username: String(username), password: String(password)}
  }
  return opts
}

