// cg dlq list / peek / purge on Kafka. list and peek read with plain Fetch requests (read_committed):
// no group is joined and nothing is committed. purge deletes records below the log end (DeleteRecords),
// one partition per step of the bulk runner.
import type {RunContext} from '../../core/requests.js'
import {bulkEnd, type BulkEnd} from '../../core/results.js'
import {CgError, refused} from '../../errors/cg-error.js'
import {bulkCounts, runBulk} from '../../services/bulk.js'
import type {WhereClause} from '../../services/dlq-select.js'
import {deleteRecordsBefore, type DlqRecord, partitionBounds, readPartition, topicLayout} from './kafka-dlq.js'
import type {KafkaAdapter} from './kafka-types.js'
import {CG_COUNT, CONNECT_MESSAGE, headerText, matchesWhere, resolveTarget, showBytes, SPRING_MESSAGE, type TargetSource} from './kafka-dlq-target.js'
import {replayGroup, resolveDlqTopic} from './kafka-dlq-replay.js'

export interface KafkaDlqWhere {
  source?: string
  dlqFlag?: string
  profileDlq?: string
}

export interface KafkaDlqRow {
  /** PARTITION:OFFSET, as cg dlq peek takes it */
  dlqId: string
  partition: number
  offset: string
  /** ms since the epoch */
  timestamp: number
  key: string | null
  keyEncoding: 'utf8' | 'base64' | null
  /** where a replay would send it, and which rule said so */
  target: string | null
  targetFrom: TargetSource | null
  reason: string | null
  replayCount: number | null
  /** how many headers the record has (cg dlq peek shows them) */
  headerCount: number
  valueBytes: number | null
}

export interface KafkaDlqListReport {
  dlq: string
  /** committed records in the topic now (log end minus log start, per partition summed; transaction markers count) */
  length: number
  /** every partition; one without a leader (its nodes down) has start, end and leader null and is not read */
  partitions: Array<{partition: number; start: string | null; end: string | null; leader: number | null}>
  /** how many partitions have no leader: their records are neither counted nor listed */
  leaderlessPartitions: number
  entries: AsyncIterable<KafkaDlqRow>
}

export interface KafkaShownHeader {
  name: string
  value: string | null
  encoding: 'utf8' | 'base64' | null
}

export interface KafkaDlqPeekEntry extends KafkaDlqRow {
  value: string | null
  valueEncoding: 'utf8' | 'base64' | null
  headerList: KafkaShownHeader[]
}

export interface KafkaDlqPeekReport {
  dlq: string
  entries: AsyncIterable<KafkaDlqPeekEntry>
}

function row(r: DlqRecord, dlq: string): KafkaDlqRow {
  const k = showBytes(r.key)
  const t = resolveTarget(r, dlq)
  const count = headerText(r, CG_COUNT)
  return {
    dlqId: `${r.partition}:${r.offset}`,
    partition: r.partition,
    offset: String(r.offset),
    timestamp: Number(r.timestamp),
    key: k.value,
    keyEncoding: k.encoding,
    target: t.topic,
    targetFrom: t.from,
    reason: headerText(r, SPRING_MESSAGE) ?? headerText(r, CONNECT_MESSAGE),
    replayCount: count !== null && /^\d+$/.test(count) ? Number(count) : null,
    headerCount: r.headers.length,
    valueBytes: r.value === null ? null : r.value.length,
  }
}

function peekEntry(r: DlqRecord, dlq: string): KafkaDlqPeekEntry {
  const v = showBytes(r.value)
  return {
    ...row(r, dlq),
    value: v.value,
    valueEncoding: v.encoding,
    headerList: r.headers.map(([name, value]) => ({name: name.toString('utf8'), ...showBytes(value)})),
  }
}

/** Records of every partition (partition by partition, oldest first) that pass the filter, at most `count`. */
async function* records(
  adapter: KafkaAdapter,
  dlq: string,
  q: {where: WhereClause[]; count: number | null; partition?: number; offset?: bigint},
): AsyncGenerator<DlqRecord> {
  // a partition without a leader is left out (its nodes are down); the list says so
  const layout = await topicLayout(adapter, dlq, 'DLQ', true)
  if (q.partition !== undefined && layout.leaderless.some((p) => p.partition === q.partition)) await topicLayout(adapter, dlq) // the unavailable error, naming the partition and its nodes
  const bounds = await partitionBounds(adapter, layout)
  // the group id is never joined and nothing is committed: the consumer only sends Fetch requests
  const consumer = await adapter.consumer({groupId: replayGroup(dlq) + '.read'})
  let left = q.count ?? Number.POSITIVE_INFINITY
  for (const b of bounds) {
    if (q.partition !== undefined && b.partition !== q.partition) continue
    // biome-ignore lint/complexity/useMathMinMax: bigint operands (Math.max takes numbers only)
    const from = q.offset !== undefined ? (q.offset > b.start ? q.offset : b.start) : b.start
    for await (const page of readPartition(adapter, consumer, layout, b.partition, from, b.end)) {
      for (const r of page) {
        if (left <= 0) return
        if (q.where.length && !matchesWhere(r, q.where, resolveTarget(r, dlq).topic)) continue
        left--
        yield r
      }
    }
  }
}

