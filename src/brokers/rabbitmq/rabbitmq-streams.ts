// Stream queues: named consumers of the stream protocol keep their position as a stored offset (offset
// tracking: StoreOffset / QueryOffset under a "reference" name). RabbitMQ 3.10 cannot list the references
// that have a stored offset (no command, no management endpoint), so cg reads the names it can learn: the
// connected stream consumers that carry a name (single active consumers: property `name`; others:
// `identifier`) from the management API (rabbitmq_stream_management), and the names given with --consumer
// (or the profile's consumer). A stored offset is the offset of the last message the consumer processed:
// its lag is the stream's last offset minus it, and it resumes at the next one.
import {CgError} from '../../errors/cg-error.js'
import type {RabbitAdapter} from './rabbitmq-types.js'
import type {StreamClient} from './rabbitmq-stream-client.js'
import type {RawQueue} from './rabbitmq-reads.js'
import {seg} from './rabbitmq-management.js'

/** A consumer of a stream seen by the management API (rabbitmq_stream_management). */
export interface RawStreamConsumer {
  queue: {name: string; vhost: string}
  subscription_id?: number
  offset?: number
  offset_lag?: number
  consumed?: number
  credits?: number
  properties?: Record<string, string>
  connection_details?: {name?: string; user?: string; peer_host?: string; peer_port?: number} | []
}

/** A connected consumer of the stream: one of the stream protocol, or an AMQP consumer (x-stream-offset). */
export interface ConnectedStreamConsumer {
  /** its name: the stream protocol's `name` (single active consumer) or `identifier` property, the AMQP consumer tag; null when it gave none */
  name: string | null
  protocol: 'stream' | 'amqp'
  /** the connection's name as the management API shows it */
  connection: string | null
  /** the offset it has read up to (stream protocol), null for AMQP consumers */
  readOffset: number | null
}

/** stream protocol response code 19: no offset stored under that reference; 2: no such stream */
const NO_OFFSET = /code 19\b/
const NO_STREAM = /code 2\b/

/** The stream protocol's consumers of every stream of a vhost (one management API listing). */
export function streamConsumersOf(a: RabbitAdapter, vhost: string): Promise<RawStreamConsumer[]> {
  return a
    .management()
    .get<RawStreamConsumer[]>(`stream/consumers/${seg(vhost)}`)
    .catch((err: unknown) => {
      if (err instanceof CgError && err.code === 'not_found') return [] as RawStreamConsumer[]
      throw err
    })
}

/**
 * The connected consumers of one stream queue: the stream protocol's, then the AMQP ones. `listing`: the
 * vhost's streamConsumersOf, when the caller reads several streams of it.
 */
export async function connectedConsumers(
  a: RabbitAdapter,
  q: RawQueue,
  listing: Promise<RawStreamConsumer[]> = streamConsumersOf(a, q.vhost),
): Promise<ConnectedStreamConsumer[]> {
  const all = await listing
  const rows: ConnectedStreamConsumer[] = []
  for (const c of all) {
    if (c.queue?.name !== q.name || c.queue.vhost !== q.vhost) continue
    const conn = Array.isArray(c.connection_details) ? undefined : c.connection_details
    const p = c.properties ?? {}
    rows.push({name: p.name ?? p.identifier ?? null, protocol: 'stream', connection: conn?.name ?? null, readOffset: numOrNull(c.offset)})
  }
  for (const c of q.consumer_details ?? []) {
    rows.push({name: c.consumer_tag, protocol: 'amqp', connection: c.channel_details.connection_name ?? null, readOffset: null})
  }
  // a short reading subscription of cg (this run's or another's) carries no name: it never matches a name
  return rows
}

