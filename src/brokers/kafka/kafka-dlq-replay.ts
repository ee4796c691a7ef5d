// cg dlq replay on Kafka: reads the DLQ topic from the replay group's committed offsets with plain Fetch
// requests (the group is never joined), and in each Kafka transaction produces records to their targets and
// commits the group's new offsets (AddOffsetsToTxn + TxnOffsetCommit). A run killed at any point leaves
// either the whole transaction or none of it; the next run fences the old producer (same transactional
// id), which aborts its open transaction, and resumes from the committed offsets: every record exactly once.
// The bulk runner (src/services/bulk.ts) drives it: each of its steps sends a batch inside the open
// transaction (with --rate, a tenth of a second's worth; a transaction then spans about a second of them),
// and a transaction is committed when it holds a full batch, when its partition ends, and when the run stops.
import type {Consumer, Producer} from '@platformatic/kafka'
import type {Progress} from '../../core/requests.js'
import type {BulkEnd} from '../../core/results.js'
import {CgError} from '../../errors/cg-error.js'
import {bulkCounts, runBulk} from '../../services/bulk.js'
import {batchSize} from '../../services/dlq-rate.js'
import {prefetch, type WhereClause} from '../../services/dlq-select.js'
import {kafkaLib} from './kafka-adapter.js'
import {committedOffsets, type DlqRecord, groupCoordinator, listTopicNames, partitionBounds, readPartition, topicLayout} from './kafka-dlq.js'
import {flatten, kafkaError} from './kafka-errors.js'
import type {KafkaAdapter} from './kafka-types.js'
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
  /** a progress display for this many records (not on a dry run) */
  progress?: (total: number) => Progress
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

export interface ReplayPartition {
  partition: number
  /** where this run started (the group's committed offset, else the log start) */
  from: string
  /** the end it read to (the last stable offset) */
  to: string
  committed: string | null
  firstSkipped: string | null
}

export interface KafkaReplayReport {
  dlq: string
  /** cg's replay group (cg-replay.<dlq>): its committed offsets are the replay's progress */
  group: string
  source: string | null
  dryRun: boolean
  criteria: {to: string | null; where: string[]; limit: number | null; rate: number | null}
  partitions: ReplayPartition[]
  targets: TargetTotals[]
  failures: ReplayFailure[]
  /** replayed: committed to the targets (a dry run: would be); transactions: committed transactions */
  totals: BulkEnd & {replayed: number; transactions: number}
}

export const replayGroup = (dlq: string): string => `cg-replay.${dlq}`

export interface Planned {
  record: DlqRecord
  target: string
  partition: number | undefined
  /** which rule named the target */
  from?: TargetSource | null
}

const isFenced = (err: unknown): boolean => /PRODUCER_FENCED|INVALID_PRODUCER_EPOCH|TRANSACTIONAL_ID_FENCED/.test(flatten(err))

