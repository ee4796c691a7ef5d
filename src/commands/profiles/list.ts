import {CgCommand} from '../../base-command.js'
import {warn} from '../../output/log.js'
import {listProfiles, type ConfigFileRef, type ProfileSummary} from '../../services/profiles.js'

export default class ProfilesList extends CgCommand<typeof ProfilesList> {
  static override summary = 'List the profiles of the config file in use, and how that file was found.'
  static override description =
    'The file is --config, else $CG_CONFIG, else a .cg.yaml found walking up from the working directory, else $XDG_CONFIG_HOME/cg/config.yaml. Credentials in URLs are masked. Without a file, cg uses the built-in redis://127.0.0.1:6379.'
  static override examples = ['<%= config.bin %> profiles list', "<%= config.bin %> profiles list --json | jq -r '.profiles[].name'"]

  async run(): Promise<void> {
    const list = await listProfiles({configFlag: this.flags.config, warn})
    await this.output(list, async (d, ui) => {
      if (!d.configFile) {
        await ui.line('No config file (looked for --config, $CG_CONFIG, .cg.yaml from the working directory up, $XDG_CONFIG_HOME/cg/config.yaml).')
        await ui.line(`Commands use the built-in default: ${d.builtIn.url}`)
        return
      }
      await ui.line(`Config file: ${d.configFile.path} (${foundBy(d.configFile)})`)
      if (!d.default) await ui.line(`No default profile: commands use ${d.builtIn.url} unless given -p/--url (set one with: cg profiles use NAME)`)
      await ui.table<ProfileSummary>(
        [
          {header: 'DEFAULT', get: (r) => (r.isDefault ? '*' : '')},
          {header: 'NAME', get: (r) => r.name},
          {header: 'BROKER', get: (r) => r.broker},
          {header: 'URL', get: (r) => r.url},
          {header: 'STREAM', get: (r) => r.stream},
          {header: 'GROUP', get: (r) => r.group},
          {header: 'CONSUMER', get: (r) => r.consumer},
          {header: 'PROBLEM', get: (r) => r.error, empty: ''},
        ],
        d.profiles,
        '(the file defines no profiles)',
      )
    })
  }
}

export function foundBy(ref: ConfigFileRef): string {
  switch (ref.foundBy) {
    case 'flag':
      return 'given with --config'
    case 'env':
      return 'given with $CG_CONFIG'
    case 'project':
      return 'project .cg.yaml, found walking up from the working directory'
    case 'user':
      return 'user config, $XDG_CONFIG_HOME/cg/config.yaml'
  }
}
