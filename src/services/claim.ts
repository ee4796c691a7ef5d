import type {BrokerAdapter, PendingEntry} from '../brokers/types.js'
import type {RepairOps} from '../brokers/repair-types.js'
import {CgError, usage} from '../errors/cg-error.js'
import {progress} from '../output/progress.js'

/** Entries per claim step: few round trips, and a short enough call not to stall the server. */
export const CLAIM_BATCH = 1000

export interface ClaimRequest {
  source: string
  group: string
  to: string
  from?: string
  minIdleMs: number
  /** null: every idle entry */
  count: number | null
  justId: boolean
  dryRun: boolean
}

export interface ClaimReport {
  source: string
  group: string
  to: string
  from: string | null
  minIdleMs: number
  justId: boolean
  dryRun: boolean
  claimed: {count: number; ids: string[]}
  /** pending entries whose message was deleted from the stream: dropped from the PEL, not claimed */
  deleted: {count: number; ids: string[]}
  /** entries left where they were (no longer idle enough when claimed) */
  skipped: number
  /** --dry-run: the entries that would be claimed, as XPENDING shows them now */
  plan?: {count: number; entries: PendingEntry[]}
  interrupted: boolean
}

export function repairOps(adapter: BrokerAdapter, what: string): RepairOps {
  if (!adapter.repair) throw new CgError('unsupported', `${what} is not possible on ${adapter.broker}`, 'See `cg --help` for what each broker supports.')
  return adapter.repair
}

export async function claim(adapter: BrokerAdapter, req: ClaimRequest, signal?: AbortSignal): Promise<ClaimReport> {
  const repair = repairOps(adapter, 'claim')
  if (req.from !== undefined && req.from === req.to) throw usage(`--from and --to both name ${req.to}`, 'Claim to a different consumer.')
  if (req.count === 0) throw usage('--count 0 claims nothing', 'Leave --count out to claim every idle entry.')
  // not_found for a missing stream or group before anything moves
  await repair.group(req.source, req.group)
  const report: ClaimReport = {
    source: req.source,
    group: req.group,
    to: req.to,
    from: req.from ?? null,
    minIdleMs: req.minIdleMs,
    justId: req.justId,
    dryRun: req.dryRun,
    claimed: {count: 0, ids: []},
    deleted: {count: 0, ids: []},
    skipped: 0,
    interrupted: false,
  }

  if (req.dryRun) {
    const entries: PendingEntry[] = []
    const query = {source: req.source, group: req.group, consumer: req.from, minIdleMs: req.minIdleMs, count: req.count}
    for await (const e of adapter.pendingEntries(query)) entries.push(e)
    report.plan = {count: entries.length, entries}
    return report
  }

  const query = {source: req.source, group: req.group, to: req.to, from: req.from, minIdleMs: req.minIdleMs, justId: req.justId}
  const bar = progress(`claiming to ${req.to}`, req.count)
  const claimed = report.claimed.ids
  const deleted = report.deleted.ids
  let cursor: string | null = null
  let remaining = req.count ?? Number.POSITIVE_INFINITY
  try {
    do {
      if (signal?.aborted) {
        report.interrupted = true
        break
      }
      const step = await repair.claimStep(query, cursor, Math.min(CLAIM_BATCH, remaining))
      for (const id of step.claimed) claimed.push(id)
      for (const id of step.deleted) deleted.push(id)
      report.skipped += step.skipped
      // deleted ids count against XAUTOCLAIM's COUNT, so they count against --count too
      remaining -= step.claimed.length + step.deleted.length
      bar.add(step.claimed.length)
      cursor = step.next
    } while (cursor !== null && remaining > 0)
  } finally {
    bar.done()
  }
  report.claimed.count = claimed.length
  report.deleted.count = deleted.length
  return report
}
