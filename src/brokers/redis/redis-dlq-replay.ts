// cg dlq replay on Redis: DLQ entries -> their original streams with their original fields, byte for byte,
// then out of the DLQ, batch by batch through the bulk runner (exactly once across kills and re-runs: RedisDlq).
import type {OpRequest, RunContext} from '../../core/requests.js'
import type {BulkEnd, DlqReplayResult} from '../../core/results.js'
import {usage} from '../../errors/cg-error.js'
import {optionalArg, profileValue} from '../../services/args.js'
import {bulkCounts, type BulkRun, pagedBatches, runBulk} from '../../services/bulk.js'
import {batchSize} from '../../services/dlq-rate.js'
import {parseRate, parseWhere, prefetch, type WhereClause} from '../../services/dlq-select.js'
import {fallbackTarget, parseIds} from './redis-dlq-select.js'
import {decodeEntry, type DecodedDlqEntry} from './dlq-layout.js'
import {ended} from './redis-bulk.js'
import {dlqOf, selectPages, type Selection} from './redis-dlq-browse.js'
import type {DlqOps, DlqSummary, MoveMode, ReplayItem, ReplayOutcome} from './redis-dlq-types.js'
import type {StreamsAdapter} from './redis-types.js'

interface ReplayRequest {
  dlq: string
  source?: string
  ids?: string[]
  where: WhereClause[]
  limit: number | null
  rate: number | null
}

export interface TargetTotals {
  target: string
  mode: MoveMode
  replayed: number
  skipped: number
  failed: number
}

export interface ReplayTotals extends BulkEnd {
  replayed: number
  /** two-step replays a killed run left half done, finished first (not counted in replayed) */
  resumed: number
  targets: TargetTotals[]
}

export interface ReplayPlan {
  count: number
  /** entries that cannot be replayed (no fields to rebuild, no target) */
  unreplayable: number
  targets: Array<{target: string; mode: MoveMode; count: number; firstIds: string[]}>
  missing: string[]
}

export interface ReplayReport extends DlqReplayResult {
  dlq: string
  /** SOURCE: where entries that do not name their stream go ([] when not given) */
  sources: string[]
  criteria: {ids: string[] | null; where: string[]; limit: number | null; rate: number | null}
  plan: ReplayPlan | null
  /** one outcome per entry, produced while the replay runs (empty for a dry run) */
  entries: AsyncIterable<ReplayOutcome> | ReplayOutcome[]
  /** complete once `entries` has been read */
  totals: ReplayTotals
}

const FIRST_IDS = 10

export async function dlqReplay(conn: StreamsAdapter, req: OpRequest<'dlq:replay'>): Promise<ReplayReport> {
  const f = req.flags
  const source = optionalArg(req, 0) ?? profileValue(req, 'stream')
  const rp: ReplayRequest = {dlq: dlqOf(req, source), source, ids: parseIds(f.ids), where: parseWhere(f.where), limit: f.limit ?? null, rate: parseRate(f.rate)}
  const dryRun = f['dry-run'] === true
  const ops = conn.dlq
  await ops.assertDlq(rp.dlq)
  return replay(ops, rp, dryRun, req.run)
}

