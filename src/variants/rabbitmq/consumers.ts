import {duration, type Ui} from '../../output/ui.js'
import {consumers, type ConsumerRow, type ConsumersReport} from '../../services/rabbitmq/inspect.js'
import type {VariantContext} from '../types.js'
import {positionals, warnAll} from './inspect-args.js'

export async function run(ctx: VariantContext): Promise<void> {
  const [queue] = await positionals(ctx, ['QUEUE'], 'cg consumers QUEUE')
  const report = await consumers(await ctx.rabbitmq(), {queue})
  warnAll(report.warnings)
  await ctx.output(report, render)
}

async function render(d: ConsumersReport, ui: Ui): Promise<void> {
  await ui.line(`queue ${d.queue} (vhost ${d.vhost}): ${d.consumers.length} consumer(s)`)
  await ui.table<ConsumerRow>(
    [
      {header: 'TAG', get: (c) => c.tag},
      {header: 'CHANNEL', get: (c) => c.channel},
      {header: 'CONNECTION-NAME', get: (c) => c.connectionName},
      {header: 'USER', get: (c) => c.user},
      {header: 'PEER', get: (c) => c.peer},
      {header: 'PREFETCH', get: (c) => c.prefetch, align: 'right'},
      {header: 'ACK', get: (c) => c.ackMode},
      {header: 'CH-UNACKED', get: (c) => c.channelUnacked, align: 'right', empty: 'unknown'},
      {header: 'CH-IDLE', get: (c) => (c.channelIdleMs === null ? (c.channelUnacked === null ? null : 'active') : duration(c.channelIdleMs)), align: 'right', empty: 'unknown'},
    ],
    d.consumers,
    `(queue ${d.queue} has no consumers)`,
  )
}
