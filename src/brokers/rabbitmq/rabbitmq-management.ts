import {request as httpsRequest} from 'node:https'
import {CgError} from '../../errors/cg-error.js'
import {clientCertOf, isPlainTextReply, notTlsError, tlsFailure} from '../tls-check.js'
import type {ManagementApi, RabbitOptions} from './rabbitmq-types.js'

interface Reply {
  status: number
  text: string
}

/**
 * The management HTTP API: basic auth, a deadline per request, errors as CgError. http:// goes through
 * Node's fetch; https:// through node:https so the profile's TLS options (ca, cert, key, servername,
 * insecure: profileTls) apply.
 *
 * Status mapping: 401 "Login failed" -> auth (69); 401 for a user who may log in but lacks the tag or
 * the right to an object ("Not management user", "User not authorised to access object") and 403 ->
 * refused (4); 404 -> not_found (5).
 */
export function managementApi(o: RabbitOptions): ManagementApi {
  const auth = 'Basic ' + Buffer.from(`${o.username}:${o.password}`).toString('base64')
  /** the index (in managementUrls) of the node that answered last: the run sticks to it */
  let active = 0
  async function send(method: string, url: URL, headers: Record<string, string>, body?: string): Promise<Reply> {
    if (url.protocol === 'https:') return httpsSend(method, url, headers, body, o)
    const res = await fetch(url, {method, headers, body, signal: AbortSignal.timeout(o.timeoutMs)})
    return {status: res.status, text: await res.text().catch(() => '')}
  }
  async function call(
    method: string,
    path: string,
    query?: Record<string, string | number | boolean>,
    body?: unknown,
    extra: Record<string, string> = {},
  ): Promise<Reply> {
    const bases = o.managementUrls?.length ? o.managementUrls : [o.managementUrl]
    const headers = {authorization: auth, accept: 'application/json', ...(body === undefined ? {} : {'content-type': 'application/json'}), ...extra}
    const payload = body === undefined ? undefined : JSON.stringify(body)
    let res: Reply | undefined
    const failed: Array<{base: string; err: CgError}> = []
    // the node that answered last first, then the others in the profile's order
    const order = [active, ...bases.keys()].filter((i, k, all) => all.indexOf(i) === k)
    for (const i of order) {
      const url = new URL(`${bases[i]}/api/${path}`)
      for (const [k, v] of Object.entries(query ?? {})) url.searchParams.set(k, String(v))
      try {
        res = await send(method, url, headers, payload)
        active = i
        break
      } catch (err) {
        const e = transportError(err, url, bases[i], o)
        // a node that does not answer: the next one may (a timed-out change is not sent twice; a TLS
        // failure is the profile's, not the node's)
        const down = e.code === 'timeout' ? method === 'GET' : e.code === 'unreachable' && !/TLS|certificate/i.test(e.message)
        if (bases.length > 1 && down) {
          failed.push({base: bases[i], err: e})
          continue
        }
        throw e
      }
    }
    if (!res) {
      throw new CgError(
        failed.every((f) => f.err.code === 'timeout') ? 'timeout' : 'unreachable',
        `no RabbitMQ management API answered: ${failed.map((f) => `${f.base} (${f.err.code === 'timeout' ? `no answer within ${o.timeoutMs} ms` : (/\(([^)]*)\)$/.exec(f.err.message)?.[1] ?? 'no answer')})`).join(', ')}`,
        'Are the nodes running, with the management plugin enabled? Check the `management:` list of the profile (or raise --timeout).',
        {cause: failed[0]?.err},
      )
    }
    if (res.status >= 200 && res.status < 300) return res
    let reason = res.text
    try {
      reason = (JSON.parse(res.text) as {reason?: string}).reason ?? res.text
    } catch {}
    if (res.status === 401 && /not management user/i.test(reason)) {
      throw new CgError(
        'refused',
        `user ${o.username} may not use the RabbitMQ management API (${reason})`,
        'Give the user the management, monitoring or administrator tag (rabbitmqctl set_user_tags USER management).',
      )
    }
    // a user who may log in but lacks the monitoring (or administrator) tag an endpoint needs (/api/nodes)
    if (res.status === 401 && /not (monitor|administrator) user/i.test(reason)) {
      throw new CgError(
        'refused',
        `user ${o.username} may not ${method === 'GET' ? 'read' : method} /api/${path.split('?')[0]} (${reason})`,
        `This needs the ${/administrator/i.test(reason) ? 'administrator' : 'monitoring or administrator'} tag (rabbitmqctl set_user_tags USER monitoring).`,
      )
    }
    // paths are shown as sent: their segments stay encoded (vhost "/" is %2F)
    const vhost = /^(?:queues|exchanges|bindings|policies|vhosts)\/([^/?]+)/.exec(path)?.[1]
    if (res.status === 401 && /not authori[sz]ed to access virtual host/i.test(reason) && vhost !== undefined) {
      throw new CgError(
        'refused',
        `user ${o.username} has no permissions on vhost ${decodeURIComponent(vhost)} (${method} /api/${path}: ${reason})`,
        `Grant the user permissions on the vhost (rabbitmqctl set_permissions -p ${JSON.stringify(decodeURIComponent(vhost))} ${o.username} ".*" ".*" ".*").`,
      )
    }
    if (res.status === 401 && /not authori[sz]ed to access/i.test(reason)) {
      throw new CgError(
        'refused',
        `user ${o.username} may not ${method === 'DELETE' ? 'delete' : 'read'} /api/${path} (${reason})`,
        method === 'DELETE'
          ? "Closing another user's connection needs the administrator tag."
          : "Seeing other users' channels and connections needs the monitoring or administrator tag.",
      )
    }
    if (res.status === 401)
      throw new CgError(
        'auth',
        `RabbitMQ management API refused the credentials of user ${o.username}${reason ? ` (${reason})` : ''}`,
        "Check the profile's username and password.",
      )
    if (res.status === 403)
      throw new CgError(
        'refused',
        `user ${o.username} may not ${method} /api/${path} (${reason || 'forbidden'})`,
        'This needs a user with the management (or monitoring/administrator) tag and permissions on the vhost.',
      )
    if (res.status === 404) throw new CgError('not_found', `not found: /api/${path}`, 'Check the vhost and the queue or connection name.')
    throw new CgError(
      'unexpected',
      `RabbitMQ management API ${method} /api/${path.slice(0, 200)}: HTTP ${res.status} ${reason.trim().split('\n')[0].slice(0, 200)}`.trim(),
      undefined,
      {cause: {httpStatus: res.status}},
    )
  }
  return {
    async get<T>(path: string, query?: Record<string, string | number | boolean>): Promise<T> {
      return JSON.parse((await call('GET', path, query)).text) as T
    },
    async delete(path: string, headers?: Record<string, string>): Promise<void> {
      await call('DELETE', path, undefined, undefined, headers)
    },
    async post<T>(path: string, body: unknown): Promise<T> {
      const {text} = await call('POST', path, undefined, body)
      return (text ? JSON.parse(text) : undefined) as T
    },
    async put(path: string, body: unknown): Promise<void> {
      await call('PUT', path, undefined, body)
    },
  }
}

