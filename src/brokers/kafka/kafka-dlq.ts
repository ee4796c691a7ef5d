// Broker I/O for Kafka dead-letter topics: topic lookup, partition bounds, the replay group's committed
// offsets, record reads by direct Fetch (no group join, nothing committed), and DeleteRecords.
import type {Consumer} from '@platformatic/kafka'
import {CgError} from '../../errors/cg-error.js'
import {flatten, kafkaError} from './kafka-errors.js'
import {fetchCommittedOffsets, groupsByCoordinator} from './kafka-groups.js'
import {offsetsByLeader, readMetadata, unavailableError} from './kafka-metadata.js'
import type {KafkaAdapter} from './kafka-types.js'

/** One record as read from a partition: bytes as stored, headers in order (duplicates kept). */
export interface DlqRecord {
  partition: number
  offset: bigint
  timestamp: bigint
  key: Buffer | null
  value: Buffer | null
  headers: Array<[Buffer, Buffer | null]>
}

export interface TopicLayout {
  name: string
  id: string
  /** the partitions with a leader */
  partitions: Array<{partition: number; leader: number; leaderEpoch: number}>
  /** the partitions without one (every node holding them down): empty unless the caller allowed them */
  leaderless: Array<{partition: number; replicas: number[]}>
}

export interface PartitionBounds {
  partition: number
  /** log start offset */
  start: bigint
  /** last stable offset (read_committed end) */
  end: bigint
  /** high watermark */
  highWatermark: bigint
}

const IS_TRANSACTIONAL = 0x10
const IS_CONTROL = 0x20
const READ_COMMITTED = 1

/** Names of every topic in the cluster. */
export async function listTopicNames(adapter: KafkaAdapter): Promise<Set<string>> {
  try {
    const admin = await adapter.admin()
    // the raw Metadata of every topic: a partition without a leader does not fail the list
    return new Set(await readMetadata(admin, null).then((m) => [...m.topics.keys()].filter((t) => !t.startsWith('__'))))
  } catch (err) {
    throw kafkaError(err, adapter.options, 'listing topics')
  }
}

/**
 * Topic id, partitions and leaders; a missing topic is CgError not_found, a partition without a leader (its
 * nodes down) CgError unreachable naming them: `role` says what the topic is to the command ("DLQ", "replay target").
 * With `allowLeaderless` (reads: dlq list / peek), such partitions are returned apart in `leaderless` instead.
 */
export async function topicLayout(adapter: KafkaAdapter, topic: string, role = 'DLQ', allowLeaderless = false): Promise<TopicLayout> {
  const admin = await adapter.admin()
  try {
    const meta = await readMetadata(admin, [topic])
    const t = meta.topics.get(topic)
    if (!t) throw new CgError('not_found', `topic ${topic} does not exist`)
    // every DLQ command reads or writes each partition of its topics: one without a leader stops it, naming the node
    const leaderless = t.partitions.filter((p) => p.leader < 0)
    if (leaderless.length && !allowLeaderless)
      throw unavailableError(
        meta,
        leaderless.map((p) => ({topic, partition: p.partition, leader: null, replicas: p.replicas})),
        `${role} ${topic}`,
      )
    return {
      name: topic,
      id: t.id,
      partitions: t.partitions.filter((p) => p.leader >= 0).map((p) => ({partition: p.partition, leader: p.leader, leaderEpoch: p.leaderEpoch})),
      leaderless: leaderless.map((p) => ({partition: p.partition, replicas: p.replicas})),
    }
  } catch (err) {
    if (err instanceof CgError) throw err
    if (/UNKNOWN_TOPIC|does not exist|unknown topic/i.test(flatten(err))) {
      throw new CgError(
        'not_found',
        `topic ${topic} does not exist on Kafka ${adapter.options.bootstrapBrokers.join(',')}`,
        'List topics with kafka-topics --list, or name the DLQ with --dlq TOPIC.',
      )
    }
    throw kafkaError(err, adapter.options, `reading the metadata of ${topic}`)
  }
}

/**
 * Log start, last stable offset and high watermark of each partition of the layout, each leader asked
 * directly (another partition of the topic without a leader does not fail it); a leader that does not
 * answer is CgError unreachable naming it.
 */
export async function partitionBounds(adapter: KafkaAdapter, layout: TopicLayout): Promise<PartitionBounds[]> {
  const parts = new Map([[layout.name, layout.partitions.map((p) => p.partition)]])
  const ask = async (timestamp: bigint, isolationLevel: 0 | 1) => {
    const {offsets, unavailable, meta} = await offsetsByLeader(adapter, parts, timestamp, isolationLevel)
    if (unavailable.length) throw unavailableError(meta, unavailable, `DLQ ${layout.name}`)
    return offsets.get(layout.name) ?? new Map<number, bigint>()
  }
  try {
    const [earliest, stable, hw] = await Promise.all([ask(-2n, 0), ask(-1n, READ_COMMITTED), ask(-1n, 0)])
    return layout.partitions.map(({partition}) => ({
      partition,
      start: earliest.get(partition) ?? 0n,
      end: stable.get(partition) ?? 0n,
      highWatermark: hw.get(partition) ?? 0n,
    }))
  } catch (err) {
    throw kafkaError(err, adapter.options, `listing the offsets of ${layout.name}`)
  }
}

