import {Args} from '@oclif/core'
import {CgCommand} from '../../base-command.js'
import {warn} from '../../output/log.js'
import {showProfile} from '../../services/profiles.js'
import {foundBy} from './list.js'

export default class ProfilesShow extends CgCommand<typeof ProfilesShow> {
  static override summary = 'Show a resolved profile, secrets masked.'
  static override description =
    "Without NAME: the profile commands would use now (flags > CG_PROFILE / CG_URL > the file's default > built-in), and which rule picked it (source). Passwords, tokens and URL credentials print as ***."
  static override examples = [
    {description: 'The profile commands would use now, and why.', command: '<%= config.bin %> profiles show'},
    {description: 'The profile named prod, as JSON.', command: '<%= config.bin %> profiles show prod --json'},
    {description: 'What an ad-hoc URL resolves to (here Kafka over TLS).', command: '<%= config.bin %> profiles show --url kafkas://kafka.internal:9093'},
  ]
  static override args = {name: Args.string({description: 'profile name (default: the one in use)'})}

  async run(): Promise<void> {
    const detail = await showProfile({name: this.args.name, profileFlag: this.flags.profile, urlFlag: this.flags.url, configFlag: this.flags.config, warn})
    await this.output(detail, async (d, ui) => {
      await ui.kv([
        ['name', d.name ?? '(none)'],
        ['source', d.source],
        ['broker', d.broker],
        ['url', d.url],
        ['stream', d.stream],
        ['group', d.group],
        ['consumer', d.consumer],
        ['dlq', d.dlq],
        ['config file', d.configFile ? `${d.configFile.path} (${foundBy(d.configFile)})` : null],
        ...Object.entries(d.options).map(([k, v]) => [k, v] as [string, unknown]),
      ])
    })
  }
}
