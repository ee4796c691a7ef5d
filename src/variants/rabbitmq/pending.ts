import {duration, type Ui} from '../../output/ui.js'
import {pending, type PendingChannel, type PendingReport} from '../../services/rabbitmq/inspect.js'
import type {VariantContext} from '../types.js'
import {positionals, refuseFlags, warnAll} from './inspect-args.js'

export async function run(ctx: VariantContext): Promise<void> {
  const [queue] = await positionals(ctx, ['QUEUE'], 'cg pending QUEUE')
  refuseFlags(ctx, ['min-idle', 'count', 'start', 'end'], 'RabbitMQ shows unacked counts per consumer channel, not single messages; use `cg claim QUEUE --idle MS` to requeue a stuck channel\'s messages.')
  const report = await pending(await ctx.rabbitmq(), {queue})
  warnAll(report.warnings)
  await ctx.output(report, render)
}

const src = (s: string) => (s === 'amqp' ? 'passive declare' : 'management sample')

async function render(d: PendingReport, ui: Ui): Promise<void> {
  const s = d.summary
  await ui.kv([
    ['queue', `${d.queue} (vhost ${d.vhost}, ${d.type})`],
    ['ready', `${s.ready ?? 'unknown'} (${src(s.readySource)}${s.readySource === 'amqp' && s.management.ready !== s.ready ? `; the sample says ${s.management.ready ?? 'unknown'}` : ''})`],
    ['unacked', `${s.unacked ?? 'unknown'} (${src(s.unackedSource)})`],
    ['consumers', `${s.consumers ?? 'unknown'} (${src(s.consumersSource)})`],
  ])
  await ui.line()
  await ui.table<PendingChannel>(
    [
      {header: 'CHANNEL', get: (c) => c.channel},
      {header: 'CONNECTION-NAME', get: (c) => c.connectionName},
      {header: 'PEER', get: (c) => c.peer},
      {header: 'CONSUMERS', get: (c) => c.consumers.join(', ')},
      {header: 'PREFETCH', get: (c) => c.prefetch, align: 'right'},
      {header: 'UNACKED', get: (c) => c.unacked, align: 'right', empty: 'unknown'},
      {header: 'IDLE', get: (c) => (c.idleMs === null ? (c.unacked === null ? null : 'active') : duration(c.idleMs)), align: 'right', empty: 'unknown'},
      {header: 'ALSO-CONSUMES', get: (c) => c.alsoConsumes.join(', ') || '-'},
    ],
    d.channels,
    '(no consumer channels)',
  )
}
