// cg dlq purge on RabbitMQ: queue.purge removes the ready messages of the DLQ (unacked messages held by
// consumers stay). --dry-run counts them; the real purge needs --yes.
import type {OpRequest} from '../../core/requests.js'
import {bulkEnd, type DlqPurgeResult} from '../../core/results.js'
import {refused} from '../../errors/cg-error.js'
import {bulkCounts, runBulk} from '../../services/bulk.js'
import {optionalName} from './rabbitmq-args.js'
import {purgeQueue} from './rabbitmq-dlq-io.js'
import {requireWrite} from './rabbitmq-permissions.js'
import {checkQueue} from './rabbitmq-reads.js'
import {dlqHeader, resolveDlq, type DlqHeader} from './rabbitmq-dlq-resolve.js'
import type {RabbitAdapter} from './rabbitmq-types.js'

export interface PurgeReport extends DlqHeader, DlqPurgeResult {
  /** ready messages purged (or, with --dry-run, that a purge would remove now) */
  count: number
  /** unacknowledged messages (held by consumers): a purge leaves them; null when the API does not say */
  unacked: number | null
  note: string
}

export async function purgeOp(rabbit: RabbitAdapter, req: OpRequest<'dlq:purge'>): Promise<PurgeReport> {
  return purgeDlq(rabbit, {
    queue: optionalName(req.args[0], 'QUEUE'),
    dlq: optionalName(req.flags.dlq, '--dlq'),
    dryRun: Boolean(req.flags['dry-run']),
    yes: Boolean(req.flags.yes),
    signal: req.run.signal,
  })
}

export async function purgeDlq(
  rabbit: RabbitAdapter,
  req: {queue?: string; dlq?: string; dryRun: boolean; yes: boolean; signal: AbortSignal},
): Promise<PurgeReport> {
  const r = await resolveDlq(rabbit, {queue: req.queue, dlq: req.dlq})
  const {messageCount} = await checkQueue(rabbit, r.dlq)
  const base = {...dlqHeader(rabbit, r), unacked: r.details.messagesUnacked}
  const note =
    'A purge removes ready messages only: messages delivered to a consumer and not yet acknowledged stay (and come back if the consumer does not ack them).'
  if (req.dryRun) return {...base, dryRun: true, count: messageCount, note, totals: {...bulkEnd(), purged: 0}}
  if (!req.yes) throw refused(`purging ${r.dlq} deletes its ${messageCount} ready messages for good`, 'Check with --dry-run, then run again with --yes.')
  // RabbitMQ lets read permission purge a queue; cg asks for write as well, so a read-only user cannot
  await requireWrite(rabbit, 'queue', r.dlq, `purge the DLQ ${r.dlq}`)
  // queue.purge is one atomic step; a broker lost during it ends the run in its totals
  const counts = bulkCounts()
  let purged = 0
  let done = false
  const steps = runBulk<number>(
    {
      step: async () => {
        if (done) return null
        done = true
        return [await purgeQueue(rabbit, r.dlq)]
      },
      status: () => 'done',
      limit: null,
      rate: null,
      batch: 1,
      signal: req.signal,
    },
    counts,
  )
  for await (const n of steps) purged += n
  const {done: _steps, ...end} = counts
  return {...base, dryRun: false, count: purged, note, totals: {...end, purged}}
}