/** DLQ entries chosen by the request; a dry run's plan, or the outcomes as the replay runs. */
async function replay(ops: DlqOps, req: ReplayRequest, dryRun: boolean, run: RunContext): Promise<ReplayReport> {
  const fallback = fallbackTarget(req.dlq, req.source)
  if (fallback === req.dlq) throw usage(`SOURCE ${req.source} is the DLQ itself`, 'Name the stream to replay onto, or give the DLQ with --dlq.')
  const pageSize = Math.min(1000, batchSize(req.rate) * 2)
  const sel: Selection = {ids: req.ids, where: req.where, limit: req.limit, pageSize}
  // Without --ids/--where the fields of layout (a) entries never need to leave the server.
  const pages = prefetch(req.ids || req.where.length ? selectPages(ops, req.dlq, sel) : summaryPages(ops, req.dlq, fallback, req.limit, pageSize))

  // Refuse up front (exit 2) when the first entries have nowhere to go, before anything is written.
  const first = await pages.next()
  if (fallback === null && !first.done && first.value.entries.some((e) => !e.originalStream)) {
    throw usage(`entries of ${req.dlq} do not name their stream (no original_stream field)`, 'Give SOURCE: cg dlq replay STREAM --dlq KEY.')
  }
  async function* all(): AsyncGenerator<CandidatePage> {
    if (first.done) return
    yield first.value
    yield* pages
  }

  const totals: ReplayTotals = {replayed: 0, resumed: 0, skipped: 0, failed: 0, interrupted: false, error: null, errorCode: null, targets: []}
  const base = {
    broker: 'redis' as const,
    dlq: req.dlq,
    sources: req.source === undefined ? [] : [req.source],
    dryRun,
    criteria: {ids: req.ids ?? null, where: req.where.map((w) => `${w.field}=${w.value.toString()}`), limit: req.limit, rate: req.rate},
  }
  if (dryRun) return {...base, plan: await plan(ops, req, all(), fallback), entries: [], totals}
  return {...base, plan: null, entries: execute(ops, req, all(), fallback, totals, run), totals}
}

/** A DLQ entry as much as a replay needs of it (a DecodedDlqEntry, or a summary whose fields stay on the server). */
type Candidate = Pick<DecodedDlqEntry, 'dlqId' | 'originalStream' | 'replayFields' | 'replayError'> & {layout: DecodedDlqEntry['layout'] | null}
type CandidatePage = {entries: Candidate[]; missing: string[]}

/**
 * Pages of candidates from summaries: layout (a) entries replayed in one slot are rebuilt by the script
 * (replayFields [] = "the entry's own"); the others are read in full and decoded.
 */
async function* summaryPages(ops: DlqOps, dlq: string, fallback: string | null, limit: number | null, pageSize: number): AsyncGenerator<CandidatePage> {
  let left = limit ?? Number.POSITIVE_INFINITY
  for await (const page of ops.summaries(dlq, {pageSize})) {
    const chosen = page.length > left ? page.slice(0, left) : page
    left -= chosen.length
    const target = (s: DlqSummary) => s.originalStream ?? fallback
    const need = new Set(chosen.filter((s) => s.layout === 'b' || (s.layout === 'a' && target(s) !== null && ops.replayMode(dlq, target(s)!) !== 'atomic')))
    const full = new Map<string, DecodedDlqEntry>()
    if (need.size)
      for (const raw of await ops.entriesByIds(
        dlq,
        [...need].map((s) => s.id),
      ))
        full.set(raw.id, decodeEntry(raw))
    const entries: Candidate[] = []
    const missing: string[] = []
    for (const s of chosen) {
      const decoded = full.get(s.id)
      if (decoded) entries.push(decoded)
      else if (need.has(s)) missing.push(s.id)
      else
        entries.push({
          dlqId: s.id,
          layout: s.layout,
          originalStream: s.originalStream,
          replayFields: s.layout ? [] : null,
          replayError: s.layout ? null : 'the entry has no original fields',
        })
    }
    yield {entries, missing}
    if (left <= 0) return
  }
}

function targetOf(e: Candidate, fallback: string | null): string | null {
  return e.originalStream ?? fallback
}

async function plan(ops: DlqOps, req: ReplayRequest, pages: AsyncIterable<CandidatePage>, fallback: string | null): Promise<ReplayPlan> {
  const p: ReplayPlan = {count: 0, unreplayable: 0, targets: [], missing: []}
  const byTarget = new Map<string, ReplayPlan['targets'][number]>()
  for await (const page of pages) {
    p.missing.push(...page.missing)
    for (const e of page.entries) {
      const target = targetOf(e, fallback)
      if (!target || !e.replayFields) {
        p.unreplayable++
        continue
      }
      p.count++
      let t = byTarget.get(target)
      if (!t) {
        t = {target, mode: ops.replayMode(req.dlq, target), count: 0, firstIds: []}
        byTarget.set(target, t)
      }
      t.count++
      if (t.firstIds.length < FIRST_IDS) t.firstIds.push(e.dlqId)
    }
  }
  p.targets = [...byTarget.values()]
  return p
}

