// `cg consumer delete` on Redis: deleting a consumer drops its pending entries for good, so it is refused
// while the consumer holds any, unless they are handed off first (--handoff) or dropping is asked for (--force).
import type {OpRequest} from '../../core/requests.js'
import type {ChangeResult} from '../../core/results.js'
import {CgError, refused, usage} from '../../errors/cg-error.js'
import {bulkCounts} from '../../services/bulk.js'
import {fromTheRight} from '../../services/inputs.js'
import {claimAll} from './redis-claim.js'
import {orProfile, STREAM_GROUP} from './redis-inspect.js'
import type {StreamsAdapter} from './redis-types.js'

/** A consumer still being fed new entries cannot be handed off forever: give up after this many rounds. */
const HANDOFF_ROUNDS = 20

export interface RedisConsumerDeleteResult extends ChangeResult {
  group: string
  sources: string[]
  consumer: string
  /** delete: held nothing; handoff: claimed to another consumer first; force: dropped its entries */
  action: 'delete' | 'handoff' | 'force'
  /** pending entries the consumer held when cg looked */
  pending: number
  handoff: {to: string; count: number; ids: string[]; deleted: {count: number; ids: string[]}} | null
  /** pending entries dropped with the consumer (only with --force) */
  dropped: number
  deleted: boolean
  warnings: string[]
}

export async function consumerDelete(conn: StreamsAdapter, req: OpRequest<'consumer:delete'>): Promise<RedisConsumerDeleteResult> {
  const [s, g, name] = fromTheRight([req.args[0], req.args[1], req.args[2]], ['STREAM', 'GROUP', 'CONSUMER'])
  const source = orProfile(req, s, STREAM_GROUP[0])
  const group = orProfile(req, g, STREAM_GROUP[1])
  const consumer = name!
  const f = req.flags
  if (f.handoff !== undefined && f.force)
    throw usage('--handoff and --force exclude each other', 'Hand the entries off (--handoff OTHER) or drop them (--force), not both.')
  if (f.handoff === consumer) throw usage(`--handoff names the consumer being deleted (${consumer})`, 'Hand off to another consumer of the group.')
  const row = (await conn.consumers(source, group)).find((c) => c.name === consumer)
  if (!row)
    throw new CgError('not_found', `consumer ${consumer} does not exist in group ${group} of ${source}`, `List them with: cg consumers ${source} ${group}.`)

  const action = f.handoff !== undefined ? 'handoff' : f.force ? 'force' : 'delete'
  const result: RedisConsumerDeleteResult = {
    broker: 'redis',
    dryRun: f['dry-run'],
    group,
    sources: [source],
    consumer,
    action,
    pending: row.pending,
    handoff: f.handoff === undefined ? null : {to: f.handoff, count: 0, ids: [], deleted: {count: 0, ids: []}},
    dropped: 0,
    deleted: false,
    warnings: [],
  }
  const refuse = (n: number) =>
    refused(
      `consumer ${consumer} holds ${n} pending ${n === 1 ? 'entry' : 'entries'}; deleting it would drop them for good`,
      `Hand them off first: cg consumer delete ${source} ${group} ${consumer} --handoff OTHER (or --force to drop them).`,
    )
  if (action === 'delete' && row.pending > 0) throw refuse(row.pending)
  if (f['dry-run']) {
    if (action === 'force' && row.pending > 0) result.warnings.push(`would drop ${row.pending} pending entries of ${consumer}`)
    return result
  }

  if (action === 'force') {
    result.dropped = await conn.repair.deleteConsumer(source, group, consumer)
    result.deleted = true
    if (result.dropped > 0) {
      result.warnings.push(`dropped ${result.dropped} pending entries of ${consumer}: they can no longer be claimed or acked`)
      req.run.warn(result.warnings[0])
    }
    return result
  }

  if (action === 'delete') {
    const r = await conn.repair.deleteIdleConsumer(source, group, consumer)
    if (!r.deleted) throw refuse(r.pending)
    result.deleted = true
    return result
  }

  // handoff: claim everything it holds to the other consumer, then delete it only if it holds nothing
  const h = result.handoff!
  const query = {source, group, to: h.to, from: consumer, minIdleMs: 0, justId: true}
  const bar = req.run.progress(`handing ${consumer}'s entries to ${h.to}`, row.pending)
  try {
    for (let round = 0; round < HANDOFF_ROUNDS; round++) {
      const counts = bulkCounts()
      const got = await claimAll(conn.repair, query, {limit: null, signal: req.run.signal, progress: bar}, counts)
      h.ids = h.ids.concat(got.claimed)
      h.deleted.ids = h.deleted.ids.concat(got.deleted)
      h.count = h.ids.length
      h.deleted.count = h.deleted.ids.length
      const stopped = `after handing ${h.count} of ${consumer}'s entries to ${h.to}; ${consumer} is not deleted`
      if (counts.interrupted) throw new CgError('interrupted', `interrupted ${stopped}`, 'Run the same command again to finish.')
      if (counts.error)
        throw new CgError(
          counts.errorCode ?? 'unexpected',
          `${counts.error} (${stopped})`,
          'Run the same command again to finish: the entries handed off stay with ' + h.to + '.',
        )
      const r = await conn.repair.deleteIdleConsumer(source, group, consumer)
      if (r.deleted) {
        result.deleted = true
        return result
      }
    }
  } finally {
    bar.done()
  }
  throw refused(
    `consumer ${consumer} keeps receiving entries; handed off ${h.count} but could not delete it`,
    'Stop the process that reads as this consumer, then run the command again.',
  )
}