/** A request that got no HTTP answer from `base`, as a CgError (timeout, TLS failure, unreachable). */
function transportError(err: unknown, url: URL, base: string, o: RabbitOptions): CgError {
  const e = err as Error & {code?: string; cause?: {code?: string}}
  if (e.name === 'TimeoutError' || e.code === 'ETIMEDOUT')
    return new CgError('timeout', `the RabbitMQ management API at ${base} did not answer within ${o.timeoutMs} ms`, 'Check the broker, or raise --timeout.', {
      cause: err,
    })
  const code = e.cause?.code ?? e.code
  if (url.protocol === 'https:' && isPlainTextReply(err))
    return notTlsError({host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 443), plain: 'http'}, err)
  const tls =
    url.protocol === 'https:'
      ? tlsFailure(
          `the RabbitMQ management API at ${base}`,
          err,
          clientCertOf(o.tls),
          'Check tls.ca / tls.servername in the profile, or use http:// for a plain-text listener.',
        )
      : undefined
  if (tls) return tls
  return new CgError(
    'unreachable',
    `cannot reach the RabbitMQ management API at ${base}${code ? ` (${code})` : ''}`,
    'Is the management plugin enabled (rabbitmq-plugins enable rabbitmq_management)? Set `management:` in the profile if it listens elsewhere.',
    {cause: err},
  )
}

async function httpsSend(method: string, url: URL, headers: Record<string, string>, body: string | undefined, o: RabbitOptions): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, {method, headers, timeout: o.timeoutMs, ...(o.tls ?? {})}, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => (text += d))
      res.on('end', () => resolve({status: res.statusCode ?? 0, text}))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), {name: 'TimeoutError'})))
    req.on('error', reject)
    req.end(body)
  })
}

/** A path segment, vhost "/" included. */
export const seg = (s: string): string => encodeURIComponent(s)

/** The management API answered with a server error (5xx), e.g. about a connection that was closing as it was asked. */
export function isServerError(err: unknown): boolean {
  const status = err instanceof CgError ? (err.cause as {httpStatus?: unknown} | undefined)?.httpStatus : undefined
  return typeof status === 'number' && status >= 500
}
