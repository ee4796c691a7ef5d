import {Args, Flags} from '@oclif/core'
import {CgCommand} from '../base-command.js'
import {fromTheRight, nonNegativeInt} from '../services/inputs.js'
import {setId} from '../services/position.js'
import {renderPosition} from './reset.js'

export default class SetId extends CgCommand<typeof SetId> {
  static override summary = 'Set a group\'s last-delivered-id (XGROUP SETID).'
  static override description =
    'ID is <ms>-<seq>, $ (the last entry) or 0 (the beginning). Without --entries-read the server may report lag as unknown; cg reset computes it for you.'
  static override examples = [
    '<%= config.bin %> setid tasks workers 1700000000000-0',
    '<%= config.bin %> setid tasks workers 0 --entries-read 0',
    '<%= config.bin %> setid \'$\'   # stream and group from the profile',
  ]
  static override args = {
    source: Args.string({description: 'stream (default: the profile\'s stream)'}),
    group: Args.string({description: 'group (default: the profile\'s group)'}),
    id: Args.string({description: 'new last-delivered-id: <ms>-<seq>, $ or 0'}),
  }
  static override flags = {
    'entries-read': Flags.string({summary: 'ENTRIESREAD: how many entries the group has read at ID, so lag stays known.'}),
    'dry-run': Flags.boolean({summary: 'Print the plan; change nothing.', default: false}),
  }

  async run(): Promise<void> {
    if (await this.variant()) return
    const [s, g, id] = fromTheRight([this.args.source, this.args.group, this.args.id], ['STREAM', 'GROUP', 'ID'])
    const source = await this.orProfile(s, 'stream')
    const group = await this.orProfile(g, 'group')
    const entriesRead = this.flags['entries-read'] === undefined ? null : nonNegativeInt(this.flags['entries-read'], '--entries-read', '0')
    const adapter = await this.adapter('setId', 'setid')
    const report = await setId(adapter, {source, group, id: id!, entriesRead, dryRun: this.flags['dry-run']})
    await this.output(report, renderPosition)
  }
}
