import {parseWhere} from '../../services/dlq-select.js'
import {listKafkaDlq} from '../../brokers/kafka/kafka-dlq-browse.js'
import type {VariantContext} from '../types.js'

/** cg dlq list [SOURCE] [--dlq TOPIC] [--where ...] [--count N] on Kafka: read-only (no group, no commit). */
export async function run(ctx: VariantContext): Promise<void> {
  const f = ctx.flags as {dlq?: string; count?: number; where?: string[]}
  const profile = await ctx.profile()
  const report = await listKafkaDlq(await ctx.kafka(), {
    source: ctx.args.stream ?? profile.stream,
    dlqFlag: f.dlq,
    profileDlq: profile.dlq,
    where: parseWhere(f.where),
    count: f.count ?? null,
  })
  await ctx.output(report, async (d, ui) => {
    await ui.kv([['dlq', d.dlq], ['records', d.length], ['partitions', d.partitions.map((p) => `${p.partition}:${p.start}-${p.end}`).join(' ')]])
    await ui.line()
    await ui.rows(
      [
        {header: 'PARTITION:OFFSET', get: (r) => `${r.partition}:${r.offset}`},
        {header: 'TIMESTAMP', get: (r) => new Date(r.timestamp).toISOString()},
        {header: 'KEY', get: (r) => (r.keyEncoding === 'base64' ? `${r.key} (base64)` : r.key)},
        {header: 'TARGET', get: (r) => (r.target === null ? null : `${r.target} (${r.targetFrom})`)},
        {header: 'REPLAYS', get: (r) => r.replayCount, align: 'right'},
        {header: 'BYTES', get: (r) => r.valueBytes, align: 'right'},
        {header: 'REASON', get: (r) => (r.reason && r.reason.length > 60 ? r.reason.slice(0, 57) + '...' : r.reason)},
      ],
      d.entries,
      '(empty)',
    )
  })
}
