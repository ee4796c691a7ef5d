// cg dlq move on Redis: pending entries of a group -> the DLQ, batch by batch through the bulk runner; see
// RedisDlq for the exactly-once mechanics (one script per batch in one slot, a journaled two-step across slots).
import type {OpRequest} from '../../core/requests.js'
import type {BulkEnd, DlqMoveResult} from '../../core/results.js'
import {usage} from '../../errors/cg-error.js'
import {namedArgs} from '../../services/args.js'
import {bulkCounts, type BulkRun, pagedBatches, runBulk} from '../../services/bulk.js'
import {parseRate, prefetch} from '../../services/dlq-select.js'
import {parseIds} from './redis-dlq-select.js'
import {ended} from './redis-bulk.js'
import {dlqOf} from './redis-dlq-browse.js'
import type {DlqOps, MoveCandidate, MoveMode, MoveOutcome, MoveTarget} from './redis-dlq-types.js'
import {STREAM_GROUP} from './redis-inspect.js'
import type {StreamsAdapter} from './redis-types.js'

export interface MoveTotals extends BulkEnd {
  moved: number
  /** entries deleted from the stream while pending: acked, nothing to move */
  deleted: number
  /** two-step moves a killed run left half done, finished first */
  resumed: number
}

export interface MovePlan {
  count: number
  firstIds: string[]
  consumers: Array<{consumer: string; count: number}>
  notPending: string[]
}

interface MoveCriteria {
  maxDeliveries: number | null
  minIdleMs: number | null
  ids: string[] | null
  limit: number | null
  reason: string
}

export interface MoveReport extends DlqMoveResult {
  group: string
  sources: string[]
  dlq: string
  mode: MoveMode
  criteria: MoveCriteria
  /** the dry run's plan; null when executing */
  plan: MovePlan | null
  /** one outcome per entry, produced while the move runs (empty for a dry run) */
  entries: AsyncIterable<MoveOutcome> | MoveOutcome[]
  /** complete once `entries` has been read */
  totals: MoveTotals
}

const FIRST_IDS = 20

interface MoveRequest extends MoveTarget {
  maxDeliveries?: number
  minIdleMs?: number
  ids?: string[]
  limit: number | null
}

export async function dlqMove(conn: StreamsAdapter, req: OpRequest<'dlq:move'>): Promise<MoveReport> {
  const [stream, group] = namedArgs(req, STREAM_GROUP, 'cg dlq move [STREAM] [GROUP] (--max-deliveries N | --min-idle MS | --ids ID...)')
  const f = req.flags
  const dlq = dlqOf(req, stream)
  const ids = parseIds(f.ids)
  const rate = parseRate(f.rate)
  const reason = f.reason ?? (f['max-deliveries'] !== undefined ? 'max_deliveries_exceeded' : f['min-idle'] !== undefined ? 'idle_timeout' : 'moved_by_cg')
  if (f['max-deliveries'] === undefined && f['min-idle'] === undefined && !ids) {
    throw usage('say which entries to move', 'Give --max-deliveries N, --min-idle MS or --ids ID... (they combine).')
  }
  if (stream === dlq) throw usage(`the DLQ ${dlq} is the stream itself`, 'Give another key with --dlq.')
  const ops = conn.dlq
  await conn.pendingSummary(stream, group) // stream and group exist (else exit 5)
  await ops.assertStreamOrAbsent(dlq)

  const mv: MoveRequest = {stream, group, dlq, reason, maxDeliveries: f['max-deliveries'], minIdleMs: f['min-idle'], ids, limit: f.limit ?? null}
  const totals: MoveTotals = {moved: 0, deleted: 0, skipped: 0, failed: 0, resumed: 0, interrupted: false, error: null, errorCode: null}
  const dryRun = f['dry-run'] === true
  const report = {
    broker: 'redis' as const,
    group,
    sources: [stream],
    dlq,
    mode: ops.moveMode(stream, dlq),
    dryRun,
    criteria: {maxDeliveries: mv.maxDeliveries ?? null, minIdleMs: mv.minIdleMs ?? null, ids: ids ?? null, limit: mv.limit, reason},
  }
  if (dryRun) return {...report, plan: await plan(ops, mv), entries: [], totals}
  totals.resumed = await ops.resumeMoves(mv)
  const notPending = new Set<string>()
  const run: BulkRun<MoveOutcome> = {
    step: pagedBatches(candidates(ops, mv, notPending), (batch) => moveStep(ops, mv, batch, notPending)),
    status: (o) => (o.status === 'moved' ? 'done' : o.status === 'failed' ? 'failed' : 'skipped'),
    limit: mv.limit,
    rate,
    signal: req.run.signal,
    progress: req.run.progress('moving to ' + dlq),
  }
  return {...report, plan: null, entries: execute(run, totals), totals}
}

