// `cg consumer delete`: deleting a Redis consumer drops its pending entries for good, so it is refused
// while the consumer holds any, unless they are handed off first (--handoff) or dropping is asked for (--force).
import type {BrokerAdapter} from '../brokers/types.js'
import {CgError, refused, usage} from '../errors/cg-error.js'
import {warn} from '../output/log.js'
import {progress} from '../output/progress.js'
import {CLAIM_BATCH, repairOps} from './claim.js'

/** A consumer still being fed new entries cannot be handed off forever: give up after this many rounds. */
const HANDOFF_ROUNDS = 20

export interface ConsumerDeleteRequest {
  source: string
  group: string
  consumer: string
  handoff?: string
  force: boolean
  dryRun: boolean
}

export interface ConsumerDeleteReport {
  source: string
  group: string
  consumer: string
  /** delete: held nothing; handoff: claimed to another consumer first; force: dropped its entries */
  action: 'delete' | 'handoff' | 'force'
  dryRun: boolean
  /** pending entries the consumer held when cg looked */
  pending: number
  handoff: {to: string; count: number; ids: string[]; deleted: {count: number; ids: string[]}} | null
  /** pending entries dropped with the consumer (only with --force) */
  dropped: number
  deleted: boolean
  warnings: string[]
  interrupted: boolean
}

export async function deleteConsumer(adapter: BrokerAdapter, req: ConsumerDeleteRequest, signal?: AbortSignal): Promise<ConsumerDeleteReport> {
  const repair = repairOps(adapter, 'consumer delete')
  if (req.handoff !== undefined && req.force) throw usage('--handoff and --force exclude each other', 'Hand the entries off (--handoff OTHER) or drop them (--force), not both.')
  if (req.handoff === req.consumer) throw usage(`--handoff names the consumer being deleted (${req.consumer})`, 'Hand off to another consumer of the group.')
  const row = (await adapter.consumers(req.source, req.group)).find((c) => c.name === req.consumer)
  if (!row) throw new CgError('not_found', `consumer ${req.consumer} does not exist in group ${req.group} of ${req.source}`, `List them with: cg consumers ${req.source} ${req.group}.`)

  const action = req.handoff !== undefined ? 'handoff' : req.force ? 'force' : 'delete'
  const report: ConsumerDeleteReport = {
    source: req.source,
    group: req.group,
    consumer: req.consumer,
    action,
    dryRun: req.dryRun,
    pending: row.pending,
    handoff: req.handoff === undefined ? null : {to: req.handoff, count: 0, ids: [], deleted: {count: 0, ids: []}},
    dropped: 0,
    deleted: false,
    warnings: [],
    interrupted: false,
  }
  const refuse = (n: number) =>
    refused(
      `consumer ${req.consumer} holds ${n} pending ${n === 1 ? 'entry' : 'entries'}; deleting it would drop them for good`,
      `Hand them off first: cg consumer delete ${req.source} ${req.group} ${req.consumer} --handoff OTHER (or --force to drop them).`,
    )
  if (action === 'delete' && row.pending > 0) throw refuse(row.pending)
  if (req.dryRun) {
    if (action === 'force' && row.pending > 0) report.warnings.push(`would drop ${row.pending} pending entries of ${req.consumer}`)
    return report
  }

  if (action === 'force') {
    report.dropped = await repair.deleteConsumer(req.source, req.group, req.consumer)
    report.deleted = true
    if (report.dropped > 0) {
      report.warnings.push(`dropped ${report.dropped} pending entries of ${req.consumer}: they can no longer be claimed or acked`)
      warn(`warning: ${report.warnings[0]}`)
    }
    return report
  }

  if (action === 'delete') {
    const r = await repair.deleteIdleConsumer(req.source, req.group, req.consumer)
    if (!r.deleted) throw refuse(r.pending)
    report.deleted = true
    return report
  }

  // handoff: claim everything it holds to the other consumer, then delete it only if it holds nothing
  const handoff = report.handoff!
  const query = {source: req.source, group: req.group, to: handoff.to, from: req.consumer, minIdleMs: 0, justId: true}
  const bar = progress(`handing ${req.consumer}'s entries to ${handoff.to}`, row.pending)
  try {
    for (let round = 0; round < HANDOFF_ROUNDS; round++) {
      let cursor: string | null = null
      do {
        if (signal?.aborted) {
          report.interrupted = true
          return finish()
        }
        const step = await repair.claimStep(query, cursor, CLAIM_BATCH)
        for (const id of step.claimed) handoff.ids.push(id)
        for (const id of step.deleted) handoff.deleted.ids.push(id)
        bar.add(step.claimed.length)
        cursor = step.next
      } while (cursor !== null)
      const r = await repair.deleteIdleConsumer(req.source, req.group, req.consumer)
      if (r.deleted) {
        report.deleted = true
        return finish()
      }
    }
  } finally {
    bar.done()
  }
  throw refused(
    `consumer ${req.consumer} keeps receiving entries; handed off ${handoff.ids.length} but could not delete it`,
    'Stop the process that reads as this consumer, then run the command again.',
  )

  function finish(): ConsumerDeleteReport {
    handoff.count = handoff.ids.length
    handoff.deleted.count = handoff.deleted.ids.length
    return report
  }
}
