// RabbitMQ test helpers: the management API, unique names cleaned up after each block, stuck consumers
// holding unacked messages with a prefetch, DLX setups and non-guest users. Real broker only.
import {randomBytes} from 'node:crypto'
import amqp, {type Channel, type ChannelModel} from 'amqplib'
import {afterAll, beforeAll} from 'vitest'

export const RABBIT_HOST = '127.0.0.1'
export const RABBIT_URL = process.env.CG_TEST_RABBIT_URL ?? `amqp://guest:guest@${RABBIT_HOST}:5672`
export const MGMT_URL = process.env.CG_TEST_RABBIT_MGMT ?? `http://${RABBIT_HOST}:15672`

/** A unique name (queue, exchange, user, vhost) for one test. */
export function uniqName(name = 't'): string {
  return `cgtest-${name}-${randomBytes(4).toString('hex')}`
}

/** The management API as guest (or the given user); throws with the status on a non-2xx reply. */
export async function mgmt<T = any>(
  method: string,
  path: string,
  body?: unknown,
  auth: {user: string; password: string} = {user: 'guest', password: 'guest'},
): Promise<T> {
  const res = await fetch(`${MGMT_URL}/api/${path}`, {
    method,
    headers: {authorization: 'Basic ' + Buffer.from(`${auth.user}:${auth.password}`).toString('base64'), 'content-type': 'application/json'},
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`management ${method} /api/${path}: HTTP ${res.status} ${text}`)
  return (text ? JSON.parse(text) : undefined) as T
}

export const enc = encodeURIComponent

/** Polls until `check` returns a truthy value (the management stats are sampled every 5 s). */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | null | false>, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const v = await check()
      if (v) return v
    } catch (err) {
      last = err
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

/** The management API's view of a queue (sampled). */
export function queueInfo(queue: string, vhost = '/'): Promise<any> {
  return mgmt('GET', `queues/${enc(vhost)}/${enc(queue)}`)
}

export interface StuckConsumer {
  connection: ChannelModel
  channel: Channel
  tag: string
  /** the client-provided connection name */
  name: string
  /** resolves when the connection closed, with the broker's reason when the broker closed it */
  closed: Promise<Error | undefined>
  close(): Promise<void>
}

/**
 * A consumer on its own AMQP connection (client-provided name `name`) that receives up to `prefetch`
 * messages of `queue` and never acks them. `alsoConsume` adds a second channel consuming another queue
 * on the same connection (what a close also takes down).
 */
export async function stuckConsumer(opts: {
  queue: string
  prefetch: number
  name?: string
  url?: string
  alsoConsume?: string
  vhost?: string
}): Promise<StuckConsumer> {
  const name = opts.name ?? uniqName('worker')
  const url = opts.url ?? RABBIT_URL + '/' + enc(opts.vhost ?? '/')
  const connection = await amqp.connect(url, {clientProperties: {connection_name: name}})
  let onClose!: (err?: Error) => void
  const closed = new Promise<Error | undefined>((r) => (onClose = r))
  connection.on('error', () => undefined)
  connection.on('close', (err?: Error) => onClose(err))
  const channel = await connection.createChannel()
  channel.on('error', () => undefined)
  await channel.prefetch(opts.prefetch)
  const tag = `${name}-tag`
  await channel.consume(opts.queue, () => undefined, {noAck: false, consumerTag: tag})
  if (opts.alsoConsume) {
    const ch2 = await connection.createChannel()
    ch2.on('error', () => undefined)
    await ch2.consume(opts.alsoConsume, () => undefined, {noAck: false, consumerTag: `${name}-other`})
  }
  return {connection, channel, tag, name, closed, close: () => connection.close().catch(() => undefined)}
}

/** Waits until the management API shows the channel of `tag` on `queue` idle with `unacked` messages. */
export async function waitStuck(queue: string, unacked: number, vhost = '/'): Promise<void> {
  await waitFor(`${unacked} unacked on an idle consumer channel of ${queue}`, async () => {
    const q = await queueInfo(queue, vhost)
    if (q.messages_unacknowledged !== unacked) return false
    for (const c of q.consumer_details ?? []) {
      const ch = await mgmt('GET', `channels/${enc(c.channel_details.name)}`)
      if (ch.messages_unacknowledged > 0 && ch.idle_since) return true
    }
    return false
  })
}

/**
 * Names created in one describe block, deleted after it: queues, exchanges, users, vhosts and AMQP
 * connections. `rmq.ch` is a plain channel on a guest connection for setting up state.
 */
export function useRabbit() {
  const queues: Array<[string, string]> = []
  const exchanges: Array<[string, string]> = []
  const users: string[] = []
  const vhosts: string[] = []
  const policies: Array<[string, string]> = []
  const closers: Array<() => Promise<unknown>> = []
  const rmq = {
    conn: undefined as unknown as ChannelModel,
    ch: undefined as unknown as Channel,
    /** a queue name deleted after the block (declare it yourself, or with `queue()`) */
    queueName(name = 'q', vhost = '/'): string {
      const q = uniqName(name)
      queues.push([vhost, q])
      return q
    },
    /** declares a queue (non-durable classic unless args say otherwise) with `messages` text messages in it */
    async queue(name = 'q', opts: {args?: Record<string, unknown>; durable?: boolean; messages?: number} = {}): Promise<string> {
      const q = rmq.queueName(name)
      await rmq.ch.assertQueue(q, {durable: opts.durable ?? false, arguments: opts.args})
      for (let i = 0; i < (opts.messages ?? 0); i++) rmq.ch.sendToQueue(q, Buffer.from(`m${i}`))
      if (opts.messages) await rmq.ch.checkQueue(q)
      return q
    },
    exchangeName(name = 'x', vhost = '/'): string {
      const x = uniqName(name)
      exchanges.push([vhost, x])
      return x
    },
    /** a user with a password, given tags and full permissions on `/`; deleted after the block */
    async user(tags: string[] = [], password = 'pw-' + randomBytes(6).toString('hex')): Promise<{user: string; password: string}> {
      const user = uniqName('user')
      users.push(user)
      await mgmt('PUT', `users/${enc(user)}`, {password, tags: tags.join(',')})
      await mgmt('PUT', `permissions/%2F/${enc(user)}`, {configure: '.*', write: '.*', read: '.*'})
      return {user, password}
    },
    async vhost(): Promise<string> {
      const v = uniqName('vhost')
      vhosts.push(v)
      await mgmt('PUT', `vhosts/${enc(v)}`, {})
      await mgmt('PUT', `permissions/${enc(v)}/guest`, {configure: '.*', write: '.*', read: '.*'})
      return v
    },
    /** a policy on `pattern` in vhost `/`, removed after the block */
    async policy(pattern: string, definition: Record<string, unknown>, applyTo = 'queues'): Promise<string> {
      const name = uniqName('policy')
      policies.push(['/', name])
      await mgmt('PUT', `policies/%2F/${enc(name)}`, {pattern, definition, 'apply-to': applyTo, priority: 10})
      return name
    },
    /** a dead-letter setup: exchange `dlx` (fanout) bound to queue `dlq`, and a source queue dead-lettering into it */
    async dlxSetup(sourceArgs: Record<string, unknown> = {}): Promise<{source: string; dlx: string; dlq: string}> {
      const dlx = rmq.exchangeName('dlx')
      const dlq = rmq.queueName('dlq')
      const source = rmq.queueName('src')
      await rmq.ch.assertExchange(dlx, 'fanout', {durable: false})
      await rmq.ch.assertQueue(dlq, {durable: false})
      await rmq.ch.bindQueue(dlq, dlx, '')
      await rmq.ch.assertQueue(source, {durable: sourceArgs['x-queue-type'] === 'quorum', arguments: {'x-dead-letter-exchange': dlx, ...sourceArgs}})
      return {source, dlx, dlq}
    },
    async stuck(opts: Parameters<typeof stuckConsumer>[0]): Promise<StuckConsumer> {
      const s = await stuckConsumer(opts)
      closers.push(s.close)
      return s
    },
    /** registers a cleanup */
    defer(fn: () => Promise<unknown>): void {
      closers.push(fn)
    },
  }
  beforeAll(async () => {
    rmq.conn = await amqp.connect(RABBIT_URL, {clientProperties: {connection_name: 'cg-test-setup'}})
    rmq.conn.on('error', () => undefined)
    rmq.ch = await rmq.conn.createChannel()
    rmq.ch.on('error', () => undefined)
  })
  afterAll(async () => {
    for (const c of closers) await c().catch(() => undefined)
    for (const [v, q] of queues) await mgmt('DELETE', `queues/${enc(v)}/${enc(q)}`).catch(() => undefined)
    for (const [v, x] of exchanges) await mgmt('DELETE', `exchanges/${enc(v)}/${enc(x)}`).catch(() => undefined)
    for (const [v, p] of policies) await mgmt('DELETE', `policies/${enc(v)}/${enc(p)}`).catch(() => undefined)
    for (const u of users) await mgmt('DELETE', `users/${enc(u)}`).catch(() => undefined)
    for (const v of vhosts) await mgmt('DELETE', `vhosts/${enc(v)}`).catch(() => undefined)
    await rmq.conn?.close().catch(() => undefined)
  })
  return rmq
}