/** A replayable entry, or an outcome known without the broker (nowhere to go, nothing to put back, gone). */
type ReplayStepItem = ReplayItem | ReplayOutcome

const known = (x: ReplayStepItem): x is ReplayOutcome => 'status' in x

/** What each candidate becomes, in order, page by page; targets a killed run left half done are finished first. */
async function* replayItems(
  ops: DlqOps,
  req: ReplayRequest,
  pages: AsyncIterable<CandidatePage>,
  fallback: string | null,
  totals: ReplayTotals,
): AsyncGenerator<ReplayStepItem[]> {
  const resumedTargets = new Set<string>()
  const finished = new Set<string>()
  const fail = (dlqId: string, target: string, note: string | null): ReplayOutcome => ({dlqId, target, status: 'failed', newId: null, note})
  for await (const page of pages) {
    const out: ReplayStepItem[] = page.missing.map(
      (id): ReplayOutcome => ({dlqId: id, target: fallback ?? '', status: 'skipped', newId: null, note: 'not in the DLQ'}),
    )
    for (const e of page.entries) {
      const target = targetOf(e, fallback)
      if (!target) out.push(fail(e.dlqId, '', 'no original_stream and no SOURCE given'))
      else if (!e.replayFields) out.push(fail(e.dlqId, target, e.replayError))
      else if (target === req.dlq) out.push(fail(e.dlqId, target, 'its target is the DLQ itself'))
      else {
        if (!resumedTargets.has(target)) {
          resumedTargets.add(target)
          for (const id of await ops.resumeReplays(req.dlq, target)) finished.add(id)
          totals.resumed = finished.size
        }
        // already on the target from a killed run (a page read ahead may still hold it)
        if (!finished.has(e.dlqId)) out.push({dlqId: e.dlqId, target, fields: e.replayFields, ownFields: e.layout === 'a'})
      }
    }
    if (out.length) yield out
  }
}

/** One atomic step: the batch's replayable entries in one call, the known outcomes in their place. */
async function replayStep(ops: DlqOps, dlq: string, batch: ReplayStepItem[]): Promise<ReplayOutcome[]> {
  const items = batch.filter((x): x is ReplayItem => !known(x))
  const done = items.length ? await ops.replayBatch(dlq, items) : []
  if (items.length === batch.length) return done
  let next = 0
  return batch.map((x) => (known(x) ? x : done[next++]))
}

async function* execute(
  ops: DlqOps,
  req: ReplayRequest,
  pages: AsyncIterable<CandidatePage>,
  fallback: string | null,
  totals: ReplayTotals,
  ctx: RunContext,
): AsyncGenerator<ReplayOutcome> {
  const perTarget = new Map<string, TargetTotals>()
  const run: BulkRun<ReplayOutcome> = {
    step: pagedBatches(replayItems(ops, req, pages, fallback, totals), (batch) => replayStep(ops, req.dlq, batch)),
    status: (o) => (o.status === 'replayed' ? 'done' : o.status),
    limit: req.limit,
    rate: req.rate,
    signal: ctx.signal,
    progress: ctx.progress('replaying ' + req.dlq),
  }
  const counts = bulkCounts()
  for await (const o of runBulk(run, counts)) {
    totals[o.status]++
    let t = perTarget.get(o.target)
    if (!t) {
      t = {target: o.target, mode: ops.replayMode(req.dlq, o.target), replayed: 0, skipped: 0, failed: 0}
      perTarget.set(o.target, t)
      totals.targets.push(t)
    }
    t[o.status]++
    yield o
  }
  Object.assign(totals, ended(counts))
}
