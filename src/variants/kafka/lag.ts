import {usage} from '../../errors/cg-error.js'
import {debug} from '../../output/log.js'
import {lagReport, type GroupLag, type PartitionRow} from '../../brokers/kafka/kafka-lag.js'
import {parseWindow} from '../../brokers/kafka/kafka-lag-window.js'
import type {VariantContext} from '../types.js'
import {DESCRIBE_COLUMNS} from './pending.js'

/**
 * `cg lag [GROUP] [--topic T] [--window DURATION [--samples N]]` on Kafka: per group and partition lag
 * (the kafka-consumer-groups.sh --describe numbers); with --window, a status per partition and group.
 */
export async function run(ctx: VariantContext): Promise<void> {
  if (ctx.flags.stream !== undefined) throw usage('--stream has no meaning on Kafka', 'Use --topic T.')
  const windowFlag = ctx.flags.window as string | undefined
  const samples = ctx.flags.samples as number | undefined
  if (samples !== undefined && windowFlag === undefined) throw usage('--samples needs --window', 'Give --window DURATION, e.g. --window 30s --samples 5.')
  const windowMs = windowFlag === undefined ? undefined : parseWindow(windowFlag)
  const topic = ctx.flags.topic as string | undefined
  const group = ctx.args.group
  const tty = !ctx.json && process.stderr.isTTY
  const report = await lagReport(await ctx.kafka(), {
    group,
    topic,
    windowMs,
    samples,
    signal: ctx.signal,
    onSample: (i, n) => {
      if (tty) process.stderr.write(`\r\x1b[Ksampled offsets ${i}/${n} over ${windowFlag}${i === n ? '\n' : ''}`)
      else debug(`lag window: sample ${i}/${n} taken`)
    },
  })
  await ctx.output(report, async (d, ui) => {
    const windowed = d.window !== null
    if (windowed) {
      await ui.table<GroupLag>(
        [
          {header: 'GROUP', get: (g) => g.group},
          {header: 'STATE', get: (g) => g.state},
          {header: 'MEMBERS', get: (g) => g.members, align: 'right'},
          {header: 'LAG', get: (g) => g.lag, align: 'right', empty: 'unknown'},
          {header: 'STATUS', get: (g) => g.status, empty: 'unknown'},
        ],
        d.groups,
        '(no consumer groups)',
      )
      await ui.line()
    }
    const rows = (async function* () {
      for (const g of d.groups) for (const p of g.partitions) yield {...p, group: g.group}
    })()
    await ui.rows<PartitionRow & {group: string}>(
      [
        {header: 'GROUP', get: (r) => r.group},
        ...DESCRIBE_COLUMNS,
        ...(windowed
          ? [
              {header: 'MOVED', get: (r: PartitionRow) => r.offsetDelta, align: 'right' as const},
              {header: 'STATUS', get: (r: PartitionRow) => r.status, empty: 'unknown'},
            ]
          : []),
      ],
      rows,
      group ? `(group ${group} has no committed offsets and no assigned partitions)` : '(no consumer groups)',
    )
  })
}
