import {usage} from '../../errors/cg-error.js'
import {parseBrokerUrl} from '../../profiles/broker-url.js'
import type {Profile} from '../../profiles/resolve.js'
import {profileTls} from '../../profiles/tls-file.js'
import {checkAmqpName} from './rabbitmq-names.js'
import type {RabbitOptions} from './rabbitmq-types.js'

/**
 * A profile as RabbitMQ connection options. The AMQP URL gives host, port, vhost and credentials (the
 * profile's username/password/vhost override them); the management URL comes from `management:`, else
 * http://<amqp host>:15672 (https://<amqp host>:15671 for amqps://). `tls: {ca, cert, key, passphrase,
 * servername, insecure}` (profileTls) applies to amqps:// and to an
 * https:// management URL; `tls: true` asks for TLS with the system CAs.
 */
export function rabbitOptions(profile: Profile, timeoutMs: number): RabbitOptions {
  let u: URL
  try {
    u = new URL(profile.url)
  } catch {
    throw usage(`not an AMQP URL: ${profile.url.replace(/\/\/.*@/, '//***@')}`, 'Use amqp://user:pass@host:5672/vhost (amqps://, port 5671, for TLS).')
  }
  const parts = parseBrokerUrl(profile.url)
  const o = profile.options
  const secure = parts.tls
  const username = str(o.username) ?? parts.username ?? 'guest'
  const password = str(o.password) ?? parts.password ?? 'guest'
  const vhost = str(o.vhost) ?? (parts.vhost ? parts.vhost : '/')
  checkAmqpName(vhost, 'the vhost')
  const amqp = new URL(profile.url)
  amqp.username = encodeURIComponent(username)
  amqp.password = encodeURIComponent(password)
  amqp.pathname = '/' + encodeURIComponent(vhost)
  if (!amqp.port) amqp.port = secure ? '5671' : '5672'
  const shown = new URL(amqp.toString())
  shown.password = '***'
  const host = u.hostname.startsWith('[') || !u.hostname.includes(':') ? u.hostname : `[${u.hostname}]`
  const mgmtIn = str(o.management) ?? `${secure ? 'https' : 'http'}://${host}:${secure ? 15671 : 15672}`
  let mgmt: URL
  try {
    mgmt = new URL(mgmtIn)
  } catch {
    throw usage(`not a management URL: ${mgmtIn}`, 'Set `management:` to http(s)://host:15672 in the profile.')
  }
  if (mgmt.protocol !== 'http:' && mgmt.protocol !== 'https:')
    throw usage(`the management URL must be http:// or https://, not ${mgmt.protocol}`, 'Set `management:` to http(s)://host:15672.')
  mgmt.username = ''
  mgmt.password = ''
  const tls = profileTls(profile, secure || mgmt.protocol === 'https:', secure ? u.hostname : mgmt.hostname)
  return {amqpUrl: amqp.toString(), amqpShown: shown.toString(), managementUrl: mgmt.toString().replace(/\/+$/, ''), vhost, username, password, tls, timeoutMs}
}

/** "3.10.8" -> 3; "unknown" -> null. */
export function majorVersion(version: string): number | null {
  const m = /^(\d+)\./.exec(version)
  return m ? Number(m[1]) : null
}

/**
 * What a quorum queue does without `x-delivery-limit` (argument or policy): RabbitMQ 3.x has no limit
 * (null), 4.0 made 20 the default. Unknown versions are treated as 4.x (the safer warning).
 */
export function defaultDeliveryLimit(version: string): number | null {
  const major = majorVersion(version)
  return major !== null && major < 4 ? null : 20
}

function str(v: unknown): string | undefined {
  return v === undefined || v === null || v === '' ? undefined : String(v)
}
