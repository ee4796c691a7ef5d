import {usage} from '../../errors/cg-error.js'
import {parseBrokerUrl} from '../../profiles/broker-url.js'
import type {Profile} from '../../profiles/resolve.js'
import {profileTls} from '../../profiles/tls-file.js'
import {checkAmqpName} from './rabbitmq-names.js'
import type {RabbitOptions} from './rabbitmq-types.js'

/**
 * A profile as RabbitMQ connection options. The AMQP URL gives host, port, vhost and credentials (the
 * profile's username/password/vhost override them); the management URL comes from `management:`, else
 * http://<amqp host>:15672 (https://<amqp host>:15671 for amqps://). `management:` may list several URLs
 * (a YAML list, or comma-separated): the nodes of a cluster, tried in order (the first that answers serves the run). `tls: {ca, cert, key, passphrase,
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
  const fallback = `${secure ? 'https' : 'http'}://${host}:${secure ? 15671 : 15672}`
  const mgmts = managementList(o.management, fallback)
  const tls = profileTls(profile, secure || mgmts.some((m) => m.protocol === 'https:'), secure ? u.hostname : mgmts[0].hostname)
  const managementUrls = mgmts.map((m) => m.toString().replace(/\/+$/, ''))
  const streamPort = typeof o.streamPort === 'number' && Number.isInteger(o.streamPort) ? o.streamPort : undefined
  return {
    amqpUrl: amqp.toString(),
    amqpShown: shown.toString(),
    managementUrl: managementUrls[0],
    managementUrls,
    vhost,
    username,
    password,
    tls,
    timeoutMs,
    streamPort,
  }
}

/**
 * `management:` as URLs: one URL, a YAML list of them, or a comma-separated string; none = the URL derived
 * from the AMQP host. Credentials in them are dropped (the profile's user logs in); only http(s).
 */
export function managementList(value: unknown, fallback: string): URL[] {
  const items = (Array.isArray(value) ? value : value === undefined || value === null ? [] : String(value).split(','))
    .map((v) => (v === null || v === undefined ? '' : String(v).trim()))
    .filter((v) => v !== '')
  if (Array.isArray(value) && items.length === 0)
    throw usage('`management:` is an empty list', 'List the management URLs of the nodes, e.g. [http://rabbit-1:15672, http://rabbit-2:15672].')
  return (items.length ? items : [fallback]).map((text) => {
    let m: URL
    try {
      m = new URL(text)
    } catch {
      throw usage(`not a management URL: ${text.replace(/\/\/.*@/, '//***@')}`, 'Set `management:` to http(s)://host:15672 in the profile (or a list of them).')
    }
    if (m.protocol !== 'http:' && m.protocol !== 'https:')
      throw usage(`the management URL must be http:// or https://, not ${m.protocol}`, 'Set `management:` to http(s)://host:15672.')
    m.username = ''
    m.password = ''
    return m
  })
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
