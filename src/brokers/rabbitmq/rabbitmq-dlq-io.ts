// Broker I/O for RabbitMQ dead-letter queues: queue details and bindings from the management API,
// a manual-ack reader that leaves what it does not settle in the queue, a confirm-channel publisher
// that sees basic.return, and purge. Nothing here declares or changes a queue or an exchange.
import type {Channel, ConfirmChannel, ConsumeMessage} from 'amqplib'
import {availability, unreadable} from './rabbitmq-cluster.js'
import {CgError} from '../../errors/cg-error.js'
import {FLAG_CLUSTER_ID, FLAG_CONTENT_ENCODING, FLAG_CONTENT_TYPE, FLAG_CONTINUATION, FLAG_HEADERS, FLAGS_AT, RAW_PROPERTIES} from './rabbitmq-dlq-message.js'
import {seg} from './rabbitmq-management.js'
import {channelError, getQueue} from './rabbitmq-reads.js'
import type {RabbitAdapter} from './rabbitmq-types.js'

export interface QueueDetails {
  name: string
  type: string | null
  messagesReady: number | null
  messagesUnacked: number | null
  arguments: Record<string, unknown>
  policy: string | null
  /** dead-letter settings: the queue argument wins over the policy */
  deadLetterExchange: {exchange: string; routingKey: string | null; from: 'argument' | 'policy'} | null
  deliveryLimit: number | null
}

interface ApiQueue {
  name: string
  type?: string
  messages_ready?: number
  messages_unacknowledged?: number
  arguments?: Record<string, unknown>
  policy?: string | null
  effective_policy_definition?: Record<string, unknown> | unknown[]
}

/** The queue as the management API shows it (type, arguments, policy, dead-letter settings). */
export async function queueDetails(rabbit: RabbitAdapter, queue: string): Promise<QueueDetails> {
  let q: ApiQueue
  try {
    const raw = await getQueue(rabbit, rabbit.options.vhost, queue)
    // a DLQ on a cluster node that is down: its counts (and a passive declare's, 0 without a leader) are not to be trusted
    const av = availability(raw)
    if (!av.readable) throw unreadable(raw, av)
    q = raw as unknown as ApiQueue
  } catch (err) {
    if (err instanceof CgError && err.code === 'not_found')
      throw new CgError('not_found', `queue ${queue} not found in vhost ${rabbit.options.vhost}`, 'Check the name and the vhost (cg groups lists the queues).')
    throw err
  }
  const args = q.arguments ?? {}
  const pol = Array.isArray(q.effective_policy_definition) ? {} : (q.effective_policy_definition ?? {})
  let dlx: QueueDetails['deadLetterExchange'] = null
  if (typeof args['x-dead-letter-exchange'] === 'string')
    dlx = {exchange: args['x-dead-letter-exchange'] as string, routingKey: strOrNull(args['x-dead-letter-routing-key']), from: 'argument'}
  else if (typeof pol['dead-letter-exchange'] === 'string')
    dlx = {exchange: pol['dead-letter-exchange'] as string, routingKey: strOrNull(pol['dead-letter-routing-key']), from: 'policy'}
  const limit = args['x-delivery-limit'] ?? pol['delivery-limit']
  return {
    name: q.name,
    type: q.type ?? null,
    messagesReady: q.messages_ready ?? null,
    messagesUnacked: q.messages_unacknowledged ?? null,
    arguments: args,
    policy: q.policy ?? null,
    deadLetterExchange: dlx,
    deliveryLimit: typeof limit === 'number' ? limit : null,
  }
}

export interface Binding {
  destination: string
  destinationType: string
  routingKey: string
}

/** The bindings whose source is this exchange (of the connection's vhost unless another is given). */
export async function bindingsFrom(rabbit: RabbitAdapter, exchange: string, vhost = rabbit.options.vhost): Promise<Binding[]> {
  const rows = await rabbit
    .management()
    .get<Array<{destination: string; destination_type: string; routing_key: string}>>(`exchanges/${seg(vhost)}/${seg(exchange)}/bindings/source`, {
      columns: 'destination,destination_type,routing_key',
    })
  return rows.map((b) => ({destination: b.destination, destinationType: b.destination_type, routingKey: b.routing_key}))
}