async function* mapped<A, B>(src: AsyncIterable<A>, f: (a: A) => B): AsyncGenerator<B> {
  for await (const a of src) yield f(a)
}

export async function listKafkaDlq(adapter: KafkaAdapter, q: KafkaDlqWhere & {where: WhereClause[]; count: number | null}): Promise<KafkaDlqListReport> {
  const dlq = await resolveDlqTopic(adapter, q)
  const layout = await topicLayout(adapter, dlq, 'DLQ', true)
  const bounds = await partitionBounds(adapter, layout)
  const leaders = new Map(layout.partitions.map((p) => [p.partition, p.leader]))
  const partitions: KafkaDlqListReport['partitions'] = [
    ...bounds.map((b) => ({partition: b.partition, start: String(b.start), end: String(b.end), leader: leaders.get(b.partition) ?? null})),
    ...layout.leaderless.map((p) => ({partition: p.partition, start: null, end: null, leader: null})),
  ].sort((x, y) => x.partition - y.partition)
  return {
    dlq,
    length: bounds.reduce((n, b) => n + Number(b.end - b.start), 0),
    partitions,
    leaderlessPartitions: layout.leaderless.length,
    entries: mapped(records(adapter, dlq, q), (r) => row(r, dlq)),
  }
}

export async function peekKafkaDlq(
  adapter: KafkaAdapter,
  q: KafkaDlqWhere & {id?: {partition: number; offset: bigint}; count: number},
): Promise<KafkaDlqPeekReport> {
  const dlq = await resolveDlqTopic(adapter, q)
  const sel = q.id ? {where: [], count: 1, partition: q.id.partition, offset: q.id.offset} : {where: [], count: q.count}
  const entries = mapped(records(adapter, dlq, sel), (r) => peekEntry(r, dlq))
  if (!q.id) return {dlq, entries}
  // one record: say so when that offset holds none
  const first = await entries.next()
  if (first.done || first.value.offset !== String(q.id.offset)) {
    throw new CgError(
      'not_found',
      `no record at ${dlq} partition ${q.id.partition} offset ${q.id.offset}`,
      'List the DLQ with cg dlq list to see its partitions and offsets.',
    )
  }
  return {
    dlq,
    entries: (async function* () {
      yield first.value
    })(),
  }
}

export interface PurgedPartition {
  partition: number
  /** the log start before */
  from: string
  /** the high watermark: everything below it goes */
  to: string
  count: number
}

export interface KafkaPurgeReport {
  dlq: string
  dryRun: boolean
  /** what each partition held (or, on a dry run, would lose) */
  partitions: PurgedPartition[]
  /** records deleted (on a dry run: that would be) */
  totals: BulkEnd & {purged: number}
}

/**
 * Deletes every record of the DLQ up to its log end, partition by partition (Kafka deletes prefixes only:
 * cg has no --ids / --where for Kafka). A partition is deleted whole or not at all; a run stopped by Ctrl-C or
 * an error reports the partitions it emptied, and running it again empties the rest.
 */
export async function purgeKafkaDlq(adapter: KafkaAdapter, q: KafkaDlqWhere & {dryRun: boolean; yes: boolean; run: RunContext}): Promise<KafkaPurgeReport> {
  const dlq = await resolveDlqTopic(adapter, q)
  const layout = await topicLayout(adapter, dlq)
  const bounds = await partitionBounds(adapter, layout)
  const partitions = bounds.map((b) => ({partition: b.partition, from: String(b.start), to: String(b.highWatermark), count: Number(b.highWatermark - b.start)}))
  const report: KafkaPurgeReport = {dlq, dryRun: q.dryRun, partitions, totals: {purged: 0, ...bulkEnd()}}
  if (q.dryRun) {
    report.totals.purged = partitions.reduce((n, p) => n + p.count, 0)
    return report
  }
  if (!q.yes) throw refused(`purge deletes every record of ${dlq} for good`, 'Check with --dry-run, then run again with --yes.')
  const todo = partitions.filter((p) => p.count > 0)
  const counts = bulkCounts()
  // one step per partition: DeleteRecords deletes a partition's prefix whole or not at all
  const steps = runBulk<PurgedPartition>(
    {
      step: async () => {
        const p = todo.shift()
        if (!p) return null
        await deleteRecordsBefore(adapter, dlq, [{partition: p.partition, offset: BigInt(p.to)}])
        return [p]
      },
      status: () => 'done',
      limit: null,
      rate: null,
      batch: 1,
      signal: q.run.signal,
    },
    counts,
  )
  let purged = 0
  for await (const p of steps) purged += p.count
  report.totals = {purged, skipped: counts.skipped, failed: counts.failed, interrupted: counts.interrupted, error: counts.error, errorCode: counts.errorCode}
  return report
}
