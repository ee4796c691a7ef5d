import {Args, Flags} from '@oclif/core'
import {CgCommand} from '../../base-command.js'
import {warn} from '../../output/log.js'
import {useProfile} from '../../services/profiles.js'

export default class ProfilesUse extends CgCommand<typeof ProfilesUse> {
  static override summary = 'Make NAME the default profile of the config file in use.'
  static override description = 'Writes `default: NAME` into the file found by the usual lookup, keeping its comments. NAME must be a profile of that file.'
  static override examples = ['<%= config.bin %> profiles use staging']
  static override args = {name: Args.string({description: 'profile name', required: true})}
  static override flags = {'dry-run': Flags.boolean({summary: 'Say what would change; write nothing.'})}

  async run(): Promise<void> {
    const result = await useProfile(this.args.name, {configFlag: this.flags.config, warn}, this.flags['dry-run'])
    await this.output(result, async (d, ui) => {
      const was = d.previous && d.previous !== d.default ? ` (was ${d.previous})` : ''
      if (d.dryRun) await ui.line(`Dry run: would make ${d.default} the default${was} in ${d.configFile.path}; nothing written.`)
      else await ui.line(`Default profile is now ${d.default}${was} in ${d.configFile.path}`)
    })
  }
}
