import type {DlqOps} from '../brokers/dlq-types.js'
import type {BrokerAdapter} from '../brokers/types.js'
import {decodeEntry, showFields, type DecodedDlqEntry, type ShownField} from '../brokers/redis/dlq-layout.js'
import {parseStreamId} from '../brokers/redis/stream-id.js'
import {CgError, refused} from '../errors/cg-error.js'
import {dlqOps} from './dlq-move.js'
import {matches, type WhereClause} from './dlq-select.js'

export interface Selection {
  ids?: string[]
  where: WhereClause[]
  limit: number | null
  pageSize?: number
}

export interface SelectedPage {
  entries: DecodedDlqEntry[]
  /** --ids that are not in the DLQ */
  missing: string[]
}

/** DLQ entries chosen by --ids / --where / --limit, decoded, page by page (bounded memory). */
export async function* selectPages(ops: DlqOps, dlq: string, sel: Selection): AsyncGenerator<SelectedPage> {
  let left = sel.limit ?? Number.POSITIVE_INFINITY
  const take = (raw: DecodedDlqEntry[]) => {
    const out: DecodedDlqEntry[] = []
    for (const e of raw) {
      if (left <= 0) break
      if (!matches(e, sel.where)) continue
      out.push(e)
      left--
    }
    return out
  }
  if (sel.ids) {
    for (let i = 0; i < sel.ids.length && left > 0; i += 1000) {
      const ids = sel.ids.slice(i, i + 1000)
      const found = await ops.entriesByIds(dlq, ids)
      const have = new Set(found.map((e) => e.id))
      yield {entries: take(found.map(decodeEntry)), missing: ids.filter((id) => !have.has(id))}
    }
    return
  }
  for await (const page of ops.entries(dlq, {pageSize: sel.pageSize})) {
    yield {entries: take(page.map(decodeEntry)), missing: []}
    if (left <= 0) return
  }
}

/** What a listing shows of an entry: its decoded metadata, without the raw fields. */
export type DlqListRow = Pick<DecodedDlqEntry, 'dlqId' | 'layout' | 'originalId' | 'originalStream' | 'originalGroup' | 'consumer' | 'deliveryCount' | 'reason' | 'failedAt'>

export interface DlqListReport {
  dlq: string
  length: number
  entries: AsyncIterable<DlqListRow>
}

export async function listDlq(adapter: BrokerAdapter, q: {dlq: string; where: WhereClause[]; count: number | null}): Promise<DlqListReport> {
  const ops = dlqOps(adapter, 'dlq list')
  await ops.assertDlq(q.dlq)
  const length = await ops.length(q.dlq)
  async function* rows(): AsyncGenerator<DlqListRow> {
    for await (const page of selectPages(ops, q.dlq, {where: q.where, limit: q.count})) for (const e of page.entries) yield listRow(e)
  }
  return {dlq: q.dlq, length, entries: rows()}
}

function listRow(e: DecodedDlqEntry): DlqListRow {
  return {
    dlqId: e.dlqId,
    layout: e.layout,
    originalId: e.originalId,
    originalStream: e.originalStream,
    originalGroup: e.originalGroup,
    consumer: e.consumer,
    deliveryCount: e.deliveryCount,
    reason: e.reason,
    failedAt: e.failedAt,
  }
}

export interface DlqPeekEntry extends DlqListRow {
  /** every field of the DLQ entry, values as text when valid UTF-8, else base64 */
  fields: ShownField[]
  /** the fields a replay would put back (null when they cannot be rebuilt; see replayError) */
  replayFields: ShownField[] | null
  replayError: string | null
}

export interface DlqPeekReport {
  dlq: string
  entries: AsyncIterable<DlqPeekEntry>
}

export async function peekDlq(adapter: BrokerAdapter, q: {dlq: string; id?: string; count: number}): Promise<DlqPeekReport> {
  const ops = dlqOps(adapter, 'dlq peek')
  await ops.assertDlq(q.dlq)
  if (q.id !== undefined) {
    const id = parseStreamId(q.id, 'ID')
    const [raw] = await ops.entriesByIds(q.dlq, [id])
    if (!raw) throw new CgError('not_found', `entry ${id} is not in ${q.dlq}`, `List the entries with: cg dlq list --dlq ${q.dlq}.`)
  }
  async function* rows(): AsyncGenerator<DlqPeekEntry> {
    const sel: Selection = q.id !== undefined ? {ids: [parseStreamId(q.id, 'ID')], where: [], limit: 1} : {where: [], limit: q.count, pageSize: Math.min(q.count, 1000) || 1}
    for await (const page of selectPages(ops, q.dlq, sel)) {
      for (const e of page.entries) yield peekRow(e)
    }
  }
  return {dlq: q.dlq, entries: rows()}
}

function peekRow(e: DecodedDlqEntry): DlqPeekEntry {
  return {...listRow(e), fields: showFields(e.raw), replayFields: e.replayFields ? showFields(e.replayFields) : null, replayError: e.replayError}
}

export interface PurgeReport {
  dlq: string
  dryRun: boolean
  /** everything (no --ids/--where) or a filtered part */
  all: boolean
  /** deleted, or would be deleted on a dry run */
  count: number
  firstIds: string[]
  /** --ids that are not in the DLQ */
  missing: string[]
  interrupted: boolean
}

export async function purgeDlq(adapter: BrokerAdapter, q: {dlq: string; ids?: string[]; where: WhereClause[]; dryRun: boolean; yes: boolean; signal: AbortSignal}): Promise<PurgeReport> {
  const ops = dlqOps(adapter, 'dlq purge')
  await ops.assertDlq(q.dlq)
  if (!q.dryRun && !q.yes) throw refused(`purge deletes entries of ${q.dlq} for good`, 'Check with --dry-run, then run again with --yes.')
  const all = !q.ids && q.where.length === 0
  const report: PurgeReport = {dlq: q.dlq, dryRun: q.dryRun === true, all, count: 0, firstIds: [], missing: [], interrupted: false}
  if (all && !q.dryRun) {
    report.count = await ops.truncate(q.dlq)
    return report
  }
  for await (const page of selectPages(ops, q.dlq, {ids: q.ids, where: q.where, limit: null})) {
    report.missing.push(...page.missing)
    const ids = page.entries.map((e) => e.dlqId)
    for (const id of ids) if (report.firstIds.length < 20) report.firstIds.push(id)
    report.count += q.dryRun ? ids.length : await ops.deleteIds(q.dlq, ids)
    if (q.signal.aborted) {
      report.interrupted = true
      break
    }
  }
  return report
}
