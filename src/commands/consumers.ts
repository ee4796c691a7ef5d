import {Args} from '@oclif/core'
import {CgCommand} from '../base-command.js'
import {duration} from '../output/ui.js'

export default class Consumers extends CgCommand<typeof Consumers> {
  static override summary = 'List the consumers of a group (Redis), the members of a group (Kafka) or the consumers of a queue (RabbitMQ).'
  static override examples = ['<%= config.bin %> consumers tasks workers', '<%= config.bin %> consumers tasks workers --json']
  static override args = {
    source: Args.string({description: 'stream (default: the profile\'s stream)'}),
    group: Args.string({description: 'group (default: the profile\'s group)'}),
  }

  async run(): Promise<void> {
    if (await this.variant()) return
    const source = await this.orProfile(this.args.source, 'stream', 'STREAM')
    const group = await this.orProfile(this.args.group, 'group', 'GROUP')
    const adapter = await this.adapter()
    const consumers = await adapter.consumers(source, group)
    await this.output({source, group, consumers}, async (d, ui) => {
      await ui.table(
        [
          {header: 'CONSUMER', get: (c) => c.name},
          {header: 'PENDING', get: (c) => c.pending, align: 'right'},
          {header: 'IDLE', get: (c) => duration(c.idleMs), align: 'right'},
          {header: 'INACTIVE', get: (c) => duration(c.inactiveMs), align: 'right', empty: 'unknown'},
        ],
        d.consumers,
        `(group ${group} has no consumers)`,
      )
    })
  }
}
