import {usage} from '../../errors/cg-error.js'
import type {Column} from '../../output/ui.js'
import {pendingReport, type PartitionRow} from '../../brokers/kafka/kafka-lag.js'
import type {VariantContext} from '../types.js'
import {groupAndTopic} from './consumers.js'

/** The columns of kafka-consumer-groups.sh --describe. */
export const DESCRIBE_COLUMNS: Array<Column<PartitionRow>> = [
  {header: 'TOPIC', get: (r) => r.topic},
  {header: 'PARTITION', get: (r) => r.partition, align: 'right'},
  {header: 'CURRENT-OFFSET', get: (r) => r.currentOffset, align: 'right'},
  {header: 'LOG-END-OFFSET', get: (r) => r.logEndOffset, align: 'right'},
  {header: 'LAG', get: (r) => r.lag, align: 'right'},
  {header: 'CONSUMER-ID', get: (r) => r.consumerId},
  {header: 'HOST', get: (r) => r.host},
  {header: 'CLIENT-ID', get: (r) => r.clientId},
]

/** `cg pending GROUP` on Kafka: per partition current offset, log-end offset, lag and owner. */
export async function run(ctx: VariantContext): Promise<void> {
  if (ctx.args.consumer !== undefined) throw usage('cg pending on Kafka takes [TOPIC] GROUP', 'Kafka lag is per partition, not per member: cg consumers GROUP shows who owns which partition.')
  for (const f of ['min-idle', 'count', 'start', 'end']) {
    if (ctx.flags[f] !== undefined) throw usage(`--${f} has no meaning on Kafka`, 'cg pending GROUP lists every partition of the group.')
  }
  const {group, topic} = await groupAndTopic(ctx)
  const report = await pendingReport(await ctx.kafka(), group, topic)
  await ctx.output(report, async (d, ui) => {
    await ui.kv([
      ['group', d.group],
      ['state', d.state],
      ['protocol', d.protocol],
      ['members', d.members],
      ['lag', d.lag ?? 'unknown'],
    ])
    await ui.line()
    await ui.table(DESCRIBE_COLUMNS, d.partitions, `(group ${d.group} has no committed offsets and no assigned partitions)`)
  })
}