/**
 * Reads a queue with manual acknowledgements. Every delivery is either acked (`ack`) or left for the
 * end (`leave`); `finish()` cancels the consumer and nack-requeues everything not acked, so nothing read
 * is ever lost. At most `max` deliveries are handed out (the queue depth at the start, say), so messages
 * put back by this reader are never read twice in one run. Messages the reader has to leave hold prefetch
 * slots: when they fill half the window, the consumer is replaced by a fresh one (unacked messages stay
 * with the channel). With `firstPrefetch`, the first consumer takes that smaller window until `widen()`.
 */
export class QueueReader {
  private ch?: Channel
  private tag?: string
  private readonly buffer: ConsumeMessage[] = []
  private wake?: () => void
  private handed = 0
  private leftByConsumer = 0
  private ended = false
  private failure?: Error
  private rotating = false

  constructor(
    private readonly rabbit: RabbitAdapter,
    private readonly queue: string,
    private readonly opts: {
      prefetch: number
      /** the first consumer's window, until widen() (a replay's first checks are not queued behind a full window) */
      firstPrefetch?: number
      max: number
      idleMs: number
      signal?: AbortSignal
      rawProperties?: boolean
    },
  ) {
    this.window = Math.min(opts.firstPrefetch ?? opts.prefetch, opts.prefetch)
  }

  /** the prefetch of the current consumer */
  private window: number
  /** consumers started so far (they are named cg.PID.N) */
  private consumers = 0

  async start(): Promise<void> {
    if (this.opts.max <= 0) {
      this.ended = true
      return
    }
    this.ch = await this.rabbit.channel()
    if (this.opts.rawProperties) keepRawProperties(this.ch)
    this.ch.on('close', () => {
      if (!this.ended)
        this.failure ??= new CgError(
          'unreachable',
          `the channel reading ${this.queue} closed`,
          'Check the broker (was the queue deleted or the connection closed?).',
        )
      this.wake?.()
    })
    this.ch.on('error', (err: Error) => {
      this.failure ??= channelError(err, this.rabbit, `queue ${this.queue}`, {permission: 'read', action: `consume from ${this.queue}`})
      this.wake?.()
    })
    await this.consume()
  }

  private async consume(): Promise<void> {
    const ch = this.ch!
    await ch.prefetch(Math.min(this.window, 65535))
    this.leftByConsumer = 0
    try {
      const ok = await ch.consume(
        this.queue,
        (m) => {
          if (!m) return // cancelled by the broker (queue deleted)
          this.buffer.push(m)
          this.wake?.()
          this.arrival?.()
        },
        // (a short tag that says whose consumer it is: the broker writes it into every delivery)
        {noAck: false, consumerTag: `cg.${process.pid}.${++this.consumers}`},
      )
      this.tag = ok.consumerTag
    } catch (err) {
      throw channelError(err, this.rabbit, `queue ${this.queue}`, {permission: 'read', action: `consume from ${this.queue}`})
    }
  }

  /** called on every delivery received (a user that waits for something else can take it at once) */
  arrival?: () => void

  /** messages received and not handed out yet */
  get buffered(): number {
    return this.buffer.length
  }

  /** deliveries handed out so far */
  get count(): number {
    return this.handed
  }

  /**
   * The next delivery when one is buffered and handing it out needs no wait (else undefined: use next()).
   * Same order and accounting as next().
   */
  take(): ConsumeMessage | undefined {
    if (this.ended || this.failure || this.handed + 1 >= this.opts.max || this.opts.signal?.aborted) return undefined
    const m = this.buffer.shift()
    if (m) this.handed++
    return m
  }

