import {CgError} from '../../errors/cg-error.js'
import type {Ui} from '../../output/ui.js'
import {consumerDelete, type ConsumerDeleteReport} from '../../services/rabbitmq/claim.js'
import type {VariantContext} from '../types.js'
import {renderPlan} from './claim.js'
import {flag, positionals, warnAll} from './inspect-args.js'

export async function run(ctx: VariantContext): Promise<void> {
  const [queue, tag] = await positionals(ctx, ['QUEUE', 'TAG'], 'cg consumer delete QUEUE TAG [--dry-run]')
  if (flag(ctx, 'handoff') !== undefined) {
    throw new CgError('unsupported', '--handoff is not possible on RabbitMQ', 'The broker cannot hand unacked messages to a chosen consumer: closing the connection requeues them for whichever consumer takes them next.')
  }
  const report = await consumerDelete(await ctx.rabbitmq(), {queue, tag, dryRun: flag<boolean>(ctx, 'dry-run') ?? false})
  warnAll(report.warnings)
  await ctx.output(report, render)
  ctx.exitFor(report)
}

async function render(r: ConsumerDeleteReport, ui: Ui): Promise<void> {
  const who = `consumer ${r.tag} of ${r.queue} (vhost ${r.vhost})`
  if (r.dryRun) await ui.line(`Dry run: would close the connection of ${who}, requeueing ${r.requeues} unacked message(s). Nothing changed.`)
  else if (r.closed) await ui.line(`Closed the connection of ${who}; ${r.requeues} unacked message(s) requeued.`)
  else await ui.line(`FAILED to close the connection of ${who}.`)
  await renderPlan([r.connection], ui)
  if (r.after) await ui.line(`queue after: ready ${r.after.ready ?? 'unknown'} (${r.after.readySource === 'amqp' ? 'passive declare' : 'management sample'}), consumers ${r.after.consumers ?? 'unknown'}`)
}
