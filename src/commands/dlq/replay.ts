import {Args, Flags} from '@oclif/core'
import {CgCommand} from '../../base-command.js'
import type {ReplayOutcome} from '../../brokers/dlq-types.js'
import {progress} from '../../output/progress.js'
import {stopCause} from '../../services/dlq-move.js'
import {replayDlq} from '../../services/dlq-replay.js'
import {dlqKey, parseIds, parseRate, parseWhere} from '../../services/dlq-select.js'

export default class DlqReplay extends CgCommand<typeof DlqReplay> {
  static override summary = 'Put dead-lettered entries back where they came from, byte for byte, without loss or duplicates across interruptions.'
  static override description = [
    'Reads both layouts: original fields + meta fields (cg, seed dlq_handler.py), and original_id + original_data JSON (StreamConsumer).',
    'Target: the entry\'s original_stream, else SOURCE, else the DLQ key without its ":dlq" suffix.',
    'Exactly once across interruptions: same-slot keys replay in one atomic script per batch; others use a journaled two-step. Run it again to finish an interrupted replay.',
  ].join('\n')
  static override examples = [
    '<%= config.bin %> dlq replay tasks',
    '<%= config.bin %> dlq replay --dlq tasks:dlq --where reason=max_deliveries_exceeded --limit 100 --rate 50/s',
    '<%= config.bin %> dlq replay tasks --dry-run --json',
  ]
  static override args = {source: Args.string({description: 'stream to replay onto when an entry does not name one (default: the profile\'s stream)'})}
  static override flags = {
    dlq: Flags.string({summary: 'Dead-letter stream (default: the profile\'s dlq, else SOURCE:dlq).'}),
    ids: Flags.string({summary: 'Only these DLQ entry ids.', multiple: true}),
    where: Flags.string({summary: 'Only entries whose FIELD equals VALUE (repeatable; all must match).', multiple: true}),
    limit: Flags.integer({summary: 'Replay at most N entries.', min: 1}),
    rate: Flags.string({summary: 'At most N entries per second (N/s or N/m).'}),
    'dry-run': Flags.boolean({summary: 'Print the plan (count per target stream, first ids); change nothing.'}),
    to: Flags.string({summary: 'Kafka: topic to replay to (default: from the record headers, else the DLQ name without its suffix).'}),
    'to-exchange': Flags.string({summary: 'RabbitMQ: exchange to republish to (default: x-death[0].exchange).'}),
    'routing-key': Flags.string({summary: 'RabbitMQ: routing key to republish with (default: x-death[0] routing keys).'}),
  }

  async run(): Promise<void> {
    if (await this.variant()) return
    const f = this.flags
    const profile = await this.profile()
    const source = this.args.source ?? profile.stream
    const dlq = dlqKey({flag: f.dlq, profile: profile.dlq, stream: source})
    const report = await replayDlq(await this.adapter('dlq', 'dlq replay'), {
      dlq,
      source,
      ids: parseIds(f.ids),
      where: parseWhere(f.where),
      limit: f.limit ?? null,
      rate: parseRate(f.rate),
      dryRun: f['dry-run'],
      signal: this.abort.signal,
      progress: f['dry-run'] ? undefined : progress('replaying ' + dlq),
    })
    await this.output(report, async (d, ui) => {
      await ui.kv([['dlq', d.dlq], ['source', d.source]])
      await ui.line()
      if (d.plan) {
        await ui.line(`dry run: would replay ${d.plan.count} entries (nothing changed)`)
        await ui.table(
          [
            {header: 'TARGET', get: (t) => t.target},
            {header: 'MODE', get: (t) => t.mode},
            {header: 'ENTRIES', get: (t) => t.count, align: 'right'},
            {header: 'FIRST IDS', get: (t) => t.firstIds.join(' ')},
          ],
          d.plan.targets,
          '(nothing to replay)',
        )
        if (d.plan.unreplayable) await ui.line(ui.color.yellow(`${d.plan.unreplayable} entries cannot be replayed (see cg dlq peek)`))
        if (d.plan.missing.length) await ui.line(ui.color.yellow(`not in the DLQ: ${d.plan.missing.join(' ')}`))
        return
      }
      await ui.rows<ReplayOutcome>(
        [
          {header: 'DLQ-ID', get: (o) => o.dlqId},
          {header: 'TARGET', get: (o) => o.target},
          {header: 'STATUS', get: (o) => o.status},
          {header: 'NEW-ID', get: (o) => o.newId},
          {header: 'NOTE', get: (o) => o.note, empty: ''},
        ],
        d.entries as AsyncIterable<ReplayOutcome>,
        '(nothing to replay)',
        {max: 20, notable: (o) => o.status !== 'replayed'},
      )
      const t = d.totals
      await ui.line()
      for (const x of t.targets) await ui.line(`${x.target} (${x.mode}): replayed ${x.replayed}, skipped ${x.skipped}, failed ${x.failed}`)
      await ui.line(`replayed ${t.replayed}, skipped ${t.skipped}, failed ${t.failed}` + (t.resumed ? `, resumed ${t.resumed}` : ''))
      if (t.interrupted) await ui.line(ui.color.yellow('interrupted: run the same command again to finish'))
      if (t.error) await ui.line(ui.color.red(`stopped: ${t.error}`))
    })
    this.exitFor({failed: report.totals.failed + (report.totals.error ? 1 : 0), interrupted: report.totals.interrupted, stoppedBy: stopCause.get(report.totals)})
  }
}