  /** The next delivery, or null at the end (max reached, queue idle for idleMs, or aborted). */
  async next(): Promise<ConsumeMessage | null> {
    if (this.ended) return null
    if (this.handed >= this.opts.max) return this.end()
    for (;;) {
      if (this.failure) throw this.failure
      const m = this.buffer.shift()
      if (m) {
        this.handed++
        if (this.handed >= this.opts.max) await this.stopConsuming()
        return m
      }
      if (this.opts.signal?.aborted) return this.end()
      const got = await new Promise<boolean>((resolve) => {
        const t = setTimeout(() => done(false), this.opts.idleMs)
        const onAbort = () => done(false)
        this.opts.signal?.addEventListener('abort', onAbort, {once: true})
        const done = (v: boolean) => {
          clearTimeout(t)
          this.opts.signal?.removeEventListener('abort', onAbort)
          this.wake = undefined
          resolve(v)
        }
        this.wake = () => done(true)
      })
      if (got) this.slowTurns = 0
      else if (!this.buffer.length && !this.failure) {
        // quiet for idleMs, but the queue still holds ready messages: a busy broker is slow to deliver (on a
        // loaded machine it can be seconds after a window of acks); wait longer, a bounded number of times
        // (messages held back for good, e.g. by another single active consumer, end the run as before)
        if (this.slowTurns < SLOW_TURNS && !this.opts.signal?.aborted && (await this.readyInQueue()) > 0) {
          this.slowTurns++
          continue
        }
        return this.end()
      }
    }
  }

  private slowTurns = 0

  /** ready messages in the queue (a passive declare on the reader's channel; 0 when it fails) */
  private async readyInQueue(): Promise<number> {
    try {
      return (await this.ch!.checkQueue(this.queue)).messageCount
    } catch {
      return 0
    }
  }

  private async end(): Promise<null> {
    await this.stopConsuming()
    return null
  }

  private async stopConsuming(): Promise<void> {
    if (!this.tag || !this.ch) return
    const tag = this.tag
    this.tag = undefined
    await this.ch.cancel(tag).catch(() => undefined)
  }

  /**
   * Acks the message. Acks are gathered for a turn of the event loop and sent as one `multiple` ack for
   * the longest run of consecutive delivery tags that are all to be acked (no left message inside it),
   * and one by one beyond it.
   */
  ack(m: ConsumeMessage): void {
    // after finish() the channel has put every unacked message back: nothing to ack any more
    if (this.ended) return
    this.toAck.add(m.fields.deliveryTag)
    if (this.ackScheduled) return
    this.ackScheduled = true
    setImmediate(() => this.flushAcks())
  }

  private toAck = new Set<number>()
  private ackScheduled = false
  /** every delivery tag up to this one has been acked */
  private ackedUpTo = 0
  /** a message left below the next tags: `multiple` acks can no longer be used */
  private blocked = false

  private flushAcks(): void {
    this.ackScheduled = false
    if (!this.toAck.size || !this.ch) return
    const ch = this.ch
    try {
      if (!this.blocked) {
        let top = this.ackedUpTo
        while (this.toAck.delete(top + 1)) top++
        if (top > this.ackedUpTo) {
          ch.ack({fields: {deliveryTag: top}} as ConsumeMessage, true)
          this.ackedUpTo = top
        }
      }
      for (const tag of this.toAck) ch.ack({fields: {deliveryTag: tag}} as ConsumeMessage, false)
    } catch {
      // a closed channel requeues its unacked messages; they stay in the queue
    }
    this.toAck.clear()
  }

  /** Keeps the message unacked until finish() puts it back. */
  async leave(m: ConsumeMessage): Promise<void> {
    if (m.fields.deliveryTag > this.ackedUpTo) this.blocked = true
    this.leftByConsumer++
    if (this.leftByConsumer * 2 >= this.window) await this.rotate()
  }

  /** the consumer has the full prefetch (no firstPrefetch, or widen() was called) */
  get widened(): boolean {
    return this.window >= this.opts.prefetch
  }

  /** Replaces the consumer by one with the full prefetch, when the first one took firstPrefetch. */
  async widen(): Promise<void> {
    if (this.widened) return
    this.window = this.opts.prefetch
    await this.rotate()
  }

  /** A fresh consumer in place of the current one (the messages it holds stay unacked on the channel). */
  private async rotate(): Promise<void> {
    if (!this.tag || this.rotating || this.handed >= this.opts.max) return
    this.rotating = true
    try {
      await this.stopConsuming()
      await this.consume()
    } finally {
      this.rotating = false
    }
  }

