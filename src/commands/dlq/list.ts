import {Args, Flags} from '@oclif/core'
import {CgCommand} from '../../base-command.js'
import {listDlq} from '../../services/dlq-browse.js'
import {dlqKey, parseWhere} from '../../services/dlq-select.js'

export default class DlqList extends CgCommand<typeof DlqList> {
  static override summary = 'List the entries of a dead-letter stream, topic or queue.'
  static override description = 'One row per entry: DLQ id, original id and stream, consumer, delivery count, reason, failed_at (ms) and layout (a: fields + meta, b: original_data JSON). Read page by page.'
  static override examples = ['<%= config.bin %> dlq list tasks', '<%= config.bin %> dlq list --dlq tasks:dlq --where consumer=worker-1 --json']
  static override args = {stream: Args.string({description: 'stream whose DLQ to read (default: the profile\'s stream)'})}
  static override flags = {
    dlq: Flags.string({summary: 'Dead-letter stream (default: the profile\'s dlq, else STREAM:dlq).'}),
    count: Flags.integer({summary: 'At most N entries (default: all).', min: 1}),
    where: Flags.string({summary: 'Only entries whose FIELD equals VALUE (repeatable; all must match).', multiple: true}),
  }

  async run(): Promise<void> {
    if (await this.variant()) return
    const profile = await this.profile()
    const dlq = dlqKey({flag: this.flags.dlq, profile: profile.dlq, stream: this.args.stream ?? profile.stream})
    const report = await listDlq(await this.adapter('dlq', 'dlq list'), {dlq, where: parseWhere(this.flags.where), count: this.flags.count ?? null})
    await this.output(report, async (d, ui) => {
      await ui.kv([['dlq', d.dlq], ['entries', d.length]])
      await ui.line()
      await ui.rows(
        [
          {header: 'DLQ-ID', get: (r) => r.dlqId},
          {header: 'ORIGINAL-ID', get: (r) => r.originalId},
          {header: 'STREAM', get: (r) => r.originalStream},
          {header: 'CONSUMER', get: (r) => r.consumer},
          {header: 'DELIVERIES', get: (r) => r.deliveryCount, align: 'right'},
          {header: 'REASON', get: (r) => r.reason},
          {header: 'FAILED-AT', get: (r) => (r.failedAt === null ? null : new Date(r.failedAt).toISOString())},
          {header: 'LAYOUT', get: (r) => r.layout},
        ],
        d.entries,
        '(empty)',
      )
    })
  }
}
