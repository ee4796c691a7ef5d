// cg claim on Redis: XAUTOCLAIM (or XPENDING + XCLAIM with --from) step by step through the bulk runner.
import type {OpRequest} from '../../core/requests.js'
import type {BulkEnd, ClaimResult} from '../../core/results.js'
import {usage} from '../../errors/cg-error.js'
import {namedArgs, profileValue} from '../../services/args.js'
import {bulkCounts, runBulk, type BulkRun, type BulkStatus} from '../../services/bulk.js'
import {nonNegativeInt} from '../../services/inputs.js'
import {ended} from './redis-bulk.js'
import {STREAM_GROUP} from './redis-inspect.js'
import type {ClaimQuery, PendingEntry, RepairOps, StreamsAdapter} from './redis-types.js'

/** Entries per claim step: few round trips, and a short enough call not to stall the server. */
export const CLAIM_BATCH = 1000

/** claimed: now owned by the receiving consumer; deleted: gone from the stream, dropped from the PEL by the server. */
export interface ClaimOutcome {
  id: string
  status: 'claimed' | 'deleted' | 'skipped'
}

/** One claim step per call (null once the PEL has been gone through): an atomic step for runBulk. */
export function claimSteps(repair: RepairOps, q: ClaimQuery): BulkRun<ClaimOutcome>['step'] {
  let cursor: string | null = null
  let done = false
  return async (max) => {
    if (done) return null
    const step = await repair.claimStep(q, cursor, max)
    cursor = step.next
    done = cursor === null
    const out: ClaimOutcome[] = []
    for (const id of step.claimed) out.push({id, status: 'claimed'})
    for (const id of step.deleted) out.push({id, status: 'deleted'})
    for (const id of step.skipped) out.push({id, status: 'skipped'})
    return out
  }
}

/** Only claimed entries count against a limit; deleted and skipped ones were not handed over. */
export function claimStatus(o: ClaimOutcome): BulkStatus {
  return o.status === 'claimed' ? 'done' : 'skipped'
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

  const counts = bulkCounts()
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
  const run: BulkRun<ClaimOutcome> = {step: claimSteps(conn.repair, q), status: claimStatus, limit: count, rate: null, batch: CLAIM_BATCH, signal: req.run.signal, progress: req.run.progress(`claiming to ${to}`, count)}
  const t = result.totals
  for await (const o of runBulk(run, counts)) {
    if (o.status === 'claimed') result.claimedIds.push(o.id)
    else if (o.status === 'deleted') result.deletedIds.push(o.id)
    else t.skipped++
  }
  Object.assign(t, ended(counts), {claimed: result.claimedIds.length, deleted: result.deletedIds.length})
  return result
}
