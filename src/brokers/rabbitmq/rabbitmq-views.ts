// How RabbitMQ results read in a terminal: one table style (src/output/ui.ts), the common wording of
// src/output/wording.ts.
import type {Operation} from '../../core/operations.js'
import type {GroupCore, GroupsResult} from '../../core/results.js'
import type {HumanView} from '../../output/view-types.js'
import type {QueueRow} from '../../services/rabbitmq/inspect.js'

type RabbitGroupRow = GroupCore & QueueRow

export const views: Partial<Record<Operation, HumanView>> = {
  groups: (async (d, ui) => {
    await ui.rows(
      [
        {header: 'VHOST', get: (r) => r.vhost},
        {header: 'QUEUE', get: (r) => r.queue},
        {header: 'TYPE', get: (r) => r.type},
        {header: 'CONSUMERS', get: (r) => r.consumers, align: 'right', empty: 'unknown'},
        {header: 'READY', get: (r) => r.ready, align: 'right', empty: 'unknown'},
        {header: 'UNACKED', get: (r) => r.unacked, align: 'right', empty: 'unknown'},
        {header: 'UTILISATION', get: (r) => (r.consumerUtilisation === null ? null : `${Math.round(r.consumerUtilisation * 100)}%`), align: 'right', empty: 'unknown'},
        {header: 'DEAD-LETTER', get: (r) => deadLetterText(r)},
      ],
      d.groups,
      '(no queues)',
    )
  }) satisfies HumanView<GroupsResult<RabbitGroupRow>>,
}

export function deadLetterText(r: QueueRow): string {
  const d = r.deadLetter
  if (!d) return '-'
  const ex = d.exchange === null ? '(no exchange)' : d.exchange === '' ? '(default exchange)' : d.exchange
  const rk = d.routingKey === null ? '' : ` key ${d.routingKey}`
  const from = d.from === 'arguments' ? 'arguments' : `${d.from} ${d.policy ?? ''}`.trim()
  return `${ex}${rk} (${from})`
}
