// Time behind: the timestamp of the oldest record a group has not read, i.e. the record at its committed
// offset, read with plain Fetch requests (no group joined, nothing committed). One small fetch per lagging
// partition, all partitions of one leader in the same request (a partition at most once per request), the
// leaders read in parallel (at most CONCURRENCY at a time). Offsets wanted by several groups are read once.
//
// The record's timestamp is what the broker serves: its create time, or the log-append time when the topic
// has message.timestamp.type=LogAppendTime (the batch says so; the append time is then the batch's max
// timestamp). When nothing usable is at the offset, the read walks forward in the following rounds:
//   - a control batch (transaction marker) or a batch whose records were compacted away: from the next offset;
//   - no complete batch in the answer (a batch larger than the partition's byte budget): again with a larger budget;
//   - OFFSET_OUT_OF_RANGE (retention moved the log start since it was listed): from the new log start.
// Whatever stays unknown gets a note in words (the table shows it where the duration would be).
import type {Consumer} from '@platformatic/kafka'
import {kafkaLib} from './kafka-adapter.js'
import {flatten} from './kafka-errors.js'
import {topicLeaders} from './kafka-inspect.js'
import type {KafkaAdapter} from './kafka-types.js'

/** One offset whose record's timestamp is wanted; `end` is the log-end offset (no record at or past it). */
export interface TimeWanted {
  topic: string
  partition: number
  offset: number
  end: number
}

export interface RecordTime {
  /** ms since the epoch; null when unknown */
  timestamp: number | null
  /** why the timestamp is unknown, in words; null when known */
  note: string | null
}

export const timeKey = (topic: string, partition: number, offset: number) => `${topic}\0${partition}\0${offset}`

const IS_CONTROL = 0x20
const LOG_APPEND_TIME = 0x08
const READ_UNCOMMITTED = 0
/** per partition: a producer batch (16 KiB by default in Java) fits in the first budget, the rest in a later round */
const BUDGETS = [64 << 10, 1 << 20, 8 << 20]
const PER_REQUEST = 250
const RESPONSE_BYTES = 16 << 20
const CONCURRENCY = 8
const ROUNDS = 5
const OFFSET_OUT_OF_RANGE = 1

interface Item {
  key: string
  topic: string
  topicId: string
  partition: number
  leader: number
  from: bigint
  end: bigint
  budget: number
}

type FetchResponse = Awaited<ReturnType<Consumer['fetch']>>
type FetchPartition = FetchResponse['responses'][number]['partitions'][number]

/** The timestamps of the records at these offsets (each key: timeKey(topic, partition, offset)). */
export async function recordTimes(adapter: KafkaAdapter, wanted: TimeWanted[]): Promise<Map<string, RecordTime>> {
  const out = new Map<string, RecordTime>()
  const unique = new Map<string, TimeWanted>()
  for (const w of wanted) if (w.offset < w.end) unique.set(timeKey(w.topic, w.partition, w.offset), w)
  if (unique.size === 0) return out
  const settle = (key: string, timestamp: number | null, note: string | null) => out.set(key, {timestamp, note})

  let leaders
  try {
    leaders = await topicLeaders(adapter, [...new Set([...unique.values()].map((w) => w.topic))])
  } catch (err) {
    for (const key of unique.keys()) settle(key, null, `not read: ${short(err)}`)
    return out
  }
  let pending: Item[] = []
  for (const [key, w] of unique) {
    const l = leaders.get(w.topic)
    const leader = l?.leaders[w.partition] ?? -1
    if (!l || leader < 0) settle(key, null, 'no leader for the partition')
    else pending.push({key, topic: w.topic, topicId: l.id, partition: w.partition, leader, from: BigInt(w.offset), end: BigInt(w.end), budget: 0})
  }
  if (pending.length === 0) return out

  const consumer = await adapter.consumer({groupId: 'cg-time-lag'})
  const errorName = (await kafkaLib()).protocolErrorsCodesById as Record<number, string>
  for (let round = 0; round < ROUNDS && pending.length; round++) {
    const next: Item[] = []
    const byLeader = new Map<number, Array<{items: Item[]; seen: Set<string>}>>()
    for (const item of pending) {
      const requests = byLeader.get(item.leader) ?? []
      byLeader.set(item.leader, requests)
      // a partition once per request (groups at different offsets of one partition go in later requests)
      const tp = `${item.topicId}\0${item.partition}`
      let req = requests.find((r) => r.items.length < PER_REQUEST && !r.seen.has(tp))
      if (!req) {
        req = {items: [], seen: new Set()}
        requests.push(req)
      }
      req.items.push(item)
      req.seen.add(tp)
    }
    await limited([...byLeader.entries()], CONCURRENCY, async ([leader, requests]) => {
      for (const {items} of requests) {
        let res: FetchResponse | undefined
        let failure: unknown
        try {
          res = await fetchOnce(consumer, leader, items)
        } catch (err) {
          // partition errors arrive as an error that still carries the whole response
          res = responseOf(err)
          if (!res) failure = err
        }
        const parts = new Map<string, FetchPartition>()
        for (const t of res?.responses ?? []) for (const p of t.partitions) parts.set(`${t.topicId}\0${p.partitionIndex}`, p)
        for (const item of items) {
          const part = parts.get(`${item.topicId}\0${item.partition}`)
          if (!part) {
            if (failure) settle(item.key, null, `not read: ${short(failure)}`)
            else next.push(item)
            continue
          }
          if (part.errorCode === OFFSET_OUT_OF_RANGE && part.logStartOffset > item.from) {
            item.from = part.logStartOffset
            if (item.from >= item.end) settle(item.key, null, 'its records were deleted while being read')
            else next.push(item)
            continue
          }
          if (part.errorCode) {
            settle(item.key, null, `not read: ${errorName[part.errorCode] ?? `Kafka error ${part.errorCode}`}`)
            continue
          }
          const found = firstRecord(part, item.from)
          if ('timestamp' in found) {
            if (found.timestamp < 0n) settle(item.key, null, 'no timestamp')
            else settle(item.key, Number(found.timestamp), null)
          } else if (found.next !== null) {
            item.from = found.next
            if (item.from >= item.end) settle(item.key, null, 'only transaction markers before the log end')
            else next.push(item)
          } else if (item.budget + 1 < BUDGETS.length) {
            item.budget++
            next.push(item)
          } else settle(item.key, null, `no record returned within ${BUDGETS[BUDGETS.length - 1] >> 20} MiB`)
        }
      }
    })
    pending = next
  }
  for (const item of pending) settle(item.key, null, `no record found within ${ROUNDS} reads`)
  return out
}

