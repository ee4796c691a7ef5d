// cg dlq replay on Kafka: reads the DLQ topic from the replay group's committed offsets with plain Fetch
// requests (the group is never joined), and in each Kafka transaction produces a batch to its targets and
// commits the group's new offsets (AddOffsetsToTxn + TxnOffsetCommit). A run killed at any point leaves
// either the whole transaction or none of it; the next run fences the old producer (same transactional
// id), which aborts its open transaction, and resumes from the committed offsets: every record exactly once.
import type {Consumer, Producer} from '@platformatic/kafka'
import {kafkaLib} from './kafka-adapter.js'
import {
  committedOffsets,
  type DlqRecord,
  groupCoordinator,
  listTopicNames,
  partitionBounds,
  readPartition,
  type TopicLayout,
  topicLayout,
} from './kafka-dlq.js'
import {flatten, kafkaError} from './kafka-errors.js'
import type {KafkaAdapter} from './kafka-types.js'
import {CgError} from '../../errors/cg-error.js'
import {batchSize, TokenBucket} from '../../services/dlq-rate.js'
import {prefetch, type WhereClause} from '../../services/dlq-select.js'
import {matchesWhere, pickDlq, replayHeaders, resolveTarget, type TargetSource, targetPartition} from './kafka-dlq-target.js'

export interface KafkaReplayRequest {
  source?: string
  dlqFlag?: string
  profileDlq?: string
  to?: string
  where: WhereClause[]
  whereText: string[]
  limit: number | null
  rate: number | null
  dryRun: boolean
  signal: AbortSignal
  /** records per transaction (default 5000; with --rate about a tenth of a second's worth) */
  batch?: number
  progress?: {add(n: number): void; done(): void}
  progressFor?: (total: number) => {add(n: number): void; done(): void}
}

export interface TargetTotals {
  target: string
  /** where the target came from: flag, spring, connect, cg, dlq-name */
  from: TargetSource | null
  replayed: number
  firstOffsets: string[]
}

export interface ReplayFailure {
  partition: number
  offset: string
  target: string | null
  error: string
}

export interface KafkaReplayReport {
  broker: 'kafka'
  dlq: string
  group: string
  source: string | null
  dryRun: boolean
  criteria: {to: string | null; where: string[]; limit: number | null; rate: number | null}
  /** where this run started per partition (the group's committed offset, else the log start) and the end it read to */
  partitions: Array<{partition: number; from: string; to: string; committed: string | null; firstSkipped: string | null}>
  targets: TargetTotals[]
  failures: ReplayFailure[]
  totals: {replayed: number; skipped: number; failed: number; transactions: number; interrupted: boolean}
}

export const replayGroup = (dlq: string): string => `cg-replay.${dlq}`

export interface Planned {
  record: DlqRecord
  target: string
  partition: number | undefined
  /** which rule named the target */
  from?: TargetSource | null
}

/** An unexpected client error names the Kafka error codes underneath ("Producing messages failed." alone says nothing). */
function withCodes(e: CgError, err: unknown): CgError {
  if (e.code !== 'unexpected') return e
  if (/PRODUCER_FENCED|INVALID_PRODUCER_EPOCH|TRANSACTIONAL_ID_FENCED/.test(flatten(err))) {
    return new CgError('refused', 'another cg dlq replay of this DLQ started and took over (same transactional id); this run stopped, its open transaction was aborted', 'Let the other run finish; nothing was replayed twice.', {cause: err})
  }
  const codes = [...new Set(flatten(err).match(/\b[A-Z][A-Z_]{6,}\b/g) ?? [])].filter((c) => c !== 'PLT_KFK_RESPONSE' && c !== 'PLT_KFK_MULTIPLE')
  return codes.length ? new CgError('unexpected', `${e.message} (${codes.join(', ')})`, e.hint, {cause: err}) : e
}

const SEND_BYTES = 512 * 1024

/** Approximate size of a record on the wire. */
function recordBytes(r: DlqRecord): number {
  let n = 32 + (r.key?.length ?? 0) + (r.value?.length ?? 0)
  for (const [k, v] of r.headers) n += 8 + k.length + (v?.length ?? 0)
  return n + 96 // cg's replay headers
}

/** Splits planned records into runs of at most `max` bytes (a bigger record goes alone). */
export function* byteChunks(items: Planned[], max: number): Generator<Planned[]> {
  let chunk: Planned[] = []
  let bytes = 0
  for (const it of items) {
    const b = recordBytes(it.record)
    if (chunk.length && bytes + b > max) {
      yield chunk
      chunk = []
      bytes = 0
    }
    chunk.push(it)
    bytes += b
  }
  if (chunk.length) yield chunk
}

