import {usage} from '../../errors/cg-error.js'
import type {Ui} from '../../output/ui.js'
import {lag, type LagReport, type LagRow} from '../../services/rabbitmq/inspect.js'
import type {VariantContext} from '../types.js'
import {flag, refuseFlags} from './inspect-args.js'

export async function run(ctx: VariantContext): Promise<void> {
  refuseFlags(ctx, ['stream', 'topic', 'window', 'samples'], 'On RabbitMQ: cg lag [QUEUE] [--vhost V].')
  if (ctx.args.group === '') throw usage('empty QUEUE', 'Give a queue name, or leave it out for every queue (cg groups lists them).')
  const report = await lag(await ctx.rabbitmq(), {queue: ctx.args.group, vhost: flag(ctx, 'vhost')})
  await ctx.output(report, render)
}

async function render(d: LagReport, ui: Ui): Promise<void> {
  const rows = Array.isArray(d.groups) ? (async function* () { yield* d.groups as LagRow[] })() : d.groups
  await ui.rows<LagRow>(
    [
      {header: 'VHOST', get: (r) => r.vhost},
      {header: 'QUEUE', get: (r) => r.queue},
      {header: 'TYPE', get: (r) => r.type},
      {header: 'BACKLOG', get: (r) => r.ready, align: 'right', empty: 'unknown'},
      {header: 'UNACKED', get: (r) => r.unacked, align: 'right', empty: 'unknown'},
      {header: 'CONSUMERS', get: (r) => r.consumers, align: 'right', empty: 'unknown'},
      {header: 'RATE/S', get: (r) => (r.readyRate === null ? null : r.readyRate.toFixed(1)), align: 'right', empty: 'unknown'},
      {header: 'SOURCE', get: (r) => (r.readySource === 'amqp' ? 'passive declare' : 'management sample')},
    ],
    rows,
    '(no queues)',
  )
}
