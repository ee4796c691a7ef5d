import {CgError} from '../../errors/cg-error.js'
import {purgeDlq} from '../../services/rabbitmq/dlq-purge.js'
import type {VariantContext} from '../types.js'

/** cg dlq purge QUEUE --dry-run | --yes: removes the DLQ's ready messages (queue.purge). */
export async function run(ctx: VariantContext): Promise<void> {
  const f = ctx.flags as {dlq?: string; ids?: string[]; where?: string[]; 'dry-run'?: boolean; yes?: boolean}
  if (f.ids?.length || f.where?.length) throw new CgError('unsupported', 'dlq purge on RabbitMQ removes every ready message of the queue; --ids and --where are not possible', 'To keep some, move the others out first (cg dlq replay --where ...), or purge everything.')
  const report = await purgeDlq(await ctx.rabbitmq(), {queue: ctx.args.stream, dlq: f.dlq, dryRun: Boolean(f['dry-run']), yes: Boolean(f.yes)})
  await ctx.output(report, async (d, ui) => {
    await ui.line(d.dryRun ? `dry run: a purge of ${d.dlq} would remove ${d.count} ready messages now (nothing changed)` : `purged ${d.count} ready messages from ${d.dlq}`)
    if (d.unacked) await ui.line(ui.color.yellow(`${d.unacked} unacknowledged messages (held by consumers) are not purged`))
    await ui.line(ui.color.dim(d.note))
  })
}
