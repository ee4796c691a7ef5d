import {groupsReport, type KafkaGroupRow} from '../../brokers/kafka/kafka-lag.js'
import type {VariantContext} from '../types.js'

/** `cg groups [TOPIC]` on Kafka: every group of both protocols (classic and consumer/KIP-848). */
export async function run(ctx: VariantContext): Promise<void> {
  const report = await groupsReport(await ctx.kafka(), ctx.args.source)
  await ctx.output(report, async (d, ui) => {
    await ui.table<KafkaGroupRow>(
      [
        {header: 'GROUP', get: (r) => r.group},
        {header: 'STATE', get: (r) => r.state},
        {header: 'PROTOCOL', get: (r) => r.protocol},
        {header: 'MEMBERS', get: (r) => r.members, align: 'right'},
        {header: 'LAG', get: (r) => r.lag, align: 'right', empty: 'unknown'},
        {header: 'TOPICS', get: (r) => r.topics.join(',')},
      ],
      d.groups,
      ctx.args.source ? `(no consumer group has offsets on ${ctx.args.source})` : '(no consumer groups)',
    )
  })
}
