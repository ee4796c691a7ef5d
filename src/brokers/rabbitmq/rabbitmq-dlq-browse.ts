// cg dlq list / peek on RabbitMQ: reads the DLQ with manual acks and puts every message back
// (nack + requeue), so nothing is lost; says what the read changed (redelivered flag, delivery counts).
import type {ConsumeMessage} from 'amqplib'
import type {OpRequest} from '../../core/requests.js'
import type {DlqListResult} from '../../core/results.js'
import {CgError} from '../../errors/cg-error.js'
import {parseWhere, type WhereClause} from '../../services/dlq-select.js'
import {optionalName} from './rabbitmq-args.js'
import {QueueReader} from './rabbitmq-dlq-io.js'
import {checkQueue} from './rabbitmq-reads.js'
import type {RabbitAdapter} from './rabbitmq-types.js'
import {
  bodyView,
  type BodyView,
  type Death,
  deathsOf,
  type Delivery,
  headerJson,
  lastDeath,
  majorOf,
  matchesWhere,
  replayCountOf,
  replayIdOf,
  replayTarget,
  targetKey,
} from './rabbitmq-dlq-message.js'
import {dlqHeader, resolveDlq, type DlqHeader} from './rabbitmq-dlq-resolve.js'

export interface BrowseRequest {
  queue?: string
  dlq?: string
  /** at most this many messages (null: every message ready at the start) */
  count: number | null
  where: WhereClause[]
  /** peek: only messages with this message-id (or cg replay id) */
  id?: string
  /** largest body shown, bytes (null: whole) */
  maxBody: number | null
  signal: AbortSignal
}

export interface DlqMessage {
  /** 1-based position in the order read */
  position: number
  messageId: string | null
  replayId: string
  redelivered: boolean
  /** x-delivery-count (quorum queues), null when absent */
  deliveryCount: number | null
  replayCount: number
  reason: string | null
  deaths: Death[]
  target: {exchange: string; routingKey: string; key: string} | null
  routingKey: string
  properties: Record<string, unknown>
  headers: Record<string, unknown>
  body: BodyView & {truncated: boolean}
}

export interface BrowseReport extends DlqHeader, DlqListResult {
  serverVersion: string
  /** ready messages when the read started (passive declare) */
  ready: number
  read: number
  shown: number
  /** what reading did to the messages, in plain words */
  sideEffect: string
  messages: DlqMessage[]
}

/** cg dlq list [QUEUE] [--dlq QUEUE]: one row per dead-lettered message with its last death; every message is put back. */
export async function listOp(rabbit: RabbitAdapter, req: OpRequest<'dlq:list'>): Promise<BrowseReport> {
  const f = req.flags
  return browseDlq(rabbit, {
    queue: optionalName(req.args[0], 'QUEUE'),
    dlq: optionalName(f.dlq, '--dlq'),
    count: f.count ?? null,
    where: parseWhere(f.where),
    maxBody: 256,
    signal: req.run.signal,
  })
}

/** cg dlq peek [QUEUE] [MESSAGE-ID]: messages in full (x-death history, properties, typed headers, body); all put back. */
export async function peekOp(rabbit: RabbitAdapter, req: OpRequest<'dlq:peek'>): Promise<BrowseReport> {
  let [queue, id] = req.args as Array<string | undefined>
  // `cg dlq peek --dlq QUEUE ID`: with the DLQ named, a lone argument is the message id
  if (req.flags.dlq && queue !== undefined && id === undefined) [queue, id] = [undefined, queue]
  // an id that names no message is not found (exit 5): browseDlq says so
  return browseDlq(rabbit, {
    queue: optionalName(queue, 'QUEUE'),
    dlq: optionalName(req.flags.dlq, '--dlq'),
    count: req.flags.count,
    where: [],
    id,
    maxBody: null,
    signal: req.run.signal,
  })
}

