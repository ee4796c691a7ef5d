import {Args, Flags} from '@oclif/core'
import {CgCommand} from '../../base-command.js'
import type {Ui} from '../../output/ui.js'
import {deleteConsumer, type ConsumerDeleteReport} from '../../services/consumer-delete.js'
import {fromTheRight} from '../../services/inputs.js'

export default class ConsumerDelete extends CgCommand<typeof ConsumerDelete> {
  static override summary = 'Remove a consumer: Redis (never silently dropping its pending entries), Kafka member (LeaveGroup), RabbitMQ (closes its connection).'
  static override description =
    'XGROUP DELCONSUMER drops the consumer\'s pending entries for good, so cg refuses (exit 4) while it holds any. --handoff OTHER claims them to OTHER first and deletes the consumer only once it holds none (checked atomically); --force drops them and says how many.'
  static override examples = [
    '<%= config.bin %> consumer delete tasks workers worker-3',
    '<%= config.bin %> consumer delete tasks workers worker-3 --handoff worker-1',
    '<%= config.bin %> consumer delete tasks workers worker-3 --force --dry-run',
  ]
  static override args = {
    source: Args.string({description: 'stream (default: the profile\'s stream)'}),
    group: Args.string({description: 'group (default: the profile\'s group)'}),
    consumer: Args.string({description: 'the consumer to delete'}),
  }
  static override flags = {
    handoff: Flags.string({summary: 'Claim its pending entries to this consumer first.'}),
    force: Flags.boolean({summary: 'Delete even though its pending entries are dropped.', default: false}),
    'dry-run': Flags.boolean({summary: 'Print the plan; change nothing.', default: false}),
  }

  async run(): Promise<void> {
    if (await this.variant()) return
    const [s, g, consumer] = fromTheRight([this.args.source, this.args.group, this.args.consumer], ['STREAM', 'GROUP', 'CONSUMER'])
    const source = await this.orProfile(s, 'stream')
    const group = await this.orProfile(g, 'group')
    const adapter = await this.adapter('consumerDelete', 'consumer delete')
    const report = await deleteConsumer(adapter, {source, group, consumer: consumer!, handoff: this.flags.handoff, force: this.flags.force, dryRun: this.flags['dry-run']}, this.abort.signal)
    await this.output(report, renderConsumerDelete)
    this.exitFor(report)
  }
}

async function renderConsumerDelete(r: ConsumerDeleteReport, ui: Ui): Promise<void> {
  const who = `consumer ${r.consumer} of ${r.source}/${r.group}`
  const h = r.handoff
  if (r.dryRun) {
    const plan =
      r.action === 'handoff' ? `hand its ${r.pending} pending entries to ${h!.to}, then delete it` :
      r.action === 'force' ? `delete it and drop its ${r.pending} pending entries` : 'delete it (it holds no pending entries)'
    await ui.line(`Dry run: would ${plan}: ${who}. Nothing changed.`)
    return
  }
  await ui.line(r.deleted ? `Deleted ${who}.` : `Interrupted before deleting ${who}; run the command again to finish.`)
  const pairs: Array<[string, unknown]> = [['pending before', r.pending]]
  if (h) {
    pairs.push(['handed off', `${h.count} to ${h.to}`])
    if (h.deleted.count) pairs.push(['deleted', `${h.deleted.count} (gone from the stream; dropped from the PEL)`])
  }
  if (r.action === 'force') pairs.push(['dropped', r.dropped])
  await ui.kv(pairs)
}
