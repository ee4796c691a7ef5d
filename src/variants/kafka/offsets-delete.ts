import {usage} from '../../errors/cg-error.js'
import type {Ui} from '../../output/ui.js'
import {deleteKafkaOffsets, type KafkaOffsetsDeleteReport, type OffsetDeleteRow} from '../../brokers/kafka/kafka-repair.js'
import type {VariantContext} from '../types.js'

/** `cg offsets delete GROUP --topic T[:P,P]` on Kafka: OffsetDelete, refused (4) for topics the live group consumes. */
export async function run(ctx: VariantContext): Promise<void> {
  const group = ctx.args.group || (await ctx.profile()).group
  if (!group) throw usage('missing GROUP', 'Give GROUP on the command line, or set `group:` in the profile.')
  const report = await deleteKafkaOffsets(await ctx.kafka(), {group, topics: ctx.flags.topic as string[] | undefined, dryRun: Boolean(ctx.flags['dry-run'])})
  await ctx.output(report, render)
  ctx.exitFor(report)
}

async function render(r: KafkaOffsetsDeleteReport, ui: Ui): Promise<void> {
  const n = r.partitions.filter((p) => p.offset !== null).length
  await ui.line(
    r.dryRun
      ? `Dry run: would delete ${n} committed offset(s) of group ${r.group} (${r.state}). Nothing changed.`
      : `Deleted ${r.deleted} committed offset(s) of group ${r.group}${r.failed ? `; ${r.failed} failed` : ''}.`,
  )
  await ui.table<OffsetDeleteRow>(
    [
      {header: 'TOPIC', get: (x) => x.topic},
      {header: 'PARTITION', get: (x) => x.partition, align: 'right'},
      {header: 'OFFSET', get: (x) => x.offset, align: 'right'},
      {header: 'STATUS', get: (x) => (x.error ? `${x.status}: ${x.error}` : x.status)},
    ],
    r.partitions,
  )
}
