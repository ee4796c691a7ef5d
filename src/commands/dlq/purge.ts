import {Args, Flags} from '@oclif/core'
import {CgCommand} from '../../base-command.js'
import {purgeDlq} from '../../services/dlq-browse.js'
import {dlqKey, parseIds, parseWhere} from '../../services/dlq-select.js'

export default class DlqPurge extends CgCommand<typeof DlqPurge> {
  static override summary = 'Delete dead-lettered entries: a Redis DLQ stream (all, or --ids / --where), a Kafka DLQ topic or a RabbitMQ DLQ queue (all).'
  static override description = 'Deleted entries are gone for good: check with --dry-run first, then confirm with --yes. The DLQ key and its groups stay.'
  static override examples = ['<%= config.bin %> dlq purge tasks --dry-run', '<%= config.bin %> dlq purge tasks --where reason=max_deliveries_exceeded --yes']
  static override args = {stream: Args.string({description: 'stream whose DLQ to purge (default: the profile\'s stream)'})}
  static override flags = {
    dlq: Flags.string({summary: 'Dead-letter stream (default: the profile\'s dlq, else STREAM:dlq).'}),
    ids: Flags.string({summary: 'Only these DLQ entry ids.', multiple: true}),
    where: Flags.string({summary: 'Only entries whose FIELD equals VALUE (repeatable; all must match).', multiple: true}),
    'dry-run': Flags.boolean({summary: 'Count what would be deleted; change nothing.'}),
    yes: Flags.boolean({summary: 'Confirm the deletion.'}),
  }

  async run(): Promise<void> {
    if (await this.variant()) return
    const f = this.flags
    const profile = await this.profile()
    const dlq = dlqKey({flag: f.dlq, profile: profile.dlq, stream: this.args.stream ?? profile.stream})
    const report = await purgeDlq(await this.adapter('dlq', 'dlq purge'), {
      dlq,
      ids: parseIds(f.ids),
      where: parseWhere(f.where),
      dryRun: f['dry-run'],
      yes: f.yes,
      signal: this.abort.signal,
    })
    await this.output(report, async (d, ui) => {
      const what = d.all ? 'every entry' : 'the chosen entries'
      await ui.line(d.dryRun ? `dry run: would delete ${d.count} entries of ${d.dlq} (${what}; nothing changed)` : `deleted ${d.count} entries of ${d.dlq} (${what})`)
      if (d.firstIds.length) await ui.line('first ids: ' + d.firstIds.join(' '))
      if (d.missing.length) await ui.line(ui.color.yellow(`not in the DLQ: ${d.missing.join(' ')}`))
      if (d.interrupted) await ui.line(ui.color.yellow('interrupted: run the same command again to finish'))
    })
    this.exitFor(report)
  }
}
