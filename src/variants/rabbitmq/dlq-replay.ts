import {CgError} from '../../errors/cg-error.js'
import {progress} from '../../output/progress.js'
import {parseRate, parseWhere} from '../../services/dlq-select.js'
import {replayDlq, type ReplayOutcome, stopCause} from '../../services/rabbitmq/dlq-replay.js'
import type {VariantContext} from '../types.js'

/** cg dlq replay QUEUE: republish dead-lettered messages where they died (confirm, then ack). */
export async function run(ctx: VariantContext): Promise<void> {
  const f = ctx.flags as {dlq?: string; ids?: string[]; where?: string[]; limit?: number; rate?: string; 'dry-run'?: boolean; to?: string; 'to-exchange'?: string; 'routing-key'?: string}
  if (f.ids?.length) throw new CgError('usage', '--ids names Redis entry ids; RabbitMQ messages have none', 'Select by message id with --where message-id=ID (or any header: --where HEADER=VALUE).')
  if (f.to !== undefined) throw new CgError('usage', '--to is for Kafka topics', 'On RabbitMQ use --to-exchange EXCHANGE (and --routing-key KEY).')
  if (f['routing-key'] !== undefined && f['to-exchange'] === undefined) throw new CgError('usage', '--routing-key needs --to-exchange', 'Give both, e.g. --to-exchange orders --routing-key order.created (use --to-exchange "" for the default exchange).')
  const dryRun = Boolean(f['dry-run'])
  const report = await replayDlq(await ctx.rabbitmq(), {
    queue: ctx.args.source,
    dlq: f.dlq,
    toExchange: f['to-exchange'],
    routingKey: f['routing-key'],
    where: parseWhere(f.where),
    limit: f.limit ?? null,
    rate: parseRate(f.rate),
    dryRun,
    signal: ctx.signal,
    progress: dryRun ? undefined : progress('replaying ' + (f.dlq ?? ctx.args.source ?? '')),
  })
  await ctx.output(report, async (d, ui) => {
    await ui.kv([
      ['dlq', d.dlq + (d.resolvedFrom ? `  (dead-letter queue of ${d.resolvedFrom.queue})` : '')],
      ['vhost', d.vhost],
      ['ready', d.ready],
    ])
    await ui.line()
    if (d.plan) {
      const p = d.plan
      await ui.line(`dry run: read ${p.read} messages, ${p.selected} selected, would replay to:`)
      await ui.table(
        [
          {header: 'TARGET', get: (t) => t.target},
          {header: 'EXISTS', get: (t) => (t.exchangeExists ? 'yes' : 'NO')},
          {header: 'MESSAGES', get: (t) => t.count, align: 'right'},
          {header: 'ROUTING KEYS', get: (t) => t.routingKeys.join(' ')},
          {header: 'FIRST MESSAGE IDS', get: (t) => t.firstMessageIds.join(' ')},
        ],
        p.targets,
        '(nothing to replay)',
      )
      if (p.noTarget) await ui.line(ui.color.yellow(`${p.noTarget} messages have no x-death header (give --to-exchange)`))
      if (p.mixedTargets) await ui.line(ui.color.yellow('mixed targets: a replay would refuse all but the first target; choose one with --where x-death.exchange=NAME or --to-exchange'))
      if (p.targets.some((t) => !t.exchangeExists)) await ui.line(ui.color.yellow('a target exchange does not exist: those messages would fail (cg never declares it)'))
      await ui.line(ui.color.dim('Nothing was published or acked. ' + p.sideEffect))
      return
    }
    await ui.rows<ReplayOutcome>(
      [
        {header: '#', get: (o) => o.position, align: 'right'},
        {header: 'MESSAGE-ID', get: (o) => o.messageId},
        {header: 'TARGET', get: (o) => o.target},
        {header: 'ROUTING KEY', get: (o) => o.routingKey},
        {header: 'STATUS', get: (o) => o.status},
        {header: 'NOTE', get: (o) => o.note, empty: ''},
      ],
      d.entries as AsyncIterable<ReplayOutcome>,
      '(nothing to replay)',
      {max: 20, notable: (o) => o.status !== 'replayed'},
    )
    const t = d.totals
    await ui.line()
    await ui.line(`replayed ${t.replayed}, skipped ${t.skipped}, failed ${t.failed}` + (t.notSelected ? ` (${t.notSelected} not selected by --where, left in the DLQ)` : ''))
    if (t.refusedOtherTarget) await ui.line(ui.color.yellow(`mixed targets: ${t.refusedOtherTarget} messages for ${t.otherTargets.join(', ')} refused (this run replayed to ${t.target}); choose with --where x-death.exchange=NAME or --to-exchange`))
    if (t.interrupted) await ui.line(ui.color.yellow('interrupted: run the same command again to finish'))
    if (t.error) await ui.line(ui.color.red(`stopped: ${t.error}`))
  })
  const t = report.totals
  ctx.exitFor({failed: t.failed + t.refusedOtherTarget + (t.error ? 1 : 0), interrupted: t.interrupted, stoppedBy: stopCause.get(t)})
}
