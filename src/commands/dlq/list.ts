import {Args, Flags} from '@oclif/core'
import {CgCommand} from '../../base-command.js'
import {usageByBroker, WHICH_DLQ} from '../../output/help.js'

export default class DlqList extends CgCommand<typeof DlqList> {
  static override summary = 'List the entries of a dead-letter stream, topic or queue.'
  static override description = [
    'Redis: one row per entry: DLQ id, original id and stream, consumer, delivery count, reason, failed_at (ms) and layout (a: fields + meta, b: original_data JSON). Read page by page.',
    'Kafka: one row per record: partition:offset, timestamp, key, replay target, replay count, size and reason. Read only: no group joins, nothing is committed.',
    'RabbitMQ: one row per message with its last death. Messages are read with manual acks and put back (nack + requeue): they are marked redelivered, and on a quorum queue their delivery count rises.',
    WHICH_DLQ,
  ].join('\n\n')
  static override usage = usageByBroker([
    ['Redis', '[STREAM] [--dlq KEY]'],
    ['Kafka', '[TOPIC] [--dlq TOPIC]'],
    ['RabbitMQ', 'QUEUE | --dlq QUEUE'],
  ])
  static override examples = [
    {description: 'Redis: the DLQ of stream tasks (tasks:dlq).', command: '<%= config.bin %> dlq list tasks'},
    {description: "Redis: worker-1's entries, as JSON.", command: '<%= config.bin %> dlq list --dlq tasks:dlq --where consumer=worker-1 --json'},
    {
      description: 'Kafka: the DLQ of topic invoices (invoices.dlq, invoices-dlq or invoices.DLT).',
      command: '<%= config.bin %> dlq list invoices --url kafka://127.0.0.1:9092',
    },
    {
      description: 'RabbitMQ: the dead-letter queue of queue orders, 20 messages.',
      command: '<%= config.bin %> dlq list orders --count 20 --url amqp://127.0.0.1:5672',
    },
  ]
  static override args = {
    stream: Args.string({
      description:
        "Redis: STREAM whose DLQ to read. Kafka: TOPIC whose DLQ to read. RabbitMQ: QUEUE, the DLQ itself or a queue that dead-letters to it. Default: the profile's stream (Redis, Kafka).",
    }),
  }
  static override flags = {
    dlq: Flags.string({
      summary: "The DLQ by name: a Redis stream, Kafka topic or RabbitMQ queue (default: the profile's dlq on Redis and Kafka, else found from the argument).",
    }),
    count: Flags.integer({summary: 'At most N entries (default: all).', min: 1}),
    where: Flags.string({
      summary:
        'Only entries whose FIELD equals VALUE (repeatable; all must match). Kafka: key, partition, target or a header; RabbitMQ: a header, message-id or x-death.reason/queue/exchange.',
      multiple: true,
    }),
  }

  async run(): Promise<void> {
    await this.call('dlq:list', this.flags)
  }
}
