import {parseWhere} from '../../services/dlq-select.js'
import {browseDlq, type BrowseReport} from '../../services/rabbitmq/dlq-browse.js'
import type {Ui} from '../../output/ui.js'
import type {VariantContext} from '../types.js'

/** cg dlq list QUEUE: one row per dead-lettered message with its last death; every message is put back. */
export async function run(ctx: VariantContext): Promise<void> {
  const f = ctx.flags as {dlq?: string; count?: number; where?: string[]}
  const report = await browseDlq(await ctx.rabbitmq(), {
    queue: ctx.args.stream,
    dlq: f.dlq,
    count: f.count ?? null,
    where: parseWhere(f.where),
    maxBody: 256,
    signal: ctx.signal,
  })
  await ctx.output(report, async (d, ui) => {
    await header(d, ui)
    await ui.table(
      [
        {header: '#', get: (m) => m.position, align: 'right'},
        {header: 'MESSAGE-ID', get: (m) => m.messageId},
        {header: 'REASON', get: (m) => m.reason},
        {header: 'DEATHS', get: (m) => m.deaths.reduce((n, x) => n + (x.count ?? 0), 0), align: 'right'},
        {header: 'FROM QUEUE', get: (m) => m.deaths[0]?.queue},
        {header: 'EXCHANGE', get: (m) => (m.deaths[0] ? (m.deaths[0].exchange === '' ? '(default)' : m.deaths[0].exchange) : null)},
        {header: 'ROUTING KEYS', get: (m) => m.deaths[0]?.routingKeys.join(' ')},
        {header: 'DIED AT', get: (m) => m.deaths[0]?.time},
        {header: 'REPLAYS', get: (m) => m.replayCount, align: 'right'},
        {header: 'BODY', get: (m) => short(m.body.encoding === 'utf8' ? m.body.value : `base64:${m.body.value}`, 40)},
      ],
      d.messages,
      '(empty)',
    )
    await ui.line()
    await ui.line(ui.color.yellow(d.sideEffect))
  })
}

export async function header(d: BrowseReport, ui: Ui): Promise<void> {
  await ui.kv([
    ['dlq', d.dlq + (d.resolvedFrom ? `  (dead-letter queue of ${d.resolvedFrom.queue}: its ${d.resolvedFrom.from} x-dead-letter-exchange ${JSON.stringify(d.resolvedFrom.deadLetterExchange)} routes here)` : '')],
    ['vhost', d.vhost],
    ['type', d.queueType],
    ['ready', d.ready],
    ['read', d.read],
    ['shown', d.shown],
  ])
  await ui.line()
}

function short(s: string, n: number): string {
  const one = s.replace(/\s+/g, ' ')
  return one.length > n ? one.slice(0, n - 1) + '…' : one
}
