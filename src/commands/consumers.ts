import {Args, Flags} from '@oclif/core'
import {CgCommand, only} from '../base-command.js'
import {usageByBroker} from '../output/help.js'

export default class Consumers extends CgCommand<typeof Consumers> {
  static override summary = 'List the consumers of a group (Redis), the members of a group (Kafka) or the consumers of a queue (RabbitMQ).'
  static override description = [
    'Redis: name, pending entries, idle and inactive time of each consumer.',
    "Kafka: member id, client id, host, instance id and assigned partitions of each member. A lone argument is the GROUP; TOPIC before it shows only that topic's partitions.",
    "RabbitMQ: consumer tag, channel, connection, prefetch, ack mode and unacked messages of each consumer of the queue. A stream queue: its named consumers (connected ones that carry a name, and --consumer NAME) with their stored offset, lag (the stream's last offset minus it) and time behind.",
  ].join('\n\n')
  static override usage = usageByBroker([
    ['Redis', '[STREAM] [GROUP]'],
    ['Kafka', '[[TOPIC] GROUP]'],
    ['RabbitMQ', '[QUEUE]'],
  ])
  static override examples = [
    {description: 'Redis: the consumers of group workers on stream tasks.', command: '<%= config.bin %> consumers tasks workers'},
    {description: 'Redis: the same as JSON.', command: '<%= config.bin %> consumers tasks workers --json'},
    {description: 'Kafka: the members of group billing.', command: '<%= config.bin %> consumers billing --url kafka://127.0.0.1:9092'},
    {description: 'RabbitMQ: the consumers of queue orders.', command: '<%= config.bin %> consumers orders --url amqp://127.0.0.1:5672'},
  ]
  static override args = {
    source: Args.string({
      description:
        "Redis: STREAM (default: the profile's stream). Kafka: GROUP when alone (default: the profile's group), TOPIC when GROUP follows. RabbitMQ: QUEUE (default: the profile's queue).",
    }),
    group: Args.string({
      description: "Redis: GROUP (default: the profile's group). Kafka: GROUP after TOPIC. RabbitMQ: not taken (the queue's consumers are the group).",
    }),
  }

  static override flags = {
    consumer: only(
      ['rabbitmq'],
      Flags.string({
        summary: 'RabbitMQ stream queue: a consumer (reference) name whose stored offset to show (repeatable; 3.10 cannot list them).',
        multiple: true,
      }),
    ),
  }

  async run(): Promise<void> {
    await this.call('consumers', this.flags)
  }
}
