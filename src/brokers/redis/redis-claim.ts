// cg claim on Redis: XAUTOCLAIM (or XPENDING + XCLAIM with --from) step by step through the bulk runner.
import type {OpRequest, Progress} from '../../core/requests.js'
import type {BulkEnd, ClaimResult} from '../../core/results.js'
import {usage} from '../../errors/cg-error.js'
import {namedArgs, profileValue} from '../../services/args.js'
import {bulkCounts, runBulk, type BulkCounts, type BulkRun} from '../../services/bulk.js'
import {nonNegativeInt} from '../../services/inputs.js'
import {ended} from './redis-bulk.js'
import {STREAM_GROUP} from './redis-inspect.js'
import type {ClaimQuery, ClaimStep, PendingEntry, RepairOps, StreamsAdapter} from './redis-types.js'

/** Entries per claim step: few round trips, and a short enough call not to stall the server. */
const CLAIM_BATCH = 1000

/**
 * One claim step per call (null once the PEL has been gone through or `limit` entries are claimed): an
 * atomic step for runBulk, its outcome the step's ids. A step, not each id, is the runner's item: a
 * claim of 100,000 entries then yields 100 times instead of 100,000 (the per-id yields cost claim-100k
 * about a fifth more CPU), so --count and progress count claimed ids here.
 */
function claimSteps(repair: RepairOps, q: ClaimQuery, limit: number | null, progress?: Progress): BulkRun<ClaimStep>['step'] {
  let cursor: string | null = null
  let done = false
  let left = limit ?? Number.POSITIVE_INFINITY
  return async (max) => {
    if (done || left <= 0) return null
    const step = await repair.claimStep(q, cursor, Math.min(max, left))
    cursor = step.next
    done = cursor === null
    // deleted ids count against XAUTOCLAIM's COUNT, not against --count: only claimed ones were handed over
    left -= step.claimed.length
    progress?.add(step.claimed.length)
    return [step]
  }
}

/** Claim steps through the runner (Ctrl-C between steps, the stopping error recorded in `counts`). */
export async function claimAll(
  repair: RepairOps,
  q: ClaimQuery,
  opts: {limit: number | null; signal: AbortSignal; progress?: Progress},
  counts: BulkCounts,
): Promise<{claimed: string[]; deleted: string[]; skipped: number}> {
  const out = {claimed: [] as string[], deleted: [] as string[], skipped: 0}
  const run: BulkRun<ClaimStep> = {
    step: claimSteps(repair, q, opts.limit, opts.progress),
    status: () => 'done',
    limit: null,
    rate: null,
    batch: CLAIM_BATCH,
    signal: opts.signal,
  }
  for await (const step of runBulk(run, counts)) {
    for (const id of step.claimed) out.claimed.push(id)
    for (const id of step.deleted) out.deleted.push(id)
    out.skipped += step.skipped.length
  }
  return out
}

export interface ClaimTotals extends BulkEnd {
  claimed: number
  /** pending entries whose message was deleted from the stream: dropped from the PEL, not claimed */
  deleted: number
}

export interface RedisClaimResult extends ClaimResult {
  group: string
  sources: string[]
  to: string
  from: string | null
  minIdleMs: number
  justId: boolean
  /** --dry-run: the entries that would be claimed, as XPENDING shows them now; null when claiming */
  plan: {count: number; entries: PendingEntry[]} | null
  claimedIds: string[]
  deletedIds: string[]
  totals: ClaimTotals
}

export async function claim(conn: StreamsAdapter, req: OpRequest<'claim'>): Promise<RedisClaimResult> {
  const [source, group] = namedArgs(req, STREAM_GROUP, 'cg claim [STREAM] [GROUP] --idle MS [--to C]')
  const f = req.flags
  const to = f.to ?? profileValue(req, 'consumer')
  if (to === undefined) throw usage('missing --to', 'Give --to CONSUMER on the command line, or set `consumer:` in the profile.')
  if (f.idle === undefined) throw usage('missing --idle', 'Give the minimum idle time in ms, for example --idle 60000.')
  const minIdleMs = nonNegativeInt(f.idle, '--idle')
  const count = f.count === undefined ? null : nonNegativeInt(f.count, '--count', '1000')
  if (f.from !== undefined && f.from === to) throw usage(`--from and --to both name ${to}`, 'Claim to a different consumer.')
  if (count === 0) throw usage('--count 0 claims nothing', 'Leave --count out to claim every idle entry.')
  // not_found for a missing stream or group before anything moves
  await conn.group(source, group)

  const result: RedisClaimResult = {
    broker: 'redis',
    group,
    sources: [source],
    to,
    from: f.from ?? null,
    minIdleMs,
    justId: f.justid,
    dryRun: f['dry-run'],
    plan: null,
    claimedIds: [],
    deletedIds: [],
    totals: {claimed: 0, deleted: 0, skipped: 0, failed: 0, interrupted: false, error: null, errorCode: null},
  }
  if (f['dry-run']) {
    const entries: PendingEntry[] = []
    for await (const e of conn.pendingEntries({source, group, consumer: f.from, minIdleMs, count})) entries.push(e)
    result.plan = {count: entries.length, entries}
    return result
  }

  const q: ClaimQuery = {source, group, to, from: f.from, minIdleMs, justId: f.justid}
  const counts = bulkCounts()
  const bar = req.run.progress(`claiming to ${to}`, count)
  try {
    const got = await claimAll(conn.repair, q, {limit: count, signal: req.run.signal, progress: bar}, counts)
    result.claimedIds = got.claimed
    result.deletedIds = got.deleted
    Object.assign(result.totals, ended(counts), {claimed: got.claimed.length, deleted: got.deleted.length, skipped: got.skipped})
  } finally {
    bar.done()
  }
  return result
}