/** The group's committed offset per partition of the topic (null: none). Stable: pending transactional commits are waited for. */
export async function committedOffsets(adapter: KafkaAdapter, group: string, layout: TopicLayout): Promise<Map<number, bigint | null>> {
  try {
    // requireStable: offsets a transaction still holds are waited for, not read half-written
    const committed = (await fetchCommittedOffsets(await adapter.admin(), [group], {requireStable: true})).get(group)?.get(layout.name)
    return new Map(layout.partitions.map((p) => [p.partition, committed?.has(p.partition) ? BigInt(committed.get(p.partition)!) : null]))
  } catch (err) {
    throw kafkaError(err, adapter.options, `reading the offsets of group ${group}`)
  }
}

/** Node id of the group's coordinator. */
export async function groupCoordinator(adapter: KafkaAdapter, group: string): Promise<number> {
  try {
    const [node] = (await groupsByCoordinator(await adapter.admin(), [group])).keys()
    if (node === undefined) throw new Error(`no coordinator for group ${group}`)
    return node
  } catch (err) {
    throw kafkaError(err, adapter.options, `finding the coordinator of group ${group}`)
  }
}

type FetchPartition = NonNullable<Awaited<ReturnType<Consumer['fetch']>>['responses'][number]['partitions'][number]>

/**
 * The committed records of one fetched partition, as a read_committed consumer sees them: control
 * batches dropped, and batches of aborted transactions left out (the client's half of read_committed:
 * the broker only lists the aborted transactions).
 */
export function committedRecords(part: FetchPartition, from: bigint): {records: DlqRecord[]; next: bigint | null} {
  const aborted = [...(part.abortedTransactions ?? [])].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0))
  const abortedPids = new Set<bigint>()
  const records: DlqRecord[] = []
  let next: bigint | null = null
  for (const batch of part.records ?? []) {
    const last = batch.firstOffset + BigInt(batch.lastOffsetDelta)
    next = last + 1n
    while (aborted.length && aborted[0]!.firstOffset <= last) abortedPids.add(aborted.shift()!.producerId)
    if (batch.attributes & IS_CONTROL) {
      const k = batch.records[0]?.key
      // control record key: int16 version, int16 type (0 = abort, 1 = commit)
      if (k && k.length >= 4 && k.readInt16BE(2) === 0) abortedPids.delete(batch.producerId)
      continue
    }
    if (batch.attributes & IS_TRANSACTIONAL && abortedPids.has(batch.producerId)) continue
    for (const r of batch.records) {
      const offset = batch.firstOffset + BigInt(r.offsetDelta)
      if (offset < from) continue
      records.push({
        partition: part.partitionIndex,
        offset,
        timestamp: batch.firstTimestamp + r.timestampDelta,
        key: r.key ?? null,
        value: r.value ?? null,
        headers: r.headers.map(([k, v]) => [k ?? Buffer.alloc(0), v ?? null]),
      })
    }
  }
  return {records, next}
}

/**
 * Reads one partition from `from` up to (not including) `to`, page by page, with plain Fetch requests
 * (read_committed): no group is joined and nothing is committed.
 */
export async function* readPartition(
  adapter: KafkaAdapter,
  consumer: Consumer<Buffer, Buffer, Buffer, Buffer>,
  layout: TopicLayout,
  partition: number,
  from: bigint,
  to: bigint,
  opts: {maxBytes?: number; signal?: AbortSignal} = {},
): AsyncGenerator<DlqRecord[]> {
  const p = layout.partitions.find((x) => x.partition === partition)
  if (!p) return
  let offset = from
  let empty = 0
  const maxBytes = opts.maxBytes ?? 4 << 20
  while (offset < to) {
    if (opts.signal?.aborted) return
    let res
    try {
      res = await consumer.fetch({
        node: p.leader,
        isolationLevel: READ_COMMITTED,
        maxWaitTime: 50,
        minBytes: 1,
        maxBytes,
        topics: [
          {topicId: layout.id, partitions: [{partition, currentLeaderEpoch: -1, fetchOffset: offset, lastFetchedEpoch: -1, partitionMaxBytes: maxBytes}]},
        ],
      })
    } catch (err) {
      throw kafkaError(err, adapter.options, `reading ${layout.name}[${partition}] at offset ${offset}`)
    }
    const part = res.responses[0]?.partitions.find((x) => x.partitionIndex === partition)
    if (!part) return
    if (part.errorCode) throw new CgError('unexpected', `reading ${layout.name}[${partition}] at offset ${offset}: Kafka error code ${part.errorCode}`)
    const {records, next} = committedRecords(part, offset)
    const page = records.filter((r) => r.offset < to)
    if (page.length) yield page
    if (next === null || next <= offset) {
      // nothing at this offset (a compacted gap, or the end moved back): stop after a few empty answers
      if (++empty >= 3) return
      continue
    }
    empty = 0
    offset = next
  }
}

/** Deletes every record of the partitions below the given offsets; returns the new log start offsets. */
export async function deleteRecordsBefore(
  adapter: KafkaAdapter,
  topic: string,
  offsets: Array<{partition: number; offset: bigint}>,
): Promise<Map<number, bigint>> {
  const admin = await adapter.admin()
  try {
    const res = await admin.deleteRecords({topics: [{name: topic, partitions: offsets}]})
    const out = new Map<number, bigint>()
    for (const t of res) for (const p of t.partitions) out.set(p.partition, p.lowWatermark)
    return out
  } catch (err) {
    throw kafkaError(err, adapter.options, `deleting records of ${topic}`)
  }
}
