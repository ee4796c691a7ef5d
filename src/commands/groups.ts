import {Args, Flags} from '@oclif/core'
import {CgCommand, only} from '../base-command.js'
import {usageByBroker} from '../output/help.js'

export default class Groups extends CgCommand<typeof Groups> {
  static override summary = 'List consumer groups: Redis streams, Kafka groups of every type, RabbitMQ queues.'
  static override description = [
    'Redis: groups, consumers, pending, last-delivered-id, entries-read and lag of each group on every master (lag null = unknown).',
    'Kafka: type (classic, consumer, share, streams, as kafka-groups.sh --list), state, members, total lag and topics of every group.',
    "RabbitMQ: type, consumers, ready, unacked, utilisation and dead-letter settings of every queue: a queue's consumers are its group. A stream queue counts the consumers of the stream protocol too, and lists the names they carry.",
  ].join('\n\n')
  static override usage = usageByBroker([
    ['Redis', '[STREAM]'],
    ['Kafka', '[TOPIC]'],
    ['RabbitMQ', '[QUEUE] [--vhost V]'],
  ])
  static override examples = [
    {description: 'Redis: every group of every stream on the local Redis.', command: '<%= config.bin %> groups'},
    {
      description: 'Redis: the groups of stream tasks that have pending entries.',
      command: "<%= config.bin %> groups tasks --json | jq '.groups[] | select(.pending > 0)'",
    },
    {description: 'Kafka: every group.', command: '<%= config.bin %> groups --url kafka://127.0.0.1:9092'},
    {description: 'Kafka: the groups with committed offsets on topic invoices.', command: '<%= config.bin %> groups invoices -p kafka'},
    {description: 'Kafka: only the share and streams groups.', command: '<%= config.bin %> groups --type share,streams -p kafka'},
    {description: 'RabbitMQ: every queue of vhost "/" with its consumers.', command: '<%= config.bin %> groups --vhost / --url amqp://127.0.0.1:5672'},
  ]
  static override args = {
    source: Args.string({description: 'Only this one (default: all): Redis STREAM, Kafka TOPIC (groups with offsets on it), RabbitMQ QUEUE.'}),
  }
  static override flags = {
    vhost: only(['rabbitmq'], Flags.string({summary: 'RabbitMQ: only this vhost (default: every vhost the user can see).'})),
    type: only(
      ['kafka'],
      Flags.string({
        summary: 'Kafka: only groups of this type: classic, consumer, share, streams (repeatable, or a comma list).',
        multiple: true,
        exclusive: ['watch'],
      }),
    ),
    watch: Flags.boolean({summary: 'A live view of the groups (as cg lag --watch), every --interval (q quits); JSON Lines when piped.'}),
    interval: Flags.string({summary: 'With --watch: how often to sample (default 2s).', dependsOn: ['watch']}),
  }

  async run(): Promise<void> {
    const {source} = this.args
    const {watch, interval, vhost} = this.flags
    if (!watch) {
      await this.call('groups', this.flags)
      return
    }
    await this.watch({
      flags: {vhost},
      args: [],
      interval,
      keep: source === undefined ? undefined : (g) => g.sources.includes(source),
      title: `cg groups${source === undefined ? '' : ` ${source}`}`,
    })
  }
}