  /** Cancels the consumer and requeues every message not acked (left ones and unread prefetched ones). */
  async finish(): Promise<void> {
    if (!this.ch) {
      this.ended = true
      return
    }
    this.flushAcks()
    this.ended = true
    await this.stopConsuming()
    try {
      this.ch.nackAll(true)
      await this.ch.close()
    } catch {
      // a closed channel has requeued its unacked messages already
    }
  }
}

/**
 * The parts of amqplib's connection and channel objects the frame-level paths below use (amqplib 2.x,
 * lib/connection.js and lib/channel.js; keepRawProperties and ConfirmPublisher.open check they are there
 * and fall back to the public API when not).
 */
interface AmqpConnection {
  /** unparsed input: frames not decoded yet */
  rest: Buffer
  /** decodes the next frame of `rest` (reading the socket when it holds no whole frame) */
  recvFrame(): unknown
  frameMax: number
  sentSinceLastCheck: boolean
  /** per channel number: the object-mode stream its frames are written to (in order) */
  channels: Array<{buffer: ChannelStream} | null>
}
type ChannelStream = NodeJS.WritableStream & {writableEnded?: boolean}
interface AmqpChannelInternals {
  connection?: AmqpConnection
  /** the channel number */
  ch?: number
  pushConfirmCallback?: (cb: (err: unknown) => void) => void
}

const FRAME_METHOD = 1
const FRAME_HEADER = 2
const FRAME_BODY = 3
const FRAME_END = 0xce
/** basic.publish: class 60, method 40 */
const BASIC_PUBLISH = (60 << 16) | 40
/** the buffer the frames of one turn's publishes are written into (a new one when full) */
const SLAB_BYTES = 256 * 1024
const rawChannels = new WeakMap<AmqpConnection, Set<number>>()

/**
 * Keeps the content header payload of every delivery on this channel beside its decoded properties
 * (properties[RAW_PROPERTIES]), so a replay can pass it through amended instead of encoding it again, and
 * decodes the headers table only when it is read. amqplib has no hook for this: the connection's recvFrame
 * is wrapped (once per connection). A whole header frame of such a channel first in the input is taken
 * there: its properties other than the headers are decoded as amqplib does (LazyProperties), the table is
 * decoded by amqplib's own recvFrame on the frame's bytes the first time `headers` is read. Other frames go
 * to amqplib as they are. false when the connection is not what this expects.
 */
export function keepRawProperties(ch: Channel): boolean {
  const c = ch as unknown as AmqpChannelInternals
  const conn = c.connection
  const n = c.ch
  if (!conn || typeof conn.recvFrame !== 'function' || typeof n !== 'number' || !Buffer.isBuffer(conn.rest)) return false
  let numbers = rawChannels.get(conn)
  if (!numbers) {
    const set = new Set<number>()
    numbers = set
    rawChannels.set(conn, set)
    const recvFrame = conn.recvFrame
    /** amqplib's decoding of one whole header frame: its properties (headers included) */
    const decodeFrame = (frame: Buffer): Record<string, unknown> =>
      (recvFrame.call({rest: frame, maxFrameSize: 0} as unknown as AmqpConnection) as {fields: Record<string, unknown>}).fields
    conn.recvFrame = function (this: AmqpConnection) {
      const rest = this.rest
      if (rest.length >= 7 && rest[0] === FRAME_HEADER && set.has(rest.readUInt16BE(1))) {
        const size = rest.readUInt32BE(3)
        if (rest.length >= size + 8) {
          const payload = rest.subarray(7, 7 + size)
          // basic properties with a headers table: taken here (anything else, or a bad frame: amqplib as usual)
          if (
            rest[7 + size] === FRAME_END &&
            size >= FLAGS_AT + 2 &&
            payload.readUInt16BE(0) === BASIC_CLASS &&
            payload.readUInt16BE(FLAGS_AT) & FLAG_HEADERS
          ) {
            const fields = lazyProperties(payload, rest.subarray(0, size + 8), decodeFrame)
            if (fields) {
              this.rest = rest.subarray(size + 8)
              return {id: BASIC_CLASS, channel: rest.readUInt16BE(1), size: Number(payload.readBigInt64BE(4)), fields}
            }
          }
          const f = recvFrame.call(this) as {fields?: Record<symbol, unknown>} | false
          if (f && f.fields !== undefined) f.fields[RAW_PROPERTIES] = payload
          return f
        }
      }
      return recvFrame.call(this)
    }
  }
  numbers.add(n)
  ch.once('close', () => numbers.delete(n))
  return true
}

