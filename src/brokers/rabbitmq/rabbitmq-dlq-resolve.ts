// Which queue is the DLQ: `--dlq QUEUE` as given; a positional QUEUE that has a dead-letter exchange
// (argument, else policy) is a source queue, and its DLQ is the one queue bound to that exchange (with
// the dead-letter routing key when one is set); a QUEUE without one is the DLQ itself.
import {bindingsFrom, queueDetails, type Binding, type QueueDetails} from './rabbitmq-dlq-io.js'
import type {Result} from '../../core/results.js'
import {CgError, usage} from '../../errors/cg-error.js'
import type {RabbitAdapter} from './rabbitmq-types.js'

export interface ResolvedDlq {
  dlq: string
  details: QueueDetails
  /** how the DLQ was found from a source queue; null when the queue was named as the DLQ */
  resolvedFrom: {queue: string; deadLetterExchange: string; routingKey: string | null; from: 'argument' | 'policy'} | null
}

/** What every DLQ report (list/peek, replay, purge) starts with: which queue, and how it was found. */
export interface DlqHeader extends Result {
  vhost: string
  dlq: string
  resolvedFrom: ResolvedDlq['resolvedFrom']
  queueType: string | null
}

export function dlqHeader(rabbit: RabbitAdapter, r: ResolvedDlq): DlqHeader {
  return {broker: 'rabbitmq', vhost: rabbit.options.vhost, dlq: r.dlq, resolvedFrom: r.resolvedFrom, queueType: r.details.type}
}

/**
 * The queues a dead-letter exchange delivers to, from its bindings (`bindings`: those whose source is that
 * exchange; none are needed for the default exchange, which routes by queue name): with a dead-letter
 * routing key, the queues bound with that key (or `#` / the empty key), else every bound queue.
 */
export function deadLetterTargets(dlx: {exchange: string; routingKey: string | null}, bindings: readonly Binding[]): string[] {
  if (dlx.exchange === '') return dlx.routingKey ? [dlx.routingKey] : []
  const toQueues = bindings.filter((b) => b.destinationType === 'queue')
  const keyed = dlx.routingKey === null ? toQueues : toQueues.filter((b) => b.routingKey === dlx.routingKey || b.routingKey === '#' || b.routingKey === '')
  return [...new Set((keyed.length ? keyed : toQueues).map((b) => b.destination))]
}

export async function resolveDlq(rabbit: RabbitAdapter, opts: {queue?: string; dlq?: string}): Promise<ResolvedDlq> {
  if (opts.dlq) return {dlq: opts.dlq, details: await queueDetails(rabbit, opts.dlq), resolvedFrom: null}
  if (!opts.queue)
    throw usage('missing QUEUE', 'Give the dead-letter queue (or a source queue that has a dead-letter exchange): cg dlq list QUEUE, or --dlq QUEUE.')
  const details = await queueDetails(rabbit, opts.queue)
  const dlx = details.deadLetterExchange
  if (!dlx) return {dlq: opts.queue, details, resolvedFrom: null}
  const from = {queue: opts.queue, deadLetterExchange: dlx.exchange, routingKey: dlx.routingKey, from: dlx.from}
  const bindings =
    dlx.exchange === ''
      ? []
      : await bindingsFrom(rabbit, dlx.exchange).catch((err) => {
          if (err instanceof CgError && err.code === 'not_found')
            throw new CgError(
              'not_found',
              `queue ${opts.queue} dead-letters to exchange ${dlx.exchange}, which does not exist`,
              'Dead-lettered messages of this queue are dropped; give the DLQ with --dlq.',
            )
          throw err
        })
  const candidates = deadLetterTargets(dlx, bindings)
  if (candidates.length === 0)
    throw new CgError(
      'not_found',
      `no queue is bound to the dead-letter exchange ${JSON.stringify(dlx.exchange)} of ${opts.queue}`,
      'Give the DLQ with --dlq QUEUE.',
    )
  if (candidates.length > 1)
    throw usage(
      `the dead-letter exchange ${JSON.stringify(dlx.exchange)} of ${opts.queue} routes to several queues: ${candidates.join(', ')}`,
      'Name the DLQ: --dlq QUEUE.',
    )
  const dlq = candidates[0]
  if (dlq === opts.queue) return {dlq, details, resolvedFrom: null}
  return {dlq, details: await queueDetails(rabbit, dlq), resolvedFrom: from}
}
