import {CgError} from '../../errors/cg-error.js'
import type {ManagementApi, RabbitOptions} from './rabbitmq-types.js'

/** The management HTTP API with Node's fetch: basic auth, a deadline per request, errors as CgError. */
export function managementApi(o: RabbitOptions): ManagementApi {
  const auth = 'Basic ' + Buffer.from(`${o.username}:${o.password}`).toString('base64')
  async function call(method: string, path: string, query?: Record<string, string | number | boolean>, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    const url = new URL(`${o.managementUrl}/api/${path}`)
    for (const [k, v] of Object.entries(query ?? {})) url.searchParams.set(k, String(v))
    let res: Response
    try {
      res = await fetch(url, {
        method,
        headers: {authorization: auth, accept: 'application/json', ...(body === undefined ? {} : {'content-type': 'application/json'}), ...headers},
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(o.timeoutMs),
      })
    } catch (err) {
      const e = err as Error & {cause?: {code?: string}}
      if (e.name === 'TimeoutError') throw new CgError('timeout', `the RabbitMQ management API at ${o.managementUrl} did not answer within ${o.timeoutMs} ms`, 'Check the broker, or raise --timeout.', {cause: err})
      throw new CgError('unreachable', `cannot reach the RabbitMQ management API at ${o.managementUrl}${e.cause?.code ? ` (${e.cause.code})` : ''}`, 'Is the management plugin enabled (rabbitmq-plugins enable rabbitmq_management)? Set `management:` in the profile if it listens elsewhere.', {cause: err})
    }
    if (res.ok) return res
    const text = await res.text().catch(() => '')
    let reason = text
    try {
      reason = (JSON.parse(text) as {reason?: string}).reason ?? text
    } catch {}
    if (res.status === 401) throw new CgError('auth', `RabbitMQ management API refused the credentials of user ${o.username}`, 'Check the profile\'s username and password.')
    if (res.status === 403) throw new CgError('refused', `user ${o.username} may not ${method} /api/${path} (${reason || 'forbidden'})`, 'This needs a user with the management (or administrator/monitoring) tag and permissions on the vhost.')
    if (res.status === 404) throw new CgError('not_found', `not found: /api/${path}`, 'Check the vhost and the queue or connection name.')
    throw new CgError('unexpected', `RabbitMQ management API ${method} /api/${path}: HTTP ${res.status} ${reason}`.trim())
  }
  return {
    async get<T>(path: string, query?: Record<string, string | number | boolean>): Promise<T> {
      return (await (await call('GET', path, query)).json()) as T
    },
    async delete(path: string, headers?: Record<string, string>): Promise<void> {
      await call('DELETE', path, undefined, undefined, headers)
    },
    async post<T>(path: string, body: unknown): Promise<T> {
      const res = await call('POST', path, undefined, body)
      const text = await res.text()
      return (text ? JSON.parse(text) : undefined) as T
    },
    async put(path: string, body: unknown): Promise<void> {
      await call('PUT', path, undefined, body)
    },
  }
}

/** A path segment, vhost "/" included. */
export const seg = (s: string): string => encodeURIComponent(s)