/** The offset stored under `reference` on `stream`: null when none is stored. */
export async function storedOffset(client: StreamClient, stream: string, reference: string): Promise<number | null> {
  try {
    return Number(await client.queryOffset({reference, stream}))
  } catch (err) {
    const msg = (err as Error)?.message ?? ''
    if (NO_OFFSET.test(msg)) return null
    if (NO_STREAM.test(msg)) throw new CgError('not_found', `stream queue ${stream} not found`, 'Check the queue name and vhost.', {cause: err})
    throw new CgError('unexpected', `QueryOffset ${reference} on ${stream}: ${msg}`, undefined, {cause: err})
  }
}

/** Stores `offset` under `reference` (StoreOffset has no reply: the caller queries it back). */
export async function storeOffset(client: StreamClient, stream: string, reference: string, offset: number): Promise<void> {
  const locator = (client as unknown as {locatorConnection: {storeOffset(p: {reference: string; stream: string; offsetValue: bigint}): Promise<void>}})
    .locatorConnection
  await locator.storeOffset({reference, stream, offsetValue: BigInt(offset)})
}

export interface StreamMessageAt {
  offset: number
  /** the message's creation time (AMQP 1.0 creation-time, the AMQP 0-9-1 timestamp property), ms; null when it has none */
  createdAt: number | null
}

/**
 * The messages of the stream from `start` on (the first `want` of them, or those of the first chunk the
 * broker sends): a short subscription that stores nothing. Resolves when the first chunk has been
 * delivered, or with none when nothing arrives within `waitMs`.
 */
async function readFrom(client: StreamClient, stream: string, start: 'first' | 'last' | number | {at: number}, waitMs: number): Promise<StreamMessageAt[]> {
  const {Offset} = (await import('./rabbitmq-stream-client.js').then((m) => m.streamLib())) as typeof import('rabbitmq-stream-js-client')
  const got: StreamMessageAt[] = []
  let settle: (() => void) | undefined
  const done = new Promise<void>((resolve) => {
    settle = resolve
  })
  let timer: NodeJS.Timeout | undefined = setTimeout(() => settle?.(), waitMs)
  const offset =
    start === 'first'
      ? Offset.first()
      : start === 'last'
        ? Offset.last()
        : typeof start === 'number'
          ? Offset.offset(BigInt(start))
          : Offset.timestamp(new Date(start.at))
  const consumer = await client.declareConsumer({stream, offset}, (m) => {
    const created = (m.messageProperties as {creationTime?: Date} | undefined)?.creationTime
    got.push({offset: Number(m.offset), createdAt: created instanceof Date ? created.getTime() : null})
    // a chunk's messages are handed over in one pass: the read ends after it
    if (got.length === 1) {
      clearTimeout(timer)
      timer = undefined
      setImmediate(() => settle?.())
    }
  })
  try {
    await done
  } finally {
    clearTimeout(timer)
    await consumer.close().catch(() => undefined)
  }
  return got
}

/** The stream's last offset (of its last message), null when it is empty. */
export async function lastOffset(client: StreamClient, stream: string, waitMs: number): Promise<number | null> {
  const got = await readFrom(client, stream, 'last', waitMs)
  return got.length ? Math.max(...got.map((m) => m.offset)) : null
}

/** The stream's first offset (retention may have removed older ones), null when it is empty. */
export async function firstOffset(client: StreamClient, stream: string, waitMs: number): Promise<number | null> {
  const got = await readFrom(client, stream, 'first', waitMs)
  return got.length ? Math.min(...got.map((m) => m.offset)) : null
}

/** The first message at or after `offset`, null when there is none. */
export async function messageAt(client: StreamClient, stream: string, offset: number, waitMs: number): Promise<StreamMessageAt | null> {
  const got = (await readFrom(client, stream, offset, waitMs)).filter((m) => m.offset >= offset)
  return got.length ? got.reduce((x, y) => (y.offset < x.offset ? y : x)) : null
}

/**
 * The first offset of the first chunk the broker wrote at or after `ms` (the stream protocol's timestamp
 * offset: the broker picks the chunk by the time it was written, so the answer is a chunk's first message);
 * null when nothing was written since.
 */
