import type {DlqOps, DlqSummary, MoveMode, ReplayItem, ReplayOutcome} from '../brokers/dlq-types.js'
import {decodeEntry, type DecodedDlqEntry} from '../brokers/redis/dlq-layout.js'
import type {BrokerAdapter} from '../brokers/types.js'
import {usage} from '../errors/cg-error.js'
import type {Progress} from '../output/progress.js'
import {selectPages, type Selection} from './dlq-browse.js'
import {dlqOps, stopCause} from './dlq-move.js'
import {batchSize, RateLimitedBatches} from './dlq-rate.js'
import {fallbackTarget, prefetch, type WhereClause} from './dlq-select.js'

export interface ReplayRequest {
  dlq: string
  source?: string
  ids?: string[]
  where: WhereClause[]
  limit: number | null
  rate: number | null
  dryRun: boolean
  signal: AbortSignal
  progress?: Progress
}

export interface TargetTotals {
  target: string
  mode: MoveMode
  replayed: number
  skipped: number
  failed: number
}

export interface ReplayTotals {
  replayed: number
  /** two-step replays a killed run left half done, finished first (not counted in replayed) */
  resumed: number
  skipped: number
  failed: number
  interrupted: boolean
  error: string | null
  targets: TargetTotals[]
}

export interface ReplayPlan {
  count: number
  /** entries that cannot be replayed (no fields to rebuild, no target) */
  unreplayable: number
  targets: Array<{target: string; mode: MoveMode; count: number; firstIds: string[]}>
  missing: string[]
}

export interface ReplayReport {
  dlq: string
  source: string | null
  dryRun: boolean
  criteria: {ids: string[] | null; where: string[]; limit: number | null; rate: number | null}
  plan: ReplayPlan | null
  /** one outcome per entry, produced while the replay runs (empty for a dry run) */
  entries: AsyncIterable<ReplayOutcome> | ReplayOutcome[]
  /** complete once `entries` has been read */
  totals: ReplayTotals
}

const FIRST_IDS = 10

/** DLQ entries -> their original streams with their original fields, then out of the DLQ. */
export async function replayDlq(adapter: BrokerAdapter, req: ReplayRequest): Promise<ReplayReport> {
  const ops = dlqOps(adapter, 'dlq replay')
  await ops.assertDlq(req.dlq)
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

  const totals: ReplayTotals = {replayed: 0, resumed: 0, skipped: 0, failed: 0, interrupted: false, error: null, targets: []}
  const base = {
    dlq: req.dlq,
    source: req.source ?? null,
    dryRun: req.dryRun === true,
    criteria: {ids: req.ids ?? null, where: req.where.map((w) => `${w.field}=${w.value.toString()}`), limit: req.limit, rate: req.rate},
  }
  if (req.dryRun) return {...base, plan: await plan(ops, req, all(), fallback), entries: [], totals}
  return {...base, plan: null, entries: execute(ops, req, all(), fallback, totals), totals}
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
    if (need.size) for (const raw of await ops.entriesByIds(dlq, [...need].map((s) => s.id))) full.set(raw.id, decodeEntry(raw))
    const entries: Candidate[] = []
    const missing: string[] = []
    for (const s of chosen) {
      const decoded = full.get(s.id)
      if (decoded) entries.push(decoded)
      else if (need.has(s)) missing.push(s.id)
      else entries.push({dlqId: s.id, layout: s.layout, originalStream: s.originalStream, replayFields: s.layout ? [] : null, replayError: s.layout ? null : 'the entry has no original fields'})
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
      if (!t) byTarget.set(target, (t = {target, mode: ops.replayMode(req.dlq, target), count: 0, firstIds: []}))
      t.count++
      if (t.firstIds.length < FIRST_IDS) t.firstIds.push(e.dlqId)
    }
  }
  p.targets = [...byTarget.values()]
  return p
}

async function* execute(ops: DlqOps, req: ReplayRequest, pages: AsyncIterable<CandidatePage>, fallback: string | null, totals: ReplayTotals): AsyncGenerator<ReplayOutcome> {
  const batches = new RateLimitedBatches(req, (items: ReplayItem[]) => ops.replayBatch(req.dlq, items))
  const perTarget = new Map<string, TargetTotals>()
  const resumedTargets = new Set<string>()
  const finished = new Set<string>()
  const count = (o: ReplayOutcome) => {
    totals[o.status]++
    let t = perTarget.get(o.target)
    if (!t) {
      perTarget.set(o.target, (t = {target: o.target, mode: ops.replayMode(req.dlq, o.target), replayed: 0, skipped: 0, failed: 0}))
      totals.targets.push(t)
    }
    t[o.status]++
    return o
  }
  const flush = async function* (): AsyncGenerator<ReplayOutcome> {
    const outcomes = await batches.flush()
    if (!outcomes) return void (totals.interrupted = true)
    for (const o of outcomes) yield count(o)
  }
  try {
    for await (const page of pages) {
      for (const id of page.missing) yield count({dlqId: id, target: fallback ?? '', status: 'skipped', newId: null, note: 'not in the DLQ'})
      for (const e of page.entries) {
        const target = targetOf(e, fallback)
        if (!target) {
          yield count({dlqId: e.dlqId, target: '', status: 'failed', newId: null, note: 'no original_stream and no SOURCE given'})
          continue
        }
        if (!e.replayFields) {
          yield count({dlqId: e.dlqId, target, status: 'failed', newId: null, note: e.replayError})
          continue
        }
        if (target === req.dlq) {
          yield count({dlqId: e.dlqId, target, status: 'failed', newId: null, note: 'its target is the DLQ itself'})
          continue
        }
        if (!resumedTargets.has(target)) {
          resumedTargets.add(target)
          for (const id of await ops.resumeReplays(req.dlq, target)) finished.add(id)
          totals.resumed = finished.size
        }
        // already on the target from a killed run (a page read ahead may still hold it)
        if (finished.has(e.dlqId)) continue
        if (batches.push({dlqId: e.dlqId, target, fields: e.replayFields, ownFields: e.layout === 'a'})) {
          yield* flush()
          if (req.signal.aborted) totals.interrupted = true
          if (totals.interrupted) return
        }
      }
    }
    yield* flush()
  } catch (error) {
    // The report is already being written: record the failure in it (exit 3; 69 when the broker was lost) rather than break the document.
    totals.error = (error as Error).message
    stopCause.set(totals, error)
    totals.failed += batches.waiting
  } finally {
    req.progress?.done()
  }
}
