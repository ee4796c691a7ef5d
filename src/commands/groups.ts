import {Args, Flags} from '@oclif/core'
import {CgCommand} from '../base-command.js'
import type {GroupRow} from '../brokers/types.js'
import {usageByBroker} from '../output/help.js'

export default class Groups extends CgCommand<typeof Groups> {
  static override summary = 'List consumer groups: Redis streams, Kafka groups of both protocols, RabbitMQ queues.'
  static override description = [
    'Redis: groups, consumers, pending, last-delivered-id, entries-read and lag of each group on every master (lag null = unknown).',
    'Kafka: state, protocol, members, total lag and topics of every group (classic and consumer protocols).',
    'RabbitMQ: type, consumers, ready, unacked, utilisation and dead-letter settings of every queue: a queue\'s consumers are its group.',
  ].join('\n\n')
  static override usage = usageByBroker([
    ['Redis', '[STREAM]'],
    ['Kafka', '[TOPIC]'],
    ['RabbitMQ', '[QUEUE] [--vhost V]'],
  ])
  static override examples = [
    {description: 'Redis: every group of every stream on the local Redis.', command: '<%= config.bin %> groups'},
    {description: 'Redis: the groups of stream tasks that have pending entries.', command: '<%= config.bin %> groups tasks --json | jq \'.groups[] | select(.pending > 0)\''},
    {description: 'Kafka: every group.', command: '<%= config.bin %> groups --url kafka://127.0.0.1:9092'},
    {description: 'Kafka: the groups with committed offsets on topic invoices.', command: '<%= config.bin %> groups invoices -p kafka'},
    {description: 'RabbitMQ: every queue of vhost "/" with its consumers.', command: '<%= config.bin %> groups --vhost / --url amqp://127.0.0.1:5672'},
  ]
  static override args = {source: Args.string({description: 'Only this one (default: all): Redis STREAM, Kafka TOPIC (groups with offsets on it), RabbitMQ QUEUE.'})}
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
