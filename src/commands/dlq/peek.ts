import {Args, Flags} from '@oclif/core'
import {CgCommand} from '../../base-command.js'
import {usageByBroker, WHICH_DLQ} from '../../output/help.js'

export default class DlqPeek extends CgCommand<typeof DlqPeek> {
  static override summary = 'Show dead-lettered entries in full (fields, headers, x-death history).'
  static override description = [
    'Values print as text when they are valid UTF-8, else as base64 (the JSON says which in "encoding").',
    'Redis: every field of the entry, and the fields a replay would put back. Kafka: key, headers, value and the replay target of each record. RabbitMQ: x-death history, properties, typed headers and body; messages are put back as with dlq list.',
    'ID picks one entry: a Redis DLQ entry id, a Kafka PARTITION:OFFSET, or a RabbitMQ message-id. With --dlq, a lone argument is the ID.',
    WHICH_DLQ,
  ].join('\n\n')
  static override usage = usageByBroker([
    ['Redis', '[STREAM] [ID] [--dlq KEY]'],
    ['Kafka', '[TOPIC] [PARTITION:OFFSET] [--dlq TOPIC]'],
    ['RabbitMQ', 'QUEUE [MESSAGE-ID]'],
  ])
  static override examples = [
    {description: 'Redis: the 10 oldest entries of the DLQ of stream tasks.', command: '<%= config.bin %> dlq peek tasks'},
    {description: 'Redis: one entry, as JSON.', command: '<%= config.bin %> dlq peek tasks 1700000000000-0 --json'},
    {description: 'Redis: the 3 oldest entries of a DLQ named outright.', command: '<%= config.bin %> dlq peek --dlq tasks:dlq --count 3'},
    {
      description: 'Kafka: record 42 of partition 0 of the DLQ of topic invoices.',
      command: '<%= config.bin %> dlq peek invoices 0:42 --url kafka://127.0.0.1:9092',
    },
    {
      description: 'RabbitMQ: the first message of the dead-letter queue of orders.',
      command: '<%= config.bin %> dlq peek orders --count 1 --url amqp://127.0.0.1:5672',
    },
  ]
  static override args = {
    stream: Args.string({
      description:
        "Redis: STREAM whose DLQ to read. Kafka: TOPIC whose DLQ to read. RabbitMQ: QUEUE, the DLQ itself or a queue that dead-letters to it. Default: the profile's stream (Redis, Kafka).",
    }),
    id: Args.string({description: 'One entry: Redis DLQ entry id, Kafka PARTITION:OFFSET, RabbitMQ message-id.'}),
  }
  static override flags = {
    dlq: Flags.string({
      summary: "The DLQ by name: a Redis stream, Kafka topic or RabbitMQ queue (default: the profile's dlq on Redis and Kafka, else found from the argument).",
    }),
    count: Flags.integer({summary: 'How many entries, from the oldest.', min: 1, default: 10}),
  }

  async run(): Promise<void> {
    await this.call('dlq:peek', this.flags)
  }
}