/** Finds the DLQ topic (exit 5 when none of the names exists). */
export async function resolveDlqTopic(adapter: KafkaAdapter, q: {dlqFlag?: string; profileDlq?: string; source?: string}): Promise<string> {
  const names = await listTopicNames(adapter)
  const {dlq, tried} = pickDlq({flag: q.dlqFlag, profile: q.profileDlq, source: q.source}, (t) => names.has(t))
  if (!dlq) {
    throw new CgError('not_found', `no dead-letter topic: ${tried.join(', ')} ${tried.length > 1 ? 'do' : 'does'} not exist`, 'Name the DLQ with --dlq TOPIC (list topics with kafka-topics --list).')
  }
  return dlq
}

/**
 * The first transaction of a run. InitProducerId fences an earlier producer of this transactional id
 * and aborts its open transaction; until that abort is written the coordinator answers
 * CONCURRENT_TRANSACTIONS, which is waited out here (bounded).
 */
async function beginFenced(producer: Producer<Buffer, Buffer, Buffer, Buffer>, adapter: KafkaAdapter, group: string) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await producer.beginTransaction()
    } catch (err) {
      await producer.transaction?.cancel().catch(() => undefined)
      if (attempt < 40 && /CONCURRENT_TRANSACTIONS|COORDINATOR_LOAD_IN_PROGRESS|NOT_COORDINATOR|COORDINATOR_NOT_AVAILABLE/.test(flatten(err))) {
        await new Promise((r) => setTimeout(r, 250))
        continue
      }
      throw kafkaError(err, adapter.options, `starting the replay transaction (transactional id ${group})`)
    }
  }
}

