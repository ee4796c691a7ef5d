import {Args, Flags} from '@oclif/core'
import {CgCommand} from '../../base-command.js'
import {isStreamId} from '../../brokers/redis/stream-id.js'
import {peekDlq} from '../../services/dlq-browse.js'
import {dlqKey} from '../../services/dlq-select.js'

export default class DlqPeek extends CgCommand<typeof DlqPeek> {
  static override summary = 'Show dead-lettered entries in full (fields, headers, x-death history).'
  static override description = 'Values print as text when they are valid UTF-8, else as base64 (the JSON says which in "encoding"). Also shows the fields a replay would put back.'
  static override examples = ['<%= config.bin %> dlq peek tasks', '<%= config.bin %> dlq peek tasks 1700000000000-0 --json', '<%= config.bin %> dlq peek --dlq tasks:dlq --count 3']
  static override args = {
    stream: Args.string({description: 'stream whose DLQ to read (default: the profile\'s stream)'}),
    id: Args.string({description: 'one DLQ entry id'}),
  }
  static override flags = {
    dlq: Flags.string({summary: 'Dead-letter stream (default: the profile\'s dlq, else STREAM:dlq).'}),
    count: Flags.integer({summary: 'How many entries from the oldest (default 10).', min: 1, default: 10}),
  }

  async run(): Promise<void> {
    if (await this.variant()) return
    const profile = await this.profile()
    let {stream, id} = this.args
    // `cg dlq peek --dlq KEY ID`: with the DLQ named, a lone argument that is an id is the ID
    if (id === undefined && stream !== undefined && (this.flags.dlq ?? profile.dlq) && isStreamId(stream)) [stream, id] = [undefined, stream]
    const dlq = dlqKey({flag: this.flags.dlq, profile: profile.dlq, stream: stream ?? profile.stream})
    const report = await peekDlq(await this.adapter('dlq', 'dlq peek'), {dlq, id, count: this.flags.count})
    await this.output(report, async (d, ui) => {
      let n = 0
      for await (const e of d.entries) {
        if (n++) await ui.line()
        await ui.line(ui.color.bold(`${e.dlqId}`) + ui.color.dim(`  layout ${e.layout}`))
        await ui.kv(e.fields.map((x) => [x.name + (x.nameEncoding ? ' (base64)' : ''), x.encoding === 'base64' ? `${x.value} (base64)` : x.value] as [string, unknown]))
        if (e.layout === 'b' && e.replayFields) {
          await ui.line(ui.color.dim('original_data:'))
          await ui.kv(e.replayFields.map((x) => ['  ' + x.name, x.encoding === 'base64' ? `${x.value} (base64)` : x.value] as [string, unknown]))
        }
        if (e.replayError) await ui.line(ui.color.yellow(`cannot replay: ${e.replayError}`))
      }
      if (!n) await ui.line(ui.color.dim('(empty)'))
    })
  }
}
