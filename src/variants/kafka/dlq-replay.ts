import {usage} from '../../errors/cg-error.js'
import {progress} from '../../output/progress.js'
import {parseRate, parseWhere} from '../../services/dlq-select.js'
import {replayKafkaDlq} from '../../brokers/kafka/kafka-dlq-replay.js'
import type {VariantContext} from '../types.js'

/** cg dlq replay [SOURCE] [--dlq TOPIC] [--to TOPIC] [--where ...] [--limit N] [--rate N/s] [--dry-run] on Kafka. */
export async function run(ctx: VariantContext): Promise<void> {
  const f = ctx.flags as {dlq?: string; to?: string; ids?: string[]; where?: string[]; limit?: number; rate?: string; 'dry-run'?: boolean; 'to-exchange'?: string; 'routing-key'?: string}
  if (f.ids?.length) throw usage('--ids is for Redis entry ids', 'On Kafka pick records with --where partition=N, --where key=K or --where header.NAME=V, and --limit N.')
  if (f['to-exchange'] || f['routing-key']) throw usage('--to-exchange and --routing-key are for RabbitMQ', 'On Kafka name the target topic with --to TOPIC.')
  const profile = await ctx.profile()
  const dryRun = Boolean(f['dry-run'])
  const report = await replayKafkaDlq(await ctx.kafka(), {
    source: ctx.args.source ?? profile.stream,
    dlqFlag: f.dlq,
    profileDlq: profile.dlq,
    to: f.to,
    where: parseWhere(f.where),
    whereText: f.where ?? [],
    limit: f.limit ?? null,
    rate: parseRate(f.rate),
    dryRun,
    signal: ctx.signal,
    progressFor: dryRun ? undefined : (total) => progress('replaying', total),
  })
  await ctx.output(report, async (d, ui) => {
    await ui.kv([
      ['dlq', d.dlq],
      ['replay group', d.group],
      ['from', d.partitions.map((p) => `${p.partition}:${p.from}${p.committed === null ? '' : ' (resumed)'}`).join(' ') || '(no partitions)'],
    ])
    await ui.line()
    if (d.dryRun) await ui.line(`dry run: would replay ${d.totals.replayed} records (nothing changed)`)
    await ui.table(
      [
        {header: 'TARGET', get: (t) => t.target},
        {header: 'FROM', get: (t) => t.from},
        {header: d.dryRun ? 'RECORDS' : 'REPLAYED', get: (t) => t.replayed, align: 'right'},
        {header: 'FIRST (PARTITION:OFFSET)', get: (t) => t.firstOffsets.join(' ')},
      ],
      d.targets,
      '(nothing to replay)',
    )
    for (const x of d.failures) await ui.line(ui.color.red(`failed ${x.partition}:${x.offset} -> ${x.target ?? '?'}: ${x.error} (partition ${x.partition} stops there)`))
    await ui.line()
    const verb = d.dryRun ? 'would replay' : 'replayed'
    await ui.line(`${verb} ${d.totals.replayed}, skipped ${d.totals.skipped}, failed ${d.totals.failed}` + (d.dryRun ? '' : ` (${d.totals.transactions} transactions)`))
    const skipped = d.partitions.filter((p) => p.firstSkipped !== null)
    if (skipped.length) {
      await ui.line(ui.color.yellow(`skipped records ${d.dryRun ? 'would be' : 'are'} passed over: the replay group ${d.dryRun ? 'would move' : 'moved'} past them (first skipped: ${skipped.map((p) => `${p.partition}:${p.firstSkipped}`).join(' ')})`))
      await ui.line(ui.color.dim(`to replay them later, move the group back: cg reset ${d.group} --topic ${d.dlq}:PARTITION --to-offset OFFSET --execute`))
    }
    if (d.totals.interrupted) await ui.line(ui.color.yellow('interrupted: run the same command again to finish'))
  })
  ctx.exitFor({failed: report.totals.failed, interrupted: report.totals.interrupted})
}