export async function browseDlq(rabbit: RabbitAdapter, req: BrowseRequest): Promise<BrowseReport> {
  const r = await resolveDlq(rabbit, {queue: req.queue, dlq: req.dlq})
  if (r.details.type === 'stream')
    throw new CgError(
      'unsupported',
      `${r.dlq} is a stream: dead-letter browsing reads queues`,
      'Streams keep their messages; read them with a stream client and an offset.',
    )
  const version = await rabbit.serverVersion()
  const major = majorOf(version)
  const {messageCount} = await checkQueue(rabbit, r.dlq)
  const filtered = req.where.length > 0 || req.id !== undefined
  const want = req.count ?? messageCount
  const max = filtered ? messageCount : Math.min(want, messageCount)
  // (rawProperties: the replay id is computed from the content header as it came, as a replay does)
  const reader = new QueueReader(rabbit, r.dlq, {prefetch: Math.max(1, Math.min(max, 1000)), max, idleMs: 1500, signal: req.signal, rawProperties: true})
  const messages: DlqMessage[] = []
  await reader.start()
  try {
    for (;;) {
      const m = await reader.next()
      if (!m) break
      const view = toView(m, reader.count, major, req.maxBody)
      if (matchesWhere(m as Delivery, view.deaths[0] ?? null, req.where) && (req.id === undefined || view.messageId === req.id || view.replayId === req.id))
        messages.push(view)
      await reader.leave(m)
      if (messages.length >= want) break
    }
  } finally {
    await reader.finish()
  }
  // as on Redis and Kafka, an id that names nothing is "not found" (exit 5), not an empty answer
  if (req.id !== undefined && messages.length === 0) {
    const effect = sideEffect(r.details.type, r.details.deliveryLimit, reader.count).replace(/\.?$/, '.')
    throw new CgError(
      'not_found',
      `no message with message-id or replay id ${req.id} in ${r.dlq} (${reader.count} messages read)`,
      `List the messages with: cg dlq list ${r.dlq}. ${effect[0].toUpperCase()}${effect.slice(1)}`,
    )
  }
  return {
    ...dlqHeader(rabbit, r),
    serverVersion: version,
    ready: messageCount,
    read: reader.count,
    shown: messages.length,
    sideEffect: sideEffect(r.details.type, r.details.deliveryLimit, reader.count),
    messages,
  }
}

/** What reading (consume, then nack with requeue) did, by queue type. */
export function sideEffect(type: string | null, deliveryLimit: number | null, read: number): string {
  if (read === 0) return 'nothing was read; nothing changed'
  const back = `The ${read} message(s) read were consumed with manual acks and put back (nack + requeue); none was removed.`
  if (type === 'quorum') {
    return (
      `${back} This is a quorum queue: each read counts as a delivery, so every message read now has x-delivery-count one higher and the redelivered flag set` +
      (deliveryLimit !== null
        ? `; the queue has x-delivery-limit ${deliveryLimit}, and a message read past it is dead-lettered or dropped by the broker.`
        : '.')
    )
  }
  return `${back} Classic queue: the messages read are now marked redelivered (the redelivered flag); their order is kept, their content is unchanged.`
}

export function toView(m: ConsumeMessage, position: number, major: number, maxBody: number | null): DlqMessage {
  const d = m as unknown as Delivery
  const h = d.properties.headers ?? {}
  const deaths = deathsOf(h)
  const death = lastDeath(h, major)
  const t = replayTarget(d, death, {})
  const {headers: _h, ...props} = d.properties
  const properties: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(props))
    if (v !== undefined) properties[k] = k === 'timestamp' && typeof v === 'number' ? new Date(v * 1000).toISOString() : v
  const dc = h['x-delivery-count']
  return {
    position,
    messageId: d.properties.messageId ?? null,
    replayId: replayIdOf(d),
    redelivered: d.fields.redelivered,
    deliveryCount: typeof dc === 'number' ? dc : null,
    replayCount: replayCountOf(h),
    reason: death?.reason ?? null,
    deaths,
    target: t ? {exchange: t.exchange, routingKey: t.routingKey, key: targetKey(t)} : null,
    routingKey: d.fields.routingKey,
    properties,
    headers: headerJson(h) as Record<string, unknown>,
    body: bodyView(d.content, maxBody ?? undefined),
  }
}
