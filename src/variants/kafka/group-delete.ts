import {usage} from '../../errors/cg-error.js'
import type {Ui} from '../../output/ui.js'
import {deleteKafkaGroup, type KafkaGroupDeleteReport} from '../../brokers/kafka/kafka-repair.js'
import type {VariantContext} from '../types.js'
import {kafkaGroupArg} from './reset.js'

/** `cg group delete GROUP` on Kafka: DeleteGroups; refused (exit 4) while the group has members. */
export async function run(ctx: VariantContext): Promise<void> {
  const group = await kafkaGroupArg(ctx)
  if (ctx.flags.force) throw usage('--force has no meaning on Kafka: the broker never deletes a group with members (NON_EMPTY_GROUP)', 'Stop its consumers or remove them with `cg consumer delete`, then delete the group.')
  const report = await deleteKafkaGroup(await ctx.kafka(), {group, dryRun: Boolean(ctx.flags['dry-run'])})
  await ctx.output(report, render)
}

async function render(r: KafkaGroupDeleteReport, ui: Ui): Promise<void> {
  const what = `group ${r.group} (${r.state}${r.protocol ? `, ${r.protocol} protocol` : ''}) with committed offsets on ${r.committedPartitions} partition(s)${r.topics.length ? ` of ${r.topics.join(', ')}` : ''}`
  await ui.line(r.dryRun ? `Dry run: would delete ${what}. Nothing changed.` : `Deleted ${what}.`)
}
