// Time behind: the timestamp of the oldest record a group has not read, i.e. the record at its committed
// offset, read with plain Fetch requests (no group joined, nothing committed). Offsets wanted by several
// groups are read once. Each request asks every partition of one leader (up to PER_REQUEST) from the lowest
// offset still wanted there, with a small byte budget; the records that come back answer every wanted offset
// they cover (groups near each other on a partition cost one read), the rest are asked in the next request.
// Leaders are read in parallel (at most CONCURRENCY at a time), each leader's requests one after the other.
//
// The record's timestamp is what the broker serves: its create time, or the log-append time when the topic
// has message.timestamp.type=LogAppendTime (the batch says so; the append time is then the batch's max
// timestamp). When nothing usable is at the offset, the read walks forward:
//   - a control batch (transaction marker) or a batch whose records were compacted away: from the next offset;
//   - no complete batch in the answer (a batch larger than the partition's byte budget): again with a larger budget;
//   - OFFSET_OUT_OF_RANGE (retention moved the log start since it was listed): from the new log start.
// Whatever stays unknown gets a note in words (the table shows it where the duration would be).
import type {Consumer} from '@platformatic/kafka'
import {kafkaLib} from './kafka-adapter.js'
import {flatten} from './kafka-errors.js'
import {topicLeaders} from './kafka-inspect.js'
import type {KafkaAdapter} from './kafka-types.js'
import {mapLimit} from '../../services/limit.js'

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
/** per partition: a producer batch (16 KiB by default in Java) fits in the first budget, a larger one in a later request */
const BUDGETS = [64 << 10, 1 << 20, 8 << 20]
const PER_REQUEST = 500
const RESPONSE_BYTES = 32 << 20
const CONCURRENCY = 8
/** requests per leader at most (offsets far apart on one partition take one each) */
const MAX_REQUESTS = 200
const OFFSET_OUT_OF_RANGE = 1

interface Item {
  key: string
  from: bigint
  end: bigint
}

/** The wanted offsets of one partition, lowest first. */
interface Work {
  topicId: string
  partition: number
  leader: number
  budget: number
  /** answers without this partition in them */
  missed: number
  items: Item[]
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
  const works = new Map<string, Work>()
  for (const [key, w] of unique) {
    const l = leaders.get(w.topic)
    const leader = l?.leaders[w.partition] ?? -1
    if (!l || leader < 0) {
      settle(key, null, 'no leader for the partition')
      continue
    }
    const tp = `${w.topic}\0${w.partition}`
    let work = works.get(tp)
    if (!work) {
      work = {topicId: l.id, partition: w.partition, leader, budget: 0, missed: 0, items: []}
      works.set(tp, work)
    }
    work.items.push({key, from: BigInt(w.offset), end: BigInt(w.end)})
  }
  if (works.size === 0) return out
  const byLeader = new Map<number, Work[]>()
  for (const work of works.values()) {
    work.items.sort((x, y) => (x.from < y.from ? -1 : x.from > y.from ? 1 : 0))
    const list = byLeader.get(work.leader) ?? []
    list.push(work)
    byLeader.set(work.leader, list)
  }

