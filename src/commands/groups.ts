import {Args, Flags} from '@oclif/core'
import {CgCommand} from '../base-command.js'
import type {GroupRow} from '../brokers/types.js'

export default class Groups extends CgCommand<typeof Groups> {
  static override summary = 'List consumer groups: Redis streams, Kafka groups of both protocols, RabbitMQ queues.'
  static override description = 'Redis: groups, consumers, pending, last-delivered-id, entries-read and lag of each group on every master (lag null = unknown). Kafka: state, protocol, members, total lag and topics of every group. RabbitMQ: type, consumers, ready, unacked, utilisation and dead-letter settings of every queue.'
  static override examples = ['<%= config.bin %> groups', '<%= config.bin %> groups tasks', '<%= config.bin %> groups --json | jq \'.groups[] | select(.pending > 0)\'']
  static override args = {source: Args.string({description: 'stream, topic or queue (default: all of them)'})}
  static override flags = {vhost: Flags.string({summary: 'RabbitMQ: only this vhost (default: every vhost the user can see).'})}

  async run(): Promise<void> {
    if (await this.variant()) return
    const adapter = await this.adapter()
    const groups = adapter.groups(this.args.source)
    await this.output({broker: adapter.broker, groups}, async (d, ui) => {
      await ui.rows<GroupRow>(
        [
          {header: 'STREAM', get: (r) => r.source},
          {header: 'GROUP', get: (r) => r.group},
          {header: 'CONSUMERS', get: (r) => r.consumers, align: 'right'},
          {header: 'PENDING', get: (r) => r.pending, align: 'right'},
          {header: 'LAST-DELIVERED', get: (r) => r.lastDeliveredId},
          {header: 'ENTRIES-READ', get: (r) => r.entriesRead, align: 'right', empty: 'unknown'},
          {header: 'LAG', get: (r) => r.lag, align: 'right', empty: 'unknown'},
        ],
        d.groups,
        '(no consumer groups)',
      )
    })
  }
}