async function fetchOnce(consumer: Consumer<Buffer, Buffer, Buffer, Buffer>, leader: number, items: Item[]): Promise<FetchResponse> {
  const topics = new Map<string, Item[]>()
  for (const item of items) topics.set(item.topicId, [...(topics.get(item.topicId) ?? []), item])
  return consumer.fetch({
    node: leader,
    isolationLevel: READ_UNCOMMITTED,
    maxWaitTime: 0,
    minBytes: 0,
    maxBytes: RESPONSE_BYTES,
    topics: [...topics].map(([topicId, list]) => ({
      topicId,
      partitions: list.map((x) => ({
        partition: x.partition,
        currentLeaderEpoch: -1,
        fetchOffset: x.from,
        lastFetchedEpoch: -1,
        partitionMaxBytes: BUDGETS[x.budget],
      })),
    })),
  })
}

/**
 * The timestamp of the first data record at or after `from`; else the offset after the last batch
 * returned (control batches, emptied batches), or null when no complete batch came back.
 */
export function firstRecord(part: FetchPartition, from: bigint): {timestamp: bigint; offset: bigint} | {next: bigint | null} {
  let next: bigint | null = null
  for (const batch of part.records ?? []) {
    const last = batch.firstOffset + BigInt(batch.lastOffsetDelta)
    next = last + 1n
    if (last < from || batch.attributes & IS_CONTROL) continue
    for (const r of batch.records) {
      const offset = batch.firstOffset + BigInt(r.offsetDelta)
      if (offset < from) continue
      const timestamp = batch.attributes & LOG_APPEND_TIME ? batch.maxTimestamp : batch.firstTimestamp + r.timestampDelta
      return {timestamp, offset}
    }
  }
  return {next}
}

function responseOf(err: unknown, depth = 0): FetchResponse | undefined {
  if (!err || depth > 6) return undefined
  const x = err as {response?: {responses?: unknown}; errors?: unknown[]; cause?: unknown}
  if (Array.isArray(x.response?.responses)) return x.response as FetchResponse
  for (const inner of x.errors ?? []) {
    const r = responseOf(inner, depth + 1)
    if (r) return r
  }
  return responseOf(x.cause, depth + 1)
}

function short(err: unknown): string {
  const text = (err as {message?: string})?.message ?? flatten(err)
  return text.length > 80 ? text.slice(0, 77) + '...' : text
}

/** Runs fn over items, at most `limit` at a time. */
async function limited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let i = 0
  const lane = async () => {
    while (i < items.length) await fn(items[i++])
  }
  await Promise.all(Array.from({length: Math.min(limit, items.length)}, lane))
}
