import {usage} from '../../errors/cg-error.js'
import {parseRecordId} from '../../brokers/kafka/kafka-dlq-target.js'
import {peekKafkaDlq} from '../../brokers/kafka/kafka-dlq-browse.js'
import type {VariantContext} from '../types.js'

/** cg dlq peek [SOURCE] [PARTITION:OFFSET] [--dlq TOPIC] [--count N] on Kafka: read-only. */
export async function run(ctx: VariantContext): Promise<void> {
  const f = ctx.flags as {dlq?: string; count?: number}
  const profile = await ctx.profile()
  let {stream, id} = ctx.args
  // `cg dlq peek --dlq TOPIC 0:42`: with the DLQ named, a lone PARTITION:OFFSET argument is the record
  if (id === undefined && stream !== undefined && parseRecordId(stream)) [stream, id] = [undefined, stream]
  const rid = id === undefined ? undefined : parseRecordId(id)
  if (rid === null) throw usage(`${JSON.stringify(id)} is not PARTITION:OFFSET`, 'For example: cg dlq peek orders 0:42 (see cg dlq list for partitions and offsets).')
  const report = await peekKafkaDlq(await ctx.kafka(), {source: stream ?? profile.stream, dlqFlag: f.dlq, profileDlq: profile.dlq, id: rid, count: f.count ?? 10})
  await ctx.output(report, async (d, ui) => {
    let n = 0
    for await (const e of d.entries) {
      if (n++) await ui.line()
      await ui.line(ui.color.bold(`${d.dlq} ${e.partition}:${e.offset}`) + ui.color.dim(`  ${new Date(e.timestamp).toISOString()}`))
      await ui.kv([
        ['key', e.keyEncoding === 'base64' ? `${e.key} (base64)` : e.key],
        ['target', e.target === null ? null : `${e.target} (from ${e.targetFrom})`],
        ...e.headerList.map((h) => [`header ${h.name}`, h.encoding === 'base64' ? `${h.value} (base64)` : h.value] as [string, unknown]),
        ['value', e.valueEncoding === 'base64' ? `${e.value} (base64)` : e.value],
      ])
    }
    if (!n) await ui.line(ui.color.dim('(empty)'))
  })
}