  const consumer = await adapter.consumer({groupId: 'cg-time-lag'})
  const errorName = (await kafkaLib()).protocolErrorsCodesById as Record<number, string>
  const settleAll = (work: Work, note: string) => {
    for (const item of work.items) settle(item.key, null, note)
    work.items = []
  }
  await mapLimit([...byLeader.entries()], CONCURRENCY, async ([leader, all]) => {
    for (let n = 0; n < MAX_REQUESTS; n++) {
      const batch = all.filter((w) => w.items.length > 0).slice(0, PER_REQUEST)
      if (batch.length === 0) return
      let res: FetchResponse | undefined
      let failure: unknown
      try {
        res = await fetchOnce(consumer, leader, batch)
      } catch (err) {
        // partition errors arrive as an error that still carries the whole response
        res = responseOf(err)
        if (!res) failure = err
      }
      if (failure) {
        for (const work of batch) settleAll(work, `not read: ${short(failure)}`)
        continue
      }
      const parts = new Map<string, FetchPartition>()
      for (const t of res?.responses ?? []) for (const p of t.partitions) parts.set(`${t.topicId}\0${p.partitionIndex}`, p)
      for (const work of batch) {
        const part = parts.get(`${work.topicId}\0${work.partition}`)
        if (!part) {
          if (++work.missed >= 3) settleAll(work, 'not read: the broker did not answer for the partition')
        } else if (part.errorCode === OFFSET_OUT_OF_RANGE && part.logStartOffset > work.items[0].from) {
          const left: Item[] = []
          for (const item of work.items) {
            if (item.from < part.logStartOffset) item.from = part.logStartOffset
            if (item.from < item.end) left.push(item)
            else settle(item.key, null, 'its records were deleted while being read')
          }
          work.items = left
        } else if (part.errorCode) {
          settleAll(work, `not read: ${errorName[part.errorCode] ?? `Kafka error ${part.errorCode}`}`)
        } else {
          const {records, next} = dataRecords(part)
          if (next === null) {
            // no complete batch: the one at the offset is larger than the budget
            if (work.budget + 1 < BUDGETS.length) work.budget++
            else settleAll(work, `no record returned within ${BUDGETS[BUDGETS.length - 1] >> 20} MiB`)
            continue
          }
          const left: Item[] = []
          for (const item of work.items) {
            if (item.from >= next) left.push(item)
            else {
              const r = records.find((x) => x.offset >= item.from)
              if (r) settle(item.key, r.timestamp < 0n ? null : Number(r.timestamp), r.timestamp < 0n ? 'no timestamp' : null)
              else {
                // markers or compacted gaps up to where the answer ends: read on from there
                item.from = next
                if (item.from >= item.end) settle(item.key, null, 'only transaction markers before the log end')
                else left.push(item)
              }
            }
          }
          work.items = left
        }
      }
    }
    for (const work of all) settleAll(work, `not read within ${MAX_REQUESTS} requests`)
  })
  return out
}

async function fetchOnce(consumer: Consumer<Buffer, Buffer, Buffer, Buffer>, leader: number, works: Work[]): Promise<FetchResponse> {
  const topics = new Map<string, Work[]>()
  for (const w of works) {
    const list = topics.get(w.topicId) ?? []
    list.push(w)
    topics.set(w.topicId, list)
  }
  return consumer.fetch({
    node: leader,
    isolationLevel: READ_UNCOMMITTED,
    maxWaitTime: 0,
    minBytes: 0,
    maxBytes: RESPONSE_BYTES,
    topics: [...topics].map(([topicId, list]) => ({
      topicId,
      partitions: list.map((w) => ({
        partition: w.partition,
        currentLeaderEpoch: -1,
        fetchOffset: w.items[0].from,
        lastFetchedEpoch: -1,
        partitionMaxBytes: BUDGETS[w.budget],
      })),
    })),
  })
}

/**
 * The data records of one fetched partition (offset order, with the timestamps the broker serves) and the
 * offset after the last batch returned; next is null when no complete batch came back.
 */
export function dataRecords(part: FetchPartition): {records: Array<{offset: bigint; timestamp: bigint}>; next: bigint | null} {
  const records: Array<{offset: bigint; timestamp: bigint}> = []
  let next: bigint | null = null
  for (const batch of part.records ?? []) {
    next = batch.firstOffset + BigInt(batch.lastOffsetDelta) + 1n
    if (batch.attributes & IS_CONTROL) continue
    for (const r of batch.records) {
      const timestamp = batch.attributes & LOG_APPEND_TIME ? batch.maxTimestamp : batch.firstTimestamp + r.timestampDelta
      records.push({offset: batch.firstOffset + BigInt(r.offsetDelta), timestamp})
    }
  }
  return {records, next}
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