/** the basic class (its content header frames carry basic properties) */
const BASIC_CLASS = 60

/**
 * A delivery's basic properties as amqplib decodes them (decodeBasicProperties: the same fields in the same
 * order, the same values), with the headers table decoded by amqplib the first time `headers` is read.
 */
class LazyProperties {
  contentType: string | undefined = undefined
  contentEncoding: string | undefined = undefined
  deliveryMode: number | undefined = undefined
  priority: number | undefined = undefined
  correlationId: string | undefined = undefined
  replyTo: string | undefined = undefined
  expiration: string | undefined = undefined
  messageId: string | undefined = undefined
  timestamp: number | undefined = undefined
  type: string | undefined = undefined
  userId: string | undefined = undefined
  appId: string | undefined = undefined
  clusterId: string | undefined = undefined
  declare [RAW_PROPERTIES]: Buffer
  #headers: unknown = null
  #frame: Buffer | null
  #decode: (frame: Buffer) => Record<string, unknown>

  constructor(payload: Buffer, frame: Buffer, decode: (frame: Buffer) => Record<string, unknown>) {
    this[RAW_PROPERTIES] = payload
    this.#frame = frame
    this.#decode = decode
  }

  get headers(): unknown {
    if (this.#frame) {
      this.#headers = this.#decode(this.#frame).headers
      this.#frame = null
    }
    return this.#headers
  }

  set headers(v: unknown) {
    this.#headers = v
    this.#frame = null
  }
}

/** LazyProperties of a content header payload with a headers table; null when it is not what this reads */
function lazyProperties(payload: Buffer, frame: Buffer, decode: (frame: Buffer) => Record<string, unknown>): LazyProperties | null {
  const flags = payload.readUInt16BE(FLAGS_AT)
  // a second flags word (never sent for basic properties): amqplib's way
  if (flags & FLAG_CONTINUATION) return null
  const p = new LazyProperties(payload, frame, decode)
  let o = FLAGS_AT + 2
  const str = (): string => {
    const len = payload[o]
    const v = payload.toString('utf8', o + 1, o + 1 + len)
    o += 1 + len
    return v
  }
  try {
    if (flags & FLAG_CONTENT_TYPE) p.contentType = str()
    if (flags & FLAG_CONTENT_ENCODING) p.contentEncoding = str()
    o += 4 + payload.readUInt32BE(o) // the headers table: decoded when read
    if (flags & 0x1000) p.deliveryMode = payload[o++]
    if (flags & 0x0800) p.priority = payload[o++]
    if (flags & 0x0400) p.correlationId = str()
    if (flags & 0x0200) p.replyTo = str()
    if (flags & 0x0100) p.expiration = str()
    if (flags & 0x0080) p.messageId = str()
    if (flags & 0x0040) {
      p.timestamp = Number(payload.readBigUInt64BE(o))
      o += 8
    }
    if (flags & 0x0020) p.type = str()
    if (flags & 0x0010) p.userId = str()
    if (flags & 0x0008) p.appId = str()
    if (flags & FLAG_CLUSTER_ID) p.clusterId = str()
  } catch {
    return null
  }
  return o <= payload.length ? p : null
}

/** how many more idle periods a reader waits while its queue still holds ready messages */
const SLOW_TURNS = 10

/** One publish's result. */
export type PublishResult = {ok: true} | {ok: false; note: string}
const OK: PublishResult = {ok: true}

/**
 * A confirm channel with `mandatory` publishes. A publish counts as done only when the broker confirmed
 * it and did not return it (basic.return comes before the confirm of the same message). Returns are
 * matched by a per-publish key (the replay id header); a returned key fails every pending publish with it.
 */
export class ConfirmPublisher {
  private ch?: ConfirmChannel
  private readonly returned = new Map<string, string>()
  private closed?: Error

  constructor(
    private readonly rabbit: RabbitAdapter,
    private readonly keyHeader: string,
  ) {}

