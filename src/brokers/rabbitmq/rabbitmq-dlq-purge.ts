// cg dlq purge on RabbitMQ: queue.purge removes the ready messages of the DLQ (unacked messages held by
// consumers stay). --dry-run counts them; the real purge needs --yes.
import {checkQueue, purgeQueue} from '../../brokers/rabbitmq/rabbitmq-dlq.js'
import type {RabbitAdapter} from '../../brokers/rabbitmq/rabbitmq-types.js'
import {refused} from '../../errors/cg-error.js'
import {dlqHeader, resolveDlq, type DlqHeader} from './dlq-resolve.js'

export interface PurgeReport extends DlqHeader {
  dryRun: boolean
  /** ready messages purged (or, with --dry-run, that a purge would remove now) */
  count: number
  /** unacknowledged messages (held by consumers): a purge leaves them; null when the API does not say */
  unacked: number | null
  note: string
}

export async function purgeDlq(rabbit: RabbitAdapter, req: {queue?: string; dlq?: string; dryRun: boolean; yes: boolean}): Promise<PurgeReport> {
  const r = await resolveDlq(rabbit, {queue: req.queue, dlq: req.dlq})
  const {messageCount} = await checkQueue(rabbit, r.dlq)
  const base = {...dlqHeader(rabbit, r), unacked: r.details.messagesUnacked}
  const note = 'A purge removes ready messages only: messages delivered to a consumer and not yet acknowledged stay (and come back if the consumer does not ack them).'
  if (req.dryRun) return {...base, dryRun: true, count: messageCount, note}
  if (!req.yes) throw refused(`purging ${r.dlq} deletes its ${messageCount} ready messages for good`, 'Check with --dry-run, then run again with --yes.')
  const count = await purgeQueue(rabbit, r.dlq)
  return {...base, dryRun: false, count, note}
}