export async function offsetAtTime(client: StreamClient, stream: string, ms: number, waitMs: number): Promise<number | null> {
  const got = await readFrom(client, stream, {at: ms}, waitMs)
  return got.length ? Math.min(...got.map((m) => m.offset)) : null
}

/** how long a read waits for the broker's first chunk before it takes the stream for empty */
export function readWaitMs(a: RabbitAdapter): number {
  return Math.min(a.options.timeoutMs, 1500)
}

export interface StreamPosition {
  name: string
  /** the stored offset (the last message it processed), null when none is stored under that name */
  currentOffset: number | null
  /** the stream's last offset, null when the stream is empty */
  lastOffset: number | null
  /** lastOffset minus currentOffset (everything when nothing is stored), null when unknown */
  lag: number | null
  timeLagMs: number | null
  timeLagNote: string | null
  /** a consumer under this name is connected now */
  connected: boolean
  /** where cg learned the name: connected (the management API), given (--consumer or the profile) */
  from: Array<'connected' | 'given'>
}

/** Each named consumer's stored offset, lag and time behind. */
export async function streamPositions(
  a: RabbitAdapter,
  q: RawQueue,
  given: readonly string[],
  now = Date.now(),
  listing?: Promise<RawStreamConsumer[]>,
): Promise<{positions: StreamPosition[]; connected: ConnectedStreamConsumer[]; lastOffset: number | null}> {
  const connected = await connectedConsumers(a, q, listing)
  const names = new Map<string, Set<'connected' | 'given'>>()
  for (const c of connected) if (c.name !== null && c.protocol === 'stream') (names.get(c.name) ?? names.set(c.name, new Set()).get(c.name)!).add('connected')
  for (const n of given) (names.get(n) ?? names.set(n, new Set()).get(n)!).add('given')
  const client = await a.streamClient()
  const wait = readWaitMs(a)
  let last = await lastOffset(client, q.name, wait)
  // the management API counts messages in it: a silent read is a slow broker, not an empty stream (lag 0)
  if (last === null && (q.messages ?? 0) > 0 && a.options.timeoutMs > wait) last = await lastOffset(client, q.name, a.options.timeoutMs)
  const positions: StreamPosition[] = []
  for (const [name, from] of [...names].sort(([x], [y]) => x.localeCompare(y))) {
    const current = await storedOffset(client, q.name, name)
    let lag: number | null = null
    let timeLagMs: number | null = null
    let timeLagNote: string | null = null
    if (last === null) lag = 0
    else if (current !== null) lag = Math.max(0, last - current)
    if (lag !== null && lag > 0 && current !== null) {
      const next = await messageAt(client, q.name, current + 1, wait)
      if (next?.createdAt != null) timeLagMs = Math.max(0, now - next.createdAt)
      else timeLagNote = next ? 'the next message has no creation time' : 'the next message was not read'
    }
    if (current === null && last !== null) timeLagNote = 'no offset stored under this name'
    positions.push({
      name,
      currentOffset: current,
      lastOffset: last,
      lag,
      timeLagMs,
      timeLagNote,
      connected: connected.some((c) => c.name === name),
      from: [...from].sort(),
    })
  }
  return {positions, connected, lastOffset: last}
}

/** A queue that must be a stream queue for this command. */
export function requireStream(q: RawQueue, what: string): void {
  if ((q.type ?? 'classic') !== 'stream') {
    throw new CgError(
      'refused',
      `${what} is not possible on RabbitMQ ${q.type ?? 'classic'} queue ${q.name}: only stream queues keep consumer positions`,
      'Classic and quorum queues have no consumer position to move; on a stream queue: cg reset STREAM --consumer NAME MODE.',
    )
  }
}

export function isStream(q: RawQueue): boolean {
  return q.type === 'stream'
}

function numOrNull(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null
}