  async open(): Promise<void> {
    this.ch = await this.rabbit.confirmChannel()
    const c = this.ch as unknown as AmqpChannelInternals
    const conn = c.connection
    const n = c.ch
    const out = typeof n === 'number' ? conn?.channels?.[n]?.buffer : undefined
    if (conn && n !== undefined && out && typeof out.write === 'function' && typeof c.pushConfirmCallback === 'function' && conn.frameMax > 8)
      this.frames = {conn, n, out, push: c.pushConfirmCallback.bind(c)}
    this.ch.on('return', (m: ConsumeMessage) => {
      const key = m.properties.headers?.[this.keyHeader]
      if (typeof key === 'string')
        this.returned.set(
          key,
          `returned by the broker: ${(m.fields as unknown as {replyText?: string}).replyText ?? 'NO_ROUTE'} (no queue bound for exchange ${JSON.stringify(m.fields.exchange)} routing key ${JSON.stringify(m.fields.routingKey)})`,
        )
    })
    this.ch.on('error', (err: Error) => {
      this.closed ??= channelError(err, this.rabbit, 'the publish channel', {permission: 'write', action: 'publish'})
    })
    this.ch.on('close', () => {
      this.closed ??= new CgError('unreachable', 'the publish channel closed', 'Check the broker.')
    })
  }

  /**
   * Publishes; `done` is called once, after the confirm (or nack / return / channel loss) of this message.
   * The return note of `key` is forgotten right after the confirms that saw it.
   */
  send(exchange: string, routingKey: string, content: Buffer, options: Record<string, unknown>, key: string, done: (res: PublishResult) => void): void {
    if (this.closed) {
      done({ok: false, note: this.closed.message})
      return
    }
    const ch = this.ch!
    // frames written by sendAmended go first: the confirms come in the order of the publishes
    this.flush()
    try {
      const okToWrite = ch.publish(exchange, routingKey, content, options, this.confirmed(key, done))
      if (!okToWrite) this.wait()
    } catch (err) {
      done({ok: false, note: (err as Error).message})
    }
  }

  /** The confirm callback of a publish: nacked, returned (the note of `key`), or done. */
  private confirmed(key: string, done: (res: PublishResult) => void): (err: unknown) => void {
    return (err) => {
      if (err) return done({ok: false, note: 'the broker nacked the publish'})
      if (this.returned.size) {
        const ret = this.returned.get(key)
        if (ret) {
          this.forget(key)
          return done({ok: false, note: ret})
        }
      }
      done(OK)
    }
  }

  private wait(): void {
    const ch = this.ch!
    this.draining ??= new Promise<void>((r) =>
      ch.once('drain', () => {
        this.draining = undefined
        r()
      }),
    )
  }

  /** amqplib's write path of this channel, when it is there (see AmqpConnection) */
  private frames?: {conn: AmqpConnection; n: number; out: ChannelStream; push: (cb: (err: unknown) => void) => void}

  /** sendAmended can be used */
  get passThrough(): boolean {
    return this.frames !== undefined
  }

  /**
   * Publishes like send(), mandatory, with the content header payload given as it is (amendedProperties)
   * and the body as it is: the frames (basic.publish, content header, body) are written into a buffer shared
   * by the publishes of the same turn of the event loop, which goes to amqplib's write stream of the channel
   * as one chunk, after the confirm callbacks were registered in the same order. false (nothing sent) when
   * this path cannot take the message: use send().
   */
  sendAmended(exchange: string, routingKey: string, properties: Buffer, content: Buffer, key: string, done: (res: PublishResult) => void): boolean {
    const f = this.frames
    if (!f) return false
    if (this.closed) {
      done({ok: false, note: this.closed.message})
      return true
    }
    const method = this.methodFrame(f.n, exchange, routingKey)
    if (!method) return false
    const maxBody = f.conn.frameMax - 8
    const bodyFrames = content.length === 0 ? 0 : Math.ceil(content.length / maxBody)
    const b = this.reserve(method.length + 8 + properties.length + content.length + 8 * bodyFrames)
    let o = this.slabAt
    o += method.copy(b, o)
    b[o] = FRAME_HEADER
    b.writeUInt16BE(f.n, o + 1)
    b.writeUInt32BE(properties.length, o + 3)
    o += 7 + properties.copy(b, o + 7)
    b[o++] = FRAME_END
    for (let at = 0; at < content.length; at += maxBody) {
      const end = Math.min(at + maxBody, content.length)
      b[o] = FRAME_BODY
      b.writeUInt16BE(f.n, o + 1)
      b.writeUInt32BE(end - at, o + 3)
      o += 7 + content.copy(b, o + 7, at, end)
      b[o++] = FRAME_END
    }
    this.slabAt = o
    f.push(this.confirmed(key, done))
    if (!this.flushing) {
      this.flushing = true
      queueMicrotask(this.flush)
    }
    return true
  }