/** An unexpected client error names the Kafka error codes underneath ("Producing messages failed." alone says nothing). */
function withCodes(e: CgError, err: unknown): CgError {
  if (e.code !== 'unexpected') return e
  if (isFenced(err)) {
    return new CgError(
      'refused',
      'another cg dlq replay of this DLQ started and took over (same transactional id); this run stopped, its open transaction was aborted',
      'Let the other run finish; nothing was replayed twice.',
      {cause: err},
    )
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
    throw new CgError(
      'not_found',
      `no dead-letter topic: ${tried.join(', ')} ${tried.length > 1 ? 'do' : 'does'} not exist`,
      'Name the DLQ with --dlq TOPIC (list topics with kafka-topics --list).',
    )
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

/** Records per transaction without --rate; with it, about a second's worth. */
const TX_RECORDS = 5000
/** A step reads past at most this many skipped records (a --where that skips most of a DLQ still moves in steps). */
const SCAN_RECORDS = 5000

/** How a record of the DLQ ended in this run: replayed (or, on a dry run, would be), skipped or failed. */
const SKIPPED = {status: 'skipped'} as const
const FAILED = {status: 'failed'} as const
type Outcome = Planned | typeof SKIPPED | typeof FAILED

/**
 * The replay's one transactional producer: sends go into the open transaction, commit() adds the replay
 * group's offset of the partition and commits. Any failure aborts the open transaction: none of it counts.
 */
class ReplayTransactions {
  /** transactions committed */
  transactions = 0
  /** records in committed transactions */
  replayed = 0
  /** set when another run took this DLQ's transactional id over: this run has to stop */
  fenced: CgError | null = null
  private tx: Awaited<ReturnType<Producer['beginTransaction']>> | undefined
  /** records sent in the open transaction */
  private sent: Planned[] = []

  private constructor(
    private readonly producer: Producer<Buffer, Buffer, Buffer, Buffer>,
    private readonly adapter: KafkaAdapter,
    private readonly dlq: string,
    private readonly group: string,
    private readonly onCommit: (planned: Planned[]) => void,
  ) {}

  /**
   * Same transactional id for every run on this DLQ: starting the producer fences an earlier run (killed or
   * still running) and aborts its open transaction, before the caller reads the group's offsets.
   */
  static async open(adapter: KafkaAdapter, dlq: string, group: string, onCommit: (planned: Planned[]) => void): Promise<ReplayTransactions> {
    // producerId/epoch -1: a fresh InitProducerId (the client's default of 0/0 reads as "resume producer 0"
    // and is fenced once the id has a history). The request timeout is also the transaction timeout.
    const producer = await adapter.producer({
      idempotent: true,
      transactionalId: group,
      producerId: -1n,
      producerEpoch: -1,
      autocreateTopics: false,
      timeout: Math.max(adapter.options.timeout, 15_000),
    })
    const t = new ReplayTransactions(producer, adapter, dlq, group, onCommit)
    t.tx = await beginFenced(producer, adapter, group)
    return t
  }

  /** Sends records in the open transaction (begun when needed). */
  async send(partition: number, batch: Planned[]): Promise<void> {
    if (batch.length === 0) return
    try {
      this.tx ??= await this.producer.beginTransaction()
      // the client puts one send's records for a partition in one record batch: keep each send well
      // under the brokers' default message.max.bytes (1 MiB)
      for (const chunk of byteChunks(batch, SEND_BYTES)) {
        await this.tx.send({
          messages: chunk.map(({record: r, target, partition: p}) => ({
            topic: target,
            partition: p,
            key: r.key ?? undefined,
            value: r.value ?? undefined,
            headers: replayHeaders(r, this.dlq, target),
          })),
        })
      }
      for (const p of batch) this.sent.push(p)
    } catch (err) {
      throw await this.failed(err, partition)
    }
  }

  /** Commits the open transaction with the group's offset of `partition` (the next offset to read). */
  async commit(partition: number, nextOffset: bigint, coordinator: number): Promise<void> {
    try {
      this.tx ??= await this.producer.beginTransaction()
      await this.tx.addConsumer({groupId: this.group} as unknown as Consumer)
      // TxnOffsetCommit as a "simple" (generation -1, no member) commit: the group is cg's own and never joined
      await this.tx.addOffset({
        topic: this.dlq,
        partition,
        offset: nextOffset - 1n,
        metadata: {consumer: {groupId: this.group, generationId: -1, memberId: '', coordinatorId: coordinator}},
      } as never)
      await this.tx.commit()
      this.tx = undefined
    } catch (err) {
      throw await this.failed(err, partition)
    }
    this.transactions++
    this.replayed += this.sent.length
    this.onCommit(this.sent)
    this.sent = []
  }

  /** Aborts the open transaction, if any (an error or an earlier stop left it). */
  async abort(): Promise<void> {
    const t = this.tx
    this.tx = undefined
    this.sent = []
    await t?.abort().catch(() => undefined)
  }

  private async failed(err: unknown, partition: number): Promise<CgError> {
    await this.abort()
    const e = withCodes(
      kafkaError(err, this.adapter.options, `replaying ${this.dlq}[${partition}] (the open transaction was aborted; run again to resume)`),
      err,
    )
    if (isFenced(err)) this.fenced = e
    return e
  }
}

/** One partition being read: its records from where the run started, and what has been dealt with. */
interface Cursor {
  part: ReplayPartition
  records: AsyncIterator<DlqRecord[]>
  page: DlqRecord[]
  index: number
  /** the offset after the last record replayed or skipped */
  position: bigint
  /** records replayed or skipped since the last commit */
  uncommitted: number
}

export async function replayKafkaDlq(adapter: KafkaAdapter, q: KafkaReplayRequest): Promise<KafkaReplayReport> {
  const dlq = await resolveDlqTopic(adapter, q)
  const group = replayGroup(dlq)
  const layout = await topicLayout(adapter, dlq)
  const topics = await listTopicNames(adapter)
  const {murmur2} = await kafkaLib()
  if (q.to && !topics.has(q.to))
    throw new CgError('not_found', `target topic ${q.to} does not exist`, 'cg never creates topics: create it first, or pick another with --to.')

  const byTarget = new Map<string, TargetTotals>()
  const note = (planned: Planned[]) => {
    for (const {target, from, record: r} of planned) {
      let t = byTarget.get(target)
      if (!t) {
        t = {target, from: from ?? null, replayed: 0, firstOffsets: []}
        byTarget.set(target, t)
      }
      t.replayed++
      if (t.firstOffsets.length < 3) t.firstOffsets.push(`${r.partition}:${r.offset}`)
    }
  }
  const tx = q.dryRun ? null : await ReplayTransactions.open(adapter, dlq, group, note)
  const committed = await committedOffsets(adapter, group, layout)
  const bounds = await partitionBounds(adapter, layout)
  const consumer = await adapter.consumer({groupId: group})
  const coordinator = tx ? await groupCoordinator(adapter, group) : -1
  const partitionCounts = new Map<string, number>()
  const partitionsOf = async (topic: string): Promise<number> => {
    let n = partitionCounts.get(topic)
    if (n === undefined) {
      n = (await topicLayout(adapter, topic, 'replay target')).partitions.length
      partitionCounts.set(topic, n)
    }
    return n
  }

  const partitions: ReplayPartition[] = []
  let total = 0
  for (const b of bounds) {
    const c = committed.get(b.partition) ?? null
    // biome-ignore lint/complexity/useMathMinMax: bigint operands (Math.min takes numbers only)
    const from = c !== null && c > b.start ? (c > b.end ? b.end : c) : b.start
    partitions.push({partition: b.partition, from: String(from), to: String(b.end), committed: c === null ? null : String(c), firstSkipped: null})
    total += Number(b.end - from)
  }
  const failures: ReplayFailure[] = []
  // a transaction holds TX_RECORDS records, or about a second's worth with --rate (sent in the runner's
  // steps of a tenth of a second's worth, each waiting for its tokens)
  const perTx = q.rate ? Math.max(1, Math.min(TX_RECORDS, Math.ceil(q.rate))) : TX_RECORDS
  const todo = partitions.filter((p) => BigInt(p.from) < BigInt(p.to))
  let cur: Cursor | null = null

  /** Commits what the partition has dealt with since its last commit (replayed records and skipped ones). */
  const commit = async (c: Cursor): Promise<void> => {
    if (tx && c.uncommitted > 0) await tx.commit(c.part.partition, c.position, coordinator)
    c.uncommitted = 0
  }

  /** Leaves the current partition (its end, a failed record, or the end of the run), committing it. */
  const leave = async (c: Cursor): Promise<void> => {
    cur = null
    await c.records.return?.()
    await commit(c)
  }

  /**
   * One step: up to `max` records of one partition replayed (sent in the open transaction; a dry run only
   * plans them), and the records skipped on the way. A record whose target is missing fails, and its
   * partition stops there: later records wait behind it, so order and exactly-once hold.
   */
  const step = async (max: number): Promise<Outcome[] | null> => {
    if (!cur) {
      const part = todo.shift()
      if (!part) return null
      const from = BigInt(part.from)
      cur = {
        part,
        records: prefetch(readPartition(adapter, consumer, layout, part.partition, from, BigInt(part.to)))[Symbol.asyncIterator](),
        page: [],
        index: 0,
        position: from,
        uncommitted: 0,
      }
    }
    const c: Cursor = cur
    const out: Outcome[] = []
    const batch: Planned[] = []
    let skipped = 0
    let ended = false
    while (batch.length < max && skipped < SCAN_RECORDS) {
      if (c.index >= c.page.length) {
        const next = await c.records.next()
        if (next.done) {
          ended = true
          break
        }
        c.page = next.value
        c.index = 0
        continue
      }
      const r = c.page[c.index++]!
      const {topic, from: how} = resolveTarget(r, dlq, q.to)
      if (q.where.length && !matchesWhere(r, q.where, topic)) {
        c.part.firstSkipped ??= String(r.offset)
        c.position = r.offset + 1n
        c.uncommitted++
        skipped++
        out.push(SKIPPED)
        continue
      }
      const problem =
        topic === null
          ? 'no target: no Spring/Connect/cg header and the DLQ name has no .dlq/-dlq/.DLT suffix (use --to)'
          : !topics.has(topic)
            ? `target topic ${topic} does not exist`
            : null
      if (problem) {
        failures.push({partition: r.partition, offset: String(r.offset), target: topic, error: problem})
        out.push(FAILED)
        ended = true
        break
      }
      const count = partitionCounts.get(topic!) ?? (await partitionsOf(topic!))
      const planned: Planned = {record: r, target: topic!, partition: tx ? targetPartition(r, topic!, count, murmur2) : undefined, from: how}
      batch.push(planned)
      out.push(planned)
      c.position = r.offset + 1n
      c.uncommitted++
    }
    if (tx) await tx.send(c.part.partition, batch)
    else note(batch)
    if (ended) await leave(c)
    else if (c.uncommitted >= perTx) await commit(c)
    return out
  }

  const counts = bulkCounts()
  const run = runBulk<Outcome>(
    {
      step,
      status: (o) => (o === SKIPPED ? 'skipped' : o === FAILED ? 'failed' : 'done'),
      limit: q.limit,
      // a dry run reads only: no rate
      rate: tx ? q.rate : null,
      batch: tx && q.rate ? batchSize(q.rate, TX_RECORDS) : perTx,
      signal: q.signal,
      progress: tx ? q.progress?.(q.limit !== null ? Math.min(total, q.limit) : total) : undefined,
    },
    counts,
  )
  try {
    for await (const _ of run) {
      // outcomes are counted by the runner; targets are noted when their transaction commits
    }
    // stopped by --limit or Ctrl-C, or done: what the open transaction holds is committed
    if (cur && !counts.error) await leave(cur)
  } catch (error) {
    const e = error instanceof CgError ? error : kafkaError(error, adapter.options, `replaying ${dlq}`)
    counts.error = e.message
    counts.errorCode = e.code
  } finally {
    await (cur as Cursor | null)?.records.return?.()
    await tx?.abort()
  }
  // another run took this DLQ over: it goes on from where this one stopped, so this one ends with the error (exit 4)
  if (tx?.fenced) throw tx.fenced
  return {
    dlq,
    group,
    source: q.source ?? null,
    dryRun: q.dryRun,
    criteria: {to: q.to ?? null, where: q.whereText, limit: q.limit, rate: q.rate},
    partitions,
    targets: [...byTarget.values()],
    failures,
    totals: {
      // records whose transaction committed (a transaction aborted by an error does not count)
      replayed: tx ? tx.replayed : counts.done,
      skipped: counts.skipped,
      failed: counts.failed,
      transactions: tx ? tx.transactions : 0,
      interrupted: counts.interrupted,
      error: counts.error,
      errorCode: counts.errorCode,
    },
  }
}
