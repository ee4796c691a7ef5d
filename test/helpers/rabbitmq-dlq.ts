// DLQ fixtures on the real RabbitMQ: messages published to an exchange, dead-lettered for real
// (rejected without requeue, expired by TTL, or over a quorum queue's x-delivery-limit) through a
// dead-letter exchange into a DLQ; then the source queue is unbound and a target queue bound in its
// place, so a replay to the original exchange lands in `target`.
import type {ConsumeMessage, Options} from 'amqplib'
import type {useRabbit} from './rabbitmq.js'

type Rmq = ReturnType<typeof useRabbit>
export type DeathReason = 'rejected' | 'expired' | 'delivery_limit'

export interface DlqScenario {
  exchange: string
  source: string
  dlx: string
  dlq: string
  target: string
  keys: string[]
}

export async function deadLettered(
  rmq: Rmq,
  opts: {
    reason: DeathReason
    n: number
    keys?: string[]
    body?: (i: number) => Buffer
    props?: (i: number) => Options.Publish
    /** keep the source queue bound (no target queue) */
    keepSource?: boolean
  },
): Promise<DlqScenario> {
  const keys = opts.keys ?? ['k.a']
  const ch = rmq.ch
  const exchange = rmq.exchangeName('orig')
  const dlx = rmq.exchangeName('dlx')
  const dlq = rmq.queueName('dlq')
  const source = rmq.queueName('src')
  const target = rmq.queueName('target')
  await ch.assertExchange(exchange, 'direct', {durable: false})
  await ch.assertExchange(dlx, 'fanout', {durable: false})
  await ch.assertQueue(dlq, {durable: false})
  await ch.bindQueue(dlq, dlx, '')
  const args: Record<string, unknown> = {'x-dead-letter-exchange': dlx}
  if (opts.reason === 'expired') args['x-message-ttl'] = 1
  if (opts.reason === 'delivery_limit') Object.assign(args, {'x-queue-type': 'quorum', 'x-delivery-limit': 1})
  await ch.assertQueue(source, {durable: opts.reason === 'delivery_limit', arguments: args})
  for (const k of keys) await ch.bindQueue(source, exchange, k)
  const conf = await rmq.conn.createConfirmChannel()
  conf.on('error', () => undefined)
  for (let i = 0; i < opts.n; i++) {
    const ok = conf.publish(exchange, keys[i % keys.length], opts.body?.(i) ?? Buffer.from(`message ${i}`), {
      messageId: `m-${i}`,
      persistent: false,
      ...(opts.props?.(i) ?? {}),
    })
    if (!ok) await new Promise((r) => conf.once('drain', r))
    if (i % 5000 === 4999) await conf.waitForConfirms()
  }
  await conf.waitForConfirms()
  await conf.close()
  if (opts.reason !== 'expired') {
    const c = await rmq.conn.createChannel()
    c.on('error', () => undefined)
    await c.prefetch(500)
    await c.consume(source, (m: ConsumeMessage | null) => {
      if (m) c.nack(m, false, opts.reason === 'delivery_limit')
    })
    await waitDepth(rmq, dlq, opts.n)
    await c.close()
  } else await waitDepth(rmq, dlq, opts.n)
  if (!opts.keepSource) {
    for (const k of keys) await ch.unbindQueue(source, exchange, k)
    await ch.assertQueue(target, {durable: false})
    for (const k of keys) await ch.bindQueue(target, exchange, k)
  }
  return {exchange, source, dlx, dlq, target, keys}
}

/** Waits until the queue holds exactly n ready messages (passive declare). */
export async function waitDepth(rmq: Rmq, queue: string, n: number, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs
  let last = -1
  for (;;) {
    last = (await rmq.ch.checkQueue(queue)).messageCount
    if (last === n) return
    if (Date.now() > until) throw new Error(`${queue} holds ${last} messages, expected ${n}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** Every message of a queue, acked (removes them): content, properties, fields. */
export async function drain(rmq: Rmq, queue: string, timeoutMs = 60_000): Promise<ConsumeMessage[]> {
  const n = (await rmq.ch.checkQueue(queue)).messageCount
  const out: ConsumeMessage[] = []
  if (!n) return out
  const c = await rmq.conn.createChannel()
  c.on('error', () => undefined)
  await c.prefetch(1000)
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`drained ${out.length} of ${n} from ${queue}`)), timeoutMs)
    c.consume(queue, (m) => {
      if (!m) return
      out.push(m)
      c.ack(m)
      if (out.length >= n) {
        clearTimeout(t)
        resolve()
      }
    }).catch(reject)
  })
  await c.close()
  return out
}
