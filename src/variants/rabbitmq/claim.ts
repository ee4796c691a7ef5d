import {usage} from '../../errors/cg-error.js'
import type {ConnectionPlan} from '../../brokers/rabbitmq/rabbitmq-claim.js'
import {duration, type Ui} from '../../output/ui.js'
import {nonNegativeInt} from '../../services/inputs.js'
import {claim, type ClaimReport} from '../../services/rabbitmq/claim.js'
import type {VariantContext} from '../types.js'
import {flag, positionals, refuseFlags, warnAll} from './inspect-args.js'

export async function run(ctx: VariantContext): Promise<void> {
  const [queue] = await positionals(ctx, ['QUEUE'], 'cg claim QUEUE --idle MS [--dry-run]')
  refuseFlags(ctx, ['to', 'from', 'count'], 'RabbitMQ cannot hand unacked messages to a chosen consumer: cg claim closes the stuck consumers\' connections, and the broker requeues their messages for any consumer.')
  const idle = flag(ctx, 'idle')
  if (idle === undefined) throw usage('missing --idle', 'Give the minimum channel idle time in ms, for example --idle 60000.')
  const report = await claim(await ctx.rabbitmq(), {queue, minIdleMs: nonNegativeInt(String(idle), '--idle'), dryRun: flag<boolean>(ctx, 'dry-run') ?? false}, ctx.signal)
  warnAll(report.warnings)
  await ctx.output(report, render)
  ctx.exitFor(report)
}

export async function renderPlan(plans: ConnectionPlan[], ui: Ui): Promise<void> {
  for (const p of plans) {
    await ui.line(`connection ${p.connectionName ? `"${p.connectionName}" ` : ''}${p.connection} (user ${p.user ?? 'unknown'}): ${p.channels.length} channel(s), ${p.requeues} unacked to requeue`)
    for (const c of p.channels) {
      const consumers = c.consumers.map((x) => `${x.tag} on ${x.queue}`).join(', ') || 'no consumers'
      await ui.line(`  ${c.target ? '*' : '+'} channel ${c.number ?? '?'}: ${c.unacked ?? 'unknown'} unacked, ${c.idleMs === null ? 'active' : `idle ${duration(c.idleMs)}`}; ${consumers}`)
    }
    const also = p.alsoCloses
    await ui.line(also.channels.length || also.consumers.length ? `  also closes: ${also.channels.length} other channel(s), ${also.consumers.length} other consumer(s)${also.queues.length ? ` on ${also.queues.join(', ')}` : ''}` : '  carries nothing else')
  }
}

async function render(r: ClaimReport, ui: Ui): Promise<void> {
  const idle = `channels idle >= ${duration(r.minIdleMs)} holding unacked messages`
  if (r.plan.length === 0) {
    await ui.line(`Nothing to requeue on ${r.queue} (vhost ${r.vhost}): no consumer ${idle}.`)
  } else {
    await ui.line(`${r.dryRun ? 'Dry run: would close' : r.interrupted ? 'Interrupted: closed' : 'Closed'} ${r.dryRun ? r.plan.length : r.closed.filter((c) => c.closed).length} connection(s) to requeue ${r.requeues} unacked message(s) of ${r.queue} (vhost ${r.vhost}; ${idle}).${r.dryRun ? ' Nothing changed.' : ''}`)
    await renderPlan(r.plan, ui)
  }
  for (const s of r.skipped) await ui.line(`skipped channel ${s.channel}: ${s.reason} (${s.unacked ?? 'unknown'} unacked, ${s.idleMs === null ? 'active' : `idle ${duration(s.idleMs)}`})`)
  for (const c of r.closed.filter((x) => !x.closed)) await ui.line(`FAILED to close ${c.connection}: ${c.error}`)
  const counts = r.after ?? r.before
  await ui.line(`${r.after && !r.dryRun ? 'queue after' : 'queue now'}: ready ${counts.ready ?? 'unknown'} (${counts.readySource === 'amqp' ? 'passive declare' : 'management sample'}), unacked ${counts.unacked ?? 'unknown'} (management sample, may lag ~5 s), consumers ${counts.consumers ?? 'unknown'}`)
}
