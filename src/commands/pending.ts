import {Args, Flags} from '@oclif/core'
import {CgCommand, only} from '../base-command.js'
import {usageByBroker} from '../output/help.js'

export default class Pending extends CgCommand<typeof Pending> {
  static override summary = 'What a group has not finished: Redis PEL entries, Kafka lag per partition, RabbitMQ ready/unacked per channel.'
  static override description = [
    'Redis: pages through the pending entries list, so a PEL of any size is read in bounded memory. Shows the first 100 entries unless --count or --all is given.',
    'Kafka: per partition the current offset, log-end offset, lag and owner (the kafka-consumer-groups --describe view). A lone argument is the GROUP; TOPIC before it narrows to that topic.',
    "RabbitMQ: the queue's ready and unacked messages, and unacked per consumer channel. A stream queue: its named consumers (connected ones that carry a name, and --consumer NAME) with their stored offset, lag (the stream's last offset minus it) and time behind. pending is the sum of their lags.",
  ].join('\n\n')
  static override usage = usageByBroker([
    ['Redis', '[STREAM] [GROUP] [CONSUMER]'],
    ['Kafka', '[[TOPIC] GROUP]'],
    ['RabbitMQ', '[QUEUE]'],
  ])
  static override examples = [
    {description: 'Redis: what group workers of stream tasks has not acknowledged.', command: '<%= config.bin %> pending tasks workers'},
    {description: 'Redis: entries of consumer worker1 idle for a minute or more.', command: '<%= config.bin %> pending tasks workers worker1 --min-idle 60000'},
    {description: 'Redis: every pending id.', command: "<%= config.bin %> pending tasks workers --all --json | jq -r '.entries[].id'"},
    {description: 'Kafka: the lag of group billing per partition.', command: '<%= config.bin %> pending billing --url kafka://127.0.0.1:9092'},
    {description: 'Kafka: only topic invoices of group billing.', command: '<%= config.bin %> pending invoices billing -p kafka'},
    {
      description: 'RabbitMQ: ready and unacked messages of queue orders, per channel.',
      command: '<%= config.bin %> pending orders --url amqp://127.0.0.1:5672',
    },
  ]
  static override args = {
    source: Args.string({
      description:
        "Redis: STREAM (default: the profile's stream). Kafka: GROUP when alone (default: the profile's group), TOPIC when GROUP follows. RabbitMQ: QUEUE (default: the profile's queue).",
    }),
    group: Args.string({
      description: "Redis: GROUP (default: the profile's group). Kafka: GROUP after TOPIC. RabbitMQ: not taken (the queue's consumers are the group).",
    }),
    consumer: Args.string({description: "Redis: only this consumer's entries."}),
  }
  static override flags = {
    consumer: only(
      ['rabbitmq'],
      Flags.string({
        summary: 'RabbitMQ stream queue: a consumer (reference) name whose stored offset to show (repeatable; 3.10 cannot list them).',
        multiple: true,
      }),
    ),
    'min-idle': only(['redis'], Flags.integer({summary: 'Redis: only entries idle at least this many ms.', min: 0})),
    count: only(['redis'], Flags.integer({summary: 'Redis: at most this many entries (default 100).', min: 1, exclusive: ['all']})),
    all: only(['redis'], Flags.boolean({summary: 'Redis: every entry (streamed page by page).'})),
    start: only(['redis'], Flags.string({summary: 'Redis: smallest id to show (default -).'})),
    end: only(['redis'], Flags.string({summary: 'Redis: largest id to show (default +).'})),
  }

  async run(): Promise<void> {
    await this.call('pending', this.flags)
  }
}
