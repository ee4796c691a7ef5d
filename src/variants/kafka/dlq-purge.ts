import {purgeKafkaDlq} from '../../brokers/kafka/kafka-dlq-browse.js'
import type {VariantContext} from '../types.js'

/** cg dlq purge [SOURCE] [--dlq TOPIC] (--dry-run | --yes) on Kafka: DeleteRecords up to the log end. */
export async function run(ctx: VariantContext): Promise<void> {
  const f = ctx.flags as {dlq?: string; ids?: string[]; where?: string[]; 'dry-run'?: boolean; yes?: boolean}
  const profile = await ctx.profile()
  const report = await purgeKafkaDlq(await ctx.kafka(), {
    source: ctx.args.stream ?? profile.stream,
    dlqFlag: f.dlq,
    profileDlq: profile.dlq,
    dryRun: Boolean(f['dry-run']),
    yes: Boolean(f.yes),
    selective: Boolean(f.ids?.length || f.where?.length),
  })
  await ctx.output(report, async (d, ui) => {
    await ui.line(d.dryRun ? `dry run: would delete ${d.count} records of ${d.dlq} (nothing changed)` : `deleted ${d.count} records of ${d.dlq}`)
    for (const p of d.partitions) if (p.count) await ui.line(ui.color.dim(`  partition ${p.partition}: offsets ${p.from} to ${p.to} (${p.count})`))
  })
}
