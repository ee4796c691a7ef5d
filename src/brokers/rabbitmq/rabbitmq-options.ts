import {usage} from '../../errors/cg-error.js'
import type {Profile} from '../../profiles/resolve.js'
import type {RabbitOptions} from './rabbitmq-types.js'

/**
 * A profile as RabbitMQ connection options. The AMQP URL gives host, port, vhost and credentials (the
 * profile's username/password/vhost override them); the management URL comes from `management:`, else
 * http://<amqp host>:15672 (https:// for amqps://).
 */
export function rabbitOptions(profile: Profile, timeoutMs: number): RabbitOptions {
  let u: URL
  try {
    u = new URL(profile.url)
  } catch {
    throw usage(`not an AMQP URL: ${profile.url.replace(/\/\/.*@/, '//***@')}`, 'Use amqp://user:pass@host:5672/vhost.')
  }
  const o = profile.options
  const secure = u.protocol === 'amqps:'
  const username = str(o.username) ?? (u.username ? decodeURIComponent(u.username) : 'guest')
  const password = str(o.password) ?? (u.password ? decodeURIComponent(u.password) : 'guest')
  const path = u.pathname.replace(/^\//, '')
  const vhost = str(o.vhost) ?? (path === '' ? '/' : decodeURIComponent(path))
  const amqp = new URL(profile.url)
  amqp.username = encodeURIComponent(username)
  amqp.password = encodeURIComponent(password)
  amqp.pathname = '/' + encodeURIComponent(vhost)
  if (!amqp.port) amqp.port = secure ? '5671' : '5672'
  const shown = new URL(amqp.toString())
  shown.password = '***'
  const mgmt = str(o.management) ?? `${secure ? 'https' : 'http'}://${u.hostname.includes(':') ? `[${u.hostname}]` : u.hostname}:${secure ? 15671 : 15672}`
  const tls = o.tls && typeof o.tls === 'object' ? {...(o.tls as Record<string, unknown>)} : undefined
  return {amqpUrl: amqp.toString(), amqpShown: shown.toString(), managementUrl: mgmt.replace(/\/+$/, ''), vhost, username, password, tls, timeoutMs}
}

function str(v: unknown): string | undefined {
  return v === undefined || v === null || v === '' ? undefined : String(v)
}