  private readonly methods = new Map<string, Buffer | null>()

  /** the basic.publish frame (mandatory) for this exchange and routing key on channel n; null when a name is too long */
  private methodFrame(n: number, exchange: string, routingKey: string): Buffer | null {
    const k = exchange + '\0' + routingKey
    let m = this.methods.get(k)
    if (m !== undefined) return m
    const ex = Buffer.from(exchange, 'utf8')
    const rk = Buffer.from(routingKey, 'utf8')
    if (ex.length > 255 || rk.length > 255) m = null
    else {
      const size = 4 + 2 + 1 + ex.length + 1 + rk.length + 1
      m = Buffer.alloc(7 + size + 1)
      m[0] = FRAME_METHOD
      m.writeUInt16BE(n, 1)
      m.writeUInt32BE(size, 3)
      let o = m.writeUInt32BE(BASIC_PUBLISH, 7)
      o = m.writeUInt16BE(0, o) // ticket
      m[o++] = ex.length
      o += ex.copy(m, o)
      m[o++] = rk.length
      o += rk.copy(m, o)
      m[o++] = 1 // mandatory (bit 0), not immediate
      m[o] = FRAME_END
    }
    this.methods.set(k, m)
    return m
  }

  private slab = Buffer.alloc(0)
  /** written up to slabStart; frames of this turn between slabStart and slabAt */
  private slabStart = 0
  private slabAt = 0
  private flushing = false

  private reserve(size: number): Buffer {
    if (this.slab.length - this.slabAt < size) {
      this.flush()
      this.slab = Buffer.allocUnsafe(Math.max(SLAB_BYTES, size))
      this.slabStart = this.slabAt = 0
    }
    return this.slab
  }

  /** Writes the frames gathered so far as one chunk (dropped once the channel is closed: their publishes failed already). */
  private readonly flush = (): void => {
    this.flushing = false
    if (this.slabAt === this.slabStart || !this.frames) return
    const chunk = this.slab.subarray(this.slabStart, this.slabAt)
    this.slabStart = this.slabAt
    const {conn, out} = this.frames
    if (this.closed || out.writableEnded) return
    conn.sentSinceLastCheck = true
    if (!out.write(chunk)) this.wait()
  }

  private draining?: Promise<void>

  /** While the channel's write buffer is full: resolves when it drained (undefined when not full). */
  get full(): Promise<void> | undefined {
    return this.draining
  }

  /**
   * Forgets a return note once the confirms being handled now have all seen it (a `multiple` confirm
   * settles several publishes of the same key in one go; each must see the return).
   */
  private forget(key: string): void {
    this.forgetting.push(key)
    if (this.forgetting.length > 1) return
    queueMicrotask(() => {
      for (const k of this.forgetting) this.returned.delete(k)
      this.forgetting.length = 0
    })
  }

  private readonly forgetting: string[] = []

  get lost(): Error | undefined {
    return this.closed
  }

  async close(): Promise<void> {
    this.flush()
    await this.ch?.close().catch(() => undefined)
  }
}

/** Purges the queue (ready messages only); returns how many were removed. */
export async function purgeQueue(rabbit: RabbitAdapter, queue: string): Promise<number> {
  const ch = await rabbit.channel()
  try {
    const ok = await ch.purgeQueue(queue)
    return ok.messageCount
  } catch (err) {
    throw channelError(err, rabbit, `queue ${queue}`, {permission: 'read', action: `purge ${queue}`})
  } finally {
    await ch.close().catch(() => undefined)
  }
}

function strOrNull(v: unknown): string | null {
  return typeof v === 'string' ? v : null
}
