// cg dlq list, peek and purge on Redis, and the selection of DLQ entries (--ids, --where, --limit) that
// replay shares.
import type {OpRequest, Request} from '../../core/requests.js'
import type {BulkEnd, DlqListResult, DlqPurgeResult} from '../../core/results.js'
import {CgError, refused} from '../../errors/cg-error.js'
import {optionalArg, profileValue} from '../../services/args.js'
import {bulkCounts, runBulk} from '../../services/bulk.js'
import {parseWhere, type WhereClause} from '../../services/dlq-select.js'
import {dlqKey, matches, parseIds} from './redis-dlq-select.js'
import {decodeEntry, showFields, type DecodedDlqEntry, type ShownField} from './dlq-layout.js'
import {ended} from './redis-bulk.js'
import type {DlqOps} from './redis-dlq-types.js'
import type {StreamsAdapter} from './redis-types.js'
import {isStreamId, parseStreamId} from './stream-id.js'

/** The DLQ key: --dlq, else the profile's dlq, else <stream>:dlq of STREAM (or the profile's stream). */
export function dlqOf(req: Request<{dlq?: string}>, stream: string | undefined): string {
  return dlqKey({flag: req.flags.dlq, profile: req.profile.dlq ?? undefined, stream: stream ?? profileValue(req, 'stream')})
}

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
export type DlqListRow = Pick<
  DecodedDlqEntry,
  'dlqId' | 'layout' | 'originalId' | 'originalStream' | 'originalGroup' | 'consumer' | 'deliveryCount' | 'reason' | 'failedAt'
>

export interface DlqListReport extends DlqListResult {
  length: number
  entries: AsyncIterable<DlqListRow>
}

export async function dlqList(conn: StreamsAdapter, req: OpRequest<'dlq:list'>): Promise<DlqListReport> {
  const dlq = dlqOf(req, optionalArg(req, 0))
  const where = parseWhere(req.flags.where)
  const ops = conn.dlq
  await ops.assertDlq(dlq)
  const length = await ops.length(dlq)
  async function* rows(): AsyncGenerator<DlqListRow> {
    for await (const page of selectPages(ops, dlq, {where, limit: req.flags.count ?? null})) for (const e of page.entries) yield listRow(e)
  }
  return {broker: 'redis', dlq, length, entries: rows()}
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

export interface DlqPeekReport extends DlqListResult {
  entries: AsyncIterable<DlqPeekEntry>
}

export async function dlqPeek(conn: StreamsAdapter, req: OpRequest<'dlq:peek'>): Promise<DlqPeekReport> {
  let stream = optionalArg(req, 0)
  let given = optionalArg(req, 1)
  // `cg dlq peek --dlq KEY ID`: with the DLQ named, a lone argument that is an id is the ID
  if (given === undefined && stream !== undefined && (req.flags.dlq ?? req.profile.dlq) && isStreamId(stream)) [stream, given] = [undefined, stream]
  const dlq = dlqOf(req, stream)
  const id = given === undefined ? undefined : parseStreamId(given, 'ID')
  const count = req.flags.count
  const ops = conn.dlq
  await ops.assertDlq(dlq)
  if (id !== undefined) {
    const [raw] = await ops.entriesByIds(dlq, [id])
    if (!raw) throw new CgError('not_found', `entry ${id} is not in ${dlq}`, `List the entries with: cg dlq list --dlq ${dlq}.`)
  }
  async function* rows(): AsyncGenerator<DlqPeekEntry> {
    const sel: Selection = id !== undefined ? {ids: [id], where: [], limit: 1} : {where: [], limit: count, pageSize: Math.min(count, 1000) || 1}
    for await (const page of selectPages(ops, dlq, sel)) {
      for (const e of page.entries) yield peekRow(e)
    }
  }
  return {broker: 'redis', dlq, entries: rows()}
}

function peekRow(e: DecodedDlqEntry): DlqPeekEntry {
  return {...listRow(e), fields: showFields(e.raw), replayFields: e.replayFields ? showFields(e.replayFields) : null, replayError: e.replayError}
}

const FIRST_IDS = 20

export interface PurgeReport extends DlqPurgeResult {
  dlq: string
  /** everything (no --ids/--where) or a filtered part */
  all: boolean
  /** the dry run's plan: how many entries would go; null when purging */
  plan: {count: number} | null
  /** the first entries deleted (or that would be) */
  firstIds: string[]
  /** --ids that are not in the DLQ */
  missing: string[]
  totals: BulkEnd & {purged: number}
}

/** What one purge step did. */
interface PurgeStep {
  purged: number
  skipped: number
}

export async function dlqPurge(conn: StreamsAdapter, req: OpRequest<'dlq:purge'>): Promise<PurgeReport> {
  const f = req.flags
  const dlq = dlqOf(req, optionalArg(req, 0))
  const ids = parseIds(f.ids)
  const where = parseWhere(f.where)
  const dryRun = f['dry-run'] === true
  const ops = conn.dlq
  await ops.assertDlq(dlq)
  if (!dryRun && !f.yes) throw refused(`purge deletes entries of ${dlq} for good`, 'Check with --dry-run, then run again with --yes.')
  const all = !ids && where.length === 0
  const report: PurgeReport = {
    broker: 'redis',
    dlq,
    dryRun,
    all,
    plan: null,
    firstIds: [],
    missing: [],
    totals: {purged: 0, skipped: 0, failed: 0, interrupted: false, error: null, errorCode: null},
  }
  const pages = selectPages(ops, dlq, {ids, where, limit: null})[Symbol.asyncIterator]()
  /** The next page's ids to delete, noting the first ones and the --ids that are not there; null at the end. */
  const nextIds = async (): Promise<string[] | null> => {
    const page = await pages.next()
    if (page.done) return null
    report.missing.push(...page.value.missing)
    const found = page.value.entries.map((e) => e.dlqId)
    for (const id of found) if (report.firstIds.length < FIRST_IDS) report.firstIds.push(id)
    return found
  }

  if (dryRun) {
    const plan = {count: 0}
    for (let found = await nextIds(); found; found = await nextIds()) plan.count += found.length
    report.plan = plan
    return report
  }

  let truncated = false
  const step = async (): Promise<PurgeStep[] | null> => {
    if (all) {
      if (truncated) return null
      truncated = true
      const first = await ops.entries(dlq, {pageSize: FIRST_IDS})[Symbol.asyncIterator]().next()
      if (!first.done) report.firstIds.push(...first.value.map((e) => e.id))
      return [{purged: await ops.truncate(dlq), skipped: 0}]
    }
    const found = await nextIds()
    if (!found) return null
    const purged = await ops.deleteIds(dlq, found)
    // entries gone between the read and the delete, and --ids not in the DLQ, were left alone
    return [{purged, skipped: found.length - purged}]
  }
  const counts = bulkCounts()
  const t = report.totals
  for await (const s of runBulk({step, status: () => 'done', limit: null, rate: null, signal: req.run.signal}, counts)) {
    t.purged += s.purged
    t.skipped += s.skipped
  }
  Object.assign(t, ended(counts))
  t.skipped += report.missing.length
  return report
}
