import type {BrokerAdapter} from '../brokers/types.js'
import type {DlqOps, MoveCandidate, MoveMode, MoveOutcome, MoveTarget} from '../brokers/dlq-types.js'
import {CgError, usage} from '../errors/cg-error.js'
import type {Progress} from '../output/progress.js'
import {RateLimitedBatches} from './dlq-rate.js'
import {prefetch} from './dlq-select.js'

export interface MoveRequest {
  stream: string
  group: string
  dlq: string
  reason: string
  maxDeliveries?: number
  minIdleMs?: number
  ids?: string[]
  limit: number | null
  rate: number | null
  dryRun: boolean
  signal: AbortSignal
  progress?: Progress
}

export interface MoveTotals {
  moved: number
  deleted: number
  skipped: number
  failed: number
  /** two-step moves a killed run left half done, finished first */
  resumed: number
  interrupted: boolean
  error: string | null
}

export interface MovePlan {
  count: number
  firstIds: string[]
  consumers: Array<{consumer: string; count: number}>
  notPending: string[]
}

export interface MoveReport {
  stream: string
  group: string
  dlq: string
  mode: MoveMode
  dryRun: boolean
  criteria: {maxDeliveries: number | null; minIdleMs: number | null; ids: string[] | null; limit: number | null; reason: string}
  /** the dry run's plan; null when executing */
  plan: MovePlan | null
  /** one outcome per entry, produced while the move runs (empty for a dry run) */
  entries: AsyncIterable<MoveOutcome> | MoveOutcome[]
  /** complete once `entries` has been read */
  totals: MoveTotals
}

const FIRST_IDS = 20

/** The error that stopped a run (the report keeps only its message), so the command can exit with its code. */
export const stopCause = new WeakMap<object, unknown>()

/** Pending entries of a group -> the DLQ, batch by batch; see RedisDlq for the exactly-once mechanics. */
export async function moveToDlq(adapter: BrokerAdapter, req: MoveRequest): Promise<MoveReport> {
  const ops = dlqOps(adapter, 'dlq move')
  if (req.maxDeliveries === undefined && req.minIdleMs === undefined && !req.ids) {
    throw usage('say which entries to move', 'Give --max-deliveries N, --min-idle MS or --ids ID... (they combine).')
  }
  if (req.stream === req.dlq) throw usage(`the DLQ ${req.dlq} is the stream itself`, 'Give another key with --dlq.')
  await adapter.pendingSummary(req.stream, req.group) // stream and group exist (else exit 5)
  await ops.assertStreamOrAbsent(req.dlq)

  const target: MoveTarget = {stream: req.stream, group: req.group, dlq: req.dlq, reason: req.reason}
  const mode = ops.moveMode(req.stream, req.dlq)
  const totals: MoveTotals = {moved: 0, deleted: 0, skipped: 0, failed: 0, resumed: 0, interrupted: false, error: null}
  const base = {
    stream: req.stream,
    group: req.group,
    dlq: req.dlq,
    mode,
    dryRun: req.dryRun === true,
    criteria: {maxDeliveries: req.maxDeliveries ?? null, minIdleMs: req.minIdleMs ?? null, ids: req.ids ?? null, limit: req.limit, reason: req.reason},
  }
  if (req.dryRun) return {...base, plan: await plan(ops, req), entries: [], totals}
  return {...base, plan: null, entries: execute(ops, req, target, totals), totals}
}

export function dlqOps(adapter: BrokerAdapter, what: string): DlqOps {
  if (!adapter.dlq) throw new CgError('unsupported', `${what} is not possible on ${adapter.broker}`, 'See cg dlq --help for what each broker supports.')
  return adapter.dlq
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

async function* execute(ops: DlqOps, req: MoveRequest, t: MoveTarget, totals: MoveTotals): AsyncGenerator<MoveOutcome> {
  let left = req.limit ?? Number.POSITIVE_INFINITY
  const batches = new RateLimitedBatches(req, (ids: string[]) => ops.moveBatch(t, ids, Date.now()))
  const count = (o: MoveOutcome) => {
    totals[o.status]++
    return o
  }
  const flush = async function* (): AsyncGenerator<MoveOutcome> {
    const outcomes = await batches.flush()
    if (!outcomes) return void (totals.interrupted = true)
    for (const o of outcomes) yield count(o)
  }
  try {
    totals.resumed = await ops.resumeMoves(t)
    for await (const page of prefetch(candidatePages(ops, req))) {
      for (const id of page.notPending) yield count({id, status: 'skipped', dlqId: null, note: 'not pending in the group'})
      for (const c of page.pending) {
        if (left <= 0) break
        if (!selected(c, req)) continue
        left--
        if (batches.push(c.id)) {
          yield* flush()
          if (req.signal.aborted) totals.interrupted = true
          if (totals.interrupted) return
        }
      }
      if (left <= 0) break
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
