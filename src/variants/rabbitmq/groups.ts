import {groups, type QueueRow} from '../../services/rabbitmq/inspect.js'
import type {Ui} from '../../output/ui.js'
import type {VariantContext} from '../types.js'
import {flag} from './inspect-args.js'

export async function run(ctx: VariantContext): Promise<void> {
  const a = await ctx.rabbitmq()
  const report = await groups(a, {queue: ctx.args.source, vhost: flag(ctx, 'vhost')})
  await ctx.output(report, async (d, ui: Ui) => {
    const rows = Array.isArray(d.groups) ? (async function* () { yield* d.groups as QueueRow[] })() : d.groups
    await ui.rows<QueueRow>(
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
      rows,
      '(no queues)',
    )
  })
}

export function deadLetterText(r: QueueRow): string {
  const d = r.deadLetter
  if (!d) return '-'
  const ex = d.exchange === null ? '(no exchange)' : d.exchange === '' ? '(default exchange)' : d.exchange
  const rk = d.routingKey === null ? '' : ` key ${d.routingKey}`
  const from = d.from === 'arguments' ? 'arguments' : `${d.from} ${d.policy ?? ''}`.trim()
  return `${ex}${rk} (${from})`
}
