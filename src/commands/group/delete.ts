import {Args, Flags} from '@oclif/core'
import {CgCommand} from '../../base-command.js'
import type {Ui} from '../../output/ui.js'
import {deleteGroup, type GroupDeleteReport} from '../../services/group-admin.js'

export default class GroupDelete extends CgCommand<typeof GroupDelete> {
  static override summary = 'Delete a consumer group (Redis XGROUP DESTROY; Kafka DeleteGroups, refused while it has members).'
  static override description = 'Refuses (exit 4) while the group has consumers or pending entries, saying what would be lost; --force deletes anyway.'
  static override examples = ['<%= config.bin %> group delete tasks old-workers', '<%= config.bin %> group delete tasks old-workers --dry-run --force']
  static override args = {
    source: Args.string({description: 'stream (default: the profile\'s stream)'}),
    group: Args.string({description: 'group (default: the profile\'s group)'}),
  }
  static override flags = {
    force: Flags.boolean({summary: 'Delete even with consumers or pending entries.', default: false}),
    'dry-run': Flags.boolean({summary: 'Print the plan; change nothing.', default: false}),
  }

  async run(): Promise<void> {
    if (await this.variant()) return
    const source = await this.orProfile(this.args.source, 'stream')
    const group = await this.orProfile(this.args.group, 'group')
    const adapter = await this.adapter('groupDelete', 'group delete')
    const report = await deleteGroup(adapter, {source, group, force: this.flags.force, dryRun: this.flags['dry-run']})
    await this.output(report, renderGroupDelete)
  }
}

async function renderGroupDelete(r: GroupDeleteReport, ui: Ui): Promise<void> {
  const lost = r.consumers || r.pending ? ` with ${r.consumers} consumer(s) and ${r.pending} pending entries` : ''
  await ui.line(r.dryRun ? `Dry run: would delete group ${r.group} of ${r.source}${lost}. Nothing changed.` : `Deleted group ${r.group} of ${r.source}${lost}.`)
}