export async function replayKafkaDlq(adapter: KafkaAdapter, q: KafkaReplayRequest): Promise<KafkaReplayReport> {
  const dlq = await resolveDlqTopic(adapter, q)
  const group = replayGroup(dlq)
  const layout = await topicLayout(adapter, dlq)
  const topics = await listTopicNames(adapter)
  const {murmur2} = await kafkaLib()
  const report: KafkaReplayReport = {
    broker: 'kafka',
    dlq,
    group,
    source: q.source ?? null,
    dryRun: q.dryRun,
    criteria: {to: q.to ?? null, where: q.whereText, limit: q.limit, rate: q.rate},
    partitions: [],
    targets: [],
    failures: [],
    totals: {replayed: 0, skipped: 0, failed: 0, transactions: 0, interrupted: false},
  }
  if (q.to && !topics.has(q.to)) throw new CgError('not_found', `target topic ${q.to} does not exist`, 'cg never creates topics: create it first, or pick another with --to.')

  let producer: Producer<Buffer, Buffer, Buffer, Buffer> | undefined
  let tx: Awaited<ReturnType<Producer['beginTransaction']>> | undefined
  if (!q.dryRun) {
    // Same transactional id for every run on this DLQ: starting the producer fences an earlier run
    // (killed or still running) and aborts its open transaction before we read the group's offsets.
    // producerId/epoch -1: a fresh InitProducerId (the client's default of 0/0 reads as "resume producer 0"
    // and is fenced once the id has a history). The request timeout is also the transaction timeout.
    producer = await adapter.producer({
      idempotent: true,
      transactionalId: group,
      producerId: -1n,
      producerEpoch: -1,
      autocreateTopics: false,
      timeout: Math.max(adapter.options.timeout, 15_000),
    })
    tx = await beginFenced(producer, adapter, group)
  }
  const committed = await committedOffsets(adapter, group, layout)
  const bounds = await partitionBounds(adapter, layout)
  const consumer = await adapter.consumer({groupId: group})
  const coordinator = q.dryRun ? -1 : await groupCoordinator(adapter, group)
  const partitionCounts = new Map<string, number>()
  const partitionsOf = async (topic: string): Promise<number> => {
    let n = partitionCounts.get(topic)
    if (n === undefined) {
      n = (await topicLayout(adapter, topic)).partitions.length
      partitionCounts.set(topic, n)
    }
    return n
  }

  let total = 0
  for (const b of bounds) {
    const c = committed.get(b.partition) ?? null
    const from = c !== null && c > b.start ? (c > b.end ? b.end : c) : b.start
    report.partitions.push({partition: b.partition, from: String(from), to: String(b.end), committed: c === null ? null : String(c), firstSkipped: null})
    total += Number(b.end - from)
  }
  const progress = q.progress ?? q.progressFor?.(q.limit !== null ? Math.min(total, q.limit) : total)
  const byTarget = new Map<string, TargetTotals>()
  const note = (target: string, from: TargetSource | null, r: DlqRecord, n: number) => {
    let t = byTarget.get(target)
    if (!t) byTarget.set(target, (t = {target, from, replayed: 0, firstOffsets: []}))
    t.replayed += n
    if (t.firstOffsets.length < 3) t.firstOffsets.push(`${r.partition}:${r.offset}`)
  }
  // records per transaction: 5000, or about a second's worth with --rate; with --rate each transaction is
  // sent in steps of a tenth of a second's worth, each waiting for its tokens
  const size = q.batch ?? (q.rate ? Math.max(1, Math.min(5000, Math.ceil(q.rate))) : 5000)
  const step = q.rate ? batchSize(q.rate, 5000) : Number.POSITIVE_INFINITY
  const bucket = q.rate ? new TokenBucket(q.rate, batchSize(q.rate, 5000)) : null
  let remaining = q.limit ?? Number.POSITIVE_INFINITY

  /** Produces the batch and commits offsets (next offset of this partition) in one transaction. */
  const commitBatch = async (partition: number, batch: Planned[], nextOffset: bigint): Promise<void> => {
    if (!producer) return
    let sent = 0
    try {
      tx ??= await producer.beginTransaction()
      // the client puts one send's records for a partition in one record batch: keep each send well
      // under the brokers' default message.max.bytes (1 MiB)
      sending: for (const chunk of byteChunks(batch, SEND_BYTES)) {
        for (let i = 0; i < chunk.length; i += step) {
          const part = chunk.slice(i, i + step)
          // Ctrl-C while waiting for the rate: commit what was sent, and stop
          if (bucket && !(await bucket.take(part.length, q.signal))) break sending
          await tx.send({
            messages: part.map(({record: r, target, partition: p}) => ({
              topic: target,
              partition: p,
              key: r.key ?? undefined,
              value: r.value ?? undefined,
              headers: replayHeaders(r, dlq, target),
            })),
          })
          sent += part.length
        }
      }
      if (sent === 0 && batch.length) return
      const next = sent === batch.length ? nextOffset : batch[sent - 1]!.record.offset + 1n
      await tx.addConsumer({groupId: group} as unknown as Consumer)
      // TxnOffsetCommit as a "simple" (generation -1, no member) commit: the group is cg's own and never joined
      await tx.addOffset({
        topic: dlq,
        partition,
        offset: next - 1n,
        metadata: {consumer: {groupId: group, generationId: -1, memberId: '', coordinatorId: coordinator}},
      } as never)
      await tx.commit()
      tx = undefined
    } catch (err) {
      const t = tx
      tx = undefined
      await t?.abort().catch(() => undefined)
      throw withCodes(kafkaError(err, adapter.options, `replaying ${dlq}[${partition}] (the open transaction was aborted; run again to resume)`), err)
    }
    report.totals.transactions++
    for (const p of batch.slice(0, sent)) note(p.target, p.from ?? null, p.record, 1)
    report.totals.replayed += sent
    progress?.add(sent)
  }

  try {
    outer: for (const part of report.partitions) {
      const from = BigInt(part.from)
      const to = BigInt(part.to)
      if (from >= to) continue
      let batch: Planned[] = []
      /** offset after the last record this partition has dealt with (replayed or skipped) */
      let position = from
      let dirty = false
      const flush = async () => {
        if (!dirty) return
        await commitBatch(part.partition, batch, position)
        batch = []
        dirty = false
      }
      for await (const page of prefetch(readPartition(adapter, consumer, layout, part.partition, from, to, {signal: q.signal}))) {
        for (const r of page) {
          if (remaining <= 0) break
          const {topic, from: how} = resolveTarget(r, dlq, q.to)
          if (q.where.length && !matchesWhere(r, q.where, topic)) {
            report.totals.skipped++
            part.firstSkipped ??= String(r.offset)
            position = r.offset + 1n
            dirty = true
            continue
          }
          const problem = topic === null ? 'no target: no Spring/Connect/cg header and the DLQ name has no .dlq/-dlq/.DLT suffix (use --to)' : !topics.has(topic) ? `target topic ${topic} does not exist` : null
          if (problem) {
            // this partition stops here: later records wait behind it, so order and exactly-once hold
            report.totals.failed++
            report.failures.push({partition: r.partition, offset: String(r.offset), target: topic, error: problem})
            await flush()
            continue outer
          }
          const count = partitionCounts.get(topic!) ?? (await partitionsOf(topic!))
          if (q.dryRun) note(topic!, how, r, 1)
          else batch.push({record: r, target: topic!, partition: targetPartition(r, topic!, count, murmur2), from: how})
          if (q.dryRun) report.totals.replayed++
          remaining--
          position = r.offset + 1n
          dirty = true
          if (batch.length >= size) {
            await flush()
            if (q.signal.aborted) break outer
          }
        }
        if (q.dryRun) continue
        if (remaining <= 0) break
        // progress on skipped-only pages is committed too, so a rerun does not scan them again
        if (!batch.length && dirty && position - BigInt(part.from) > BigInt(size)) await flush()
        if (q.signal.aborted) break outer
      }
      if (!q.dryRun) await flush()
      if (q.signal.aborted || remaining <= 0) break
    }
  } finally {
    if (tx) await tx.abort().catch(() => undefined)
    progress?.done()
  }
  if (q.signal.aborted) report.totals.interrupted = true
  report.targets = [...byTarget.values()]
  return report
}
