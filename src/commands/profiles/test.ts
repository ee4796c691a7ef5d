import {Args} from '@oclif/core'
import {CgCommand} from '../../base-command.js'
import {warn} from '../../output/log.js'
import {resolveProfile, type Profile} from '../../profiles/resolve.js'
import {testProfile} from '../../services/profiles.js'

export default class ProfilesTest extends CgCommand<typeof ProfilesTest> {
  static override summary = 'Connect with a profile and report the server: broker, version, mode, latency.'
  static override description = 'Exits 69 when the broker is unreachable, authentication fails or TLS fails, with the reason on one line.'
  static override examples = [
    {description: 'The profile in use.', command: '<%= config.bin %> profiles test'},
    {description: 'The profile named prod, giving up after 2 s.', command: '<%= config.bin %> profiles test prod --timeout 2000'},
    {description: 'Redis: a server given by URL.', command: '<%= config.bin %> profiles test --url redis://127.0.0.1:6379'},
    {
      description: 'Redis Sentinel: the master named mymaster, found through two sentinels.',
      command: '<%= config.bin %> profiles test --url redis+sentinel://127.0.0.1:26379,127.0.0.1:26380/mymaster',
    },
    {description: 'Kafka: a broker given by URL, with TLS.', command: '<%= config.bin %> profiles test --url kafkas://127.0.0.1:9093'},
    {description: 'RabbitMQ: a broker given by URL.', command: '<%= config.bin %> profiles test --url amqp://127.0.0.1:5672'},
  ]
  static override args = {name: Args.string({description: 'profile name (default: the one in use)'})}

  private named?: Profile

  /** NAME picks the profile as --profile would. */
  protected override async profile(): Promise<Profile> {
    if (!this.args.name) return super.profile()
    this.named ??= await resolveProfile({profileFlag: this.args.name, urlFlag: this.flags.url, configFlag: this.flags.config, warn})
    return this.named
  }

  async run(): Promise<void> {
    const result = testProfile(await this.profile(), await this.ping())
    await this.output(result, async (d, ui) => {
      await ui.kv([
        ['profile', d.name ?? '(none)'],
        ['source', d.source],
        ['url', d.url],
        ['broker', d.broker],
        ['version', d.version],
        ['mode', d.mode],
        ...(d.master === undefined ? [] : [['master', d.master] as [string, string]]),
        ['latency', `${d.latencyMs} ms`],
      ])
      await ui.line(ui.color.green('OK'))
    })
  }
}
