import {usage} from '../../errors/cg-error.js'
import type {Profile} from '../../profiles/resolve.js'
import type {KafkaClientOptions} from './kafka-types.js'

/**
 * A profile as @platformatic/kafka client options: bootstrap brokers from `kafka://h:p[,h:p]` (or the
 * profile's `brokers:`), `clientId` (default "cg"), TLS for `kafkas://` or `tls:`, SASL from `sasl:`.
 * Retries are bounded so an unreachable broker fails within a few timeouts, never minutes.
 */
export function kafkaClientOptions(profile: Profile, timeoutMs: number): KafkaClientOptions {
  const m = /^(kafkas?):\/\/(?:[^@/]*@)?([^/?#]+)/i.exec(profile.url)
  if (!m) throw usage(`not a Kafka URL: ${profile.url}`, 'Use kafka://host:port[,host:port].')
  const bootstrapBrokers = m[2].split(',').map((b) => b.trim()).filter(Boolean).map((b) => (/:\d+$/.test(b) ? b : `${b}:9092`))
  if (bootstrapBrokers.length === 0) throw usage(`no brokers in ${profile.url}`, 'Use kafka://host:port[,host:port].')
  const o = profile.options
  const opts: KafkaClientOptions = {
    clientId: typeof o.clientId === 'string' ? o.clientId : typeof o.client_id === 'string' ? o.client_id : 'cg',
    bootstrapBrokers,
    timeout: timeoutMs,
    retries: 1,
    retryDelay: 250,
  }
  const tls = o.tls
  if (m[1].toLowerCase() === 'kafkas' || tls === true || (tls && typeof tls === 'object')) {
    opts.tls = tls && typeof tls === 'object' ? {...(tls as Record<string, unknown>)} : {}
  }
  const sasl = o.sasl as Record<string, unknown> | undefined
  if (sasl && typeof sasl === 'object') {
    const mechanism = String(sasl.mechanism ?? 'PLAIN').toUpperCase()
    if (mechanism !== 'PLAIN' && mechanism !== 'SCRAM-SHA-256' && mechanism !== 'SCRAM-SHA-512') {
      throw usage(`unsupported SASL mechanism ${mechanism}`, 'Use PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512.')
    }
    opts.sasl = {mechanism, username: String(sasl.username ?? o.username ?? ''), password: String(sasl.password ?? o.password ?? '')}
  }
  return opts
}