type Page = {pending: MoveCandidate[]; notPending: string[]}

async function* candidatePages(ops: DlqOps, req: MoveRequest): AsyncGenerator<Page> {
  if (req.ids) {
    for (let i = 0; i < req.ids.length; i += 1000) {
      const ids = req.ids.slice(i, i + 1000)
      const pending = await ops.pendingByIds(req.stream, req.group, ids)
      const found = new Set(pending.map((c) => c.id))
      yield {pending, notPending: ids.filter((id) => !found.has(id))}
    }
    return
  }
  for await (const pending of ops.pendingPages(req.stream, req.group, req.minIdleMs)) yield {pending, notPending: []}
}

function selected(c: MoveCandidate, req: MoveRequest): boolean {
  return (req.maxDeliveries === undefined || c.deliveries >= req.maxDeliveries) && (req.minIdleMs === undefined || c.idleMs >= req.minIdleMs)
}

/**
 * The ids to move in PEL order (--ids: in the order given), page by page, the next page read while this
 * one moves. Ids of --ids that are not pending in the group go along, noted in `notPending`, to be
 * reported as skipped in their place.
 */
async function* candidates(ops: DlqOps, req: MoveRequest, notPending: Set<string>): AsyncGenerator<string[]> {
  for await (const page of prefetch(candidatePages(ops, req))) {
    for (const id of page.notPending) notPending.add(id)
    const ids = [...page.notPending]
    for (const c of page.pending) if (selected(c, req)) ids.push(c.id)
    if (ids.length) yield ids
  }
}

/** One atomic step: the batch's pending entries moved in one call, the others skipped. */
async function moveStep(ops: DlqOps, t: MoveTarget, batch: string[], notPending: Set<string>): Promise<MoveOutcome[]> {
  if (notPending.size === 0) return ops.moveBatch(t, batch, Date.now())
  const ids = batch.filter((id) => !notPending.has(id))
  const moved = ids.length ? await ops.moveBatch(t, ids, Date.now()) : []
  let next = 0
  return batch.map((id) => (notPending.has(id) ? {id, status: 'skipped', dlqId: null, note: 'not pending in the group'} : moved[next++]))
}

/** The outcomes of the run as they come; `totals` is complete once they have all been read. */
async function* execute(run: BulkRun<MoveOutcome>, totals: MoveTotals): AsyncGenerator<MoveOutcome> {
  const counts = bulkCounts()
  for await (const o of runBulk(run, counts)) {
    totals[o.status]++
    yield o
  }
  Object.assign(totals, ended(counts))
}

async function plan(ops: DlqOps, req: MoveRequest): Promise<MovePlan> {
  const p: MovePlan = {count: 0, firstIds: [], consumers: [], notPending: []}
  const perConsumer = new Map<string, number>()
  let left = req.limit ?? Number.POSITIVE_INFINITY
  for await (const page of candidatePages(ops, req)) {
    p.notPending.push(...page.notPending)
    for (const c of page.pending) {
      if (left <= 0) break
      if (!selected(c, req)) continue
      left--
      p.count++
      if (p.firstIds.length < FIRST_IDS) p.firstIds.push(c.id)
      perConsumer.set(c.consumer, (perConsumer.get(c.consumer) ?? 0) + 1)
    }
    if (left <= 0) break
  }
  p.consumers = [...perConsumer].map(([consumer, count]) => ({consumer, count}))
  return p
}
