import {Args, Flags} from '@oclif/core'
import {CgCommand, only} from '../../base-command.js'
import {usageByBroker, WHICH_DLQ} from '../../output/help.js'

export default class DlqReplay extends CgCommand<typeof DlqReplay> {
  static override summary = 'Put dead-lettered entries back where they came from, byte for byte, without loss or duplicates across interruptions.'
  static override description = [
    'Redis: reads both DLQ layouts: (a) the original fields followed by meta fields (original_id, original_stream, delivery_count, reason, ...), as cg dlq move writes them; (b) original_id and original_data, a JSON object of the original fields, with failed_at and consumer. Target: the entry\'s original_stream, else STREAM, else the DLQ key without its ":dlq" suffix. Same-slot keys replay in one atomic script per batch; others use a journaled two-step.',
    'Kafka: reads the DLQ through its own group (cg-replay.<dlq>) and produces to the target (--to, else the record headers of Spring, Kafka Connect or cg, else the DLQ name without its suffix), keeping key, value, headers and partitioning; progress is committed, so a re-run resumes.',
    'RabbitMQ: republishes each message to x-death[0].exchange with its routing keys (or --to-exchange / --routing-key) on a confirm channel, and acks the DLQ copy only after the broker confirms it; messages for another target than the first are refused unless chosen with --where or --to-exchange.',
    WHICH_DLQ,
    'Run it again to finish an interrupted replay; nothing is lost or duplicated.',
  ].join('\n\n')
  static override usage = usageByBroker([
    ['Redis', '[STREAM] [--dlq KEY] [--ids ID...]'],
    ['Kafka', '[TOPIC] [--dlq TOPIC] [--to TOPIC]'],
    ['RabbitMQ', 'QUEUE [--to-exchange X]'],
  ])
  static override examples = [
    {description: 'Redis: replay the DLQ of stream tasks (tasks:dlq).', command: '<%= config.bin %> dlq replay tasks'},
    {
      description: 'Redis: 100 entries at most, 50 per second, of one reason.',
      command: '<%= config.bin %> dlq replay --dlq tasks:dlq --where reason=max_deliveries_exceeded --limit 100 --rate 50/s',
    },
    {description: 'Redis: the plan only.', command: '<%= config.bin %> dlq replay tasks --dry-run --json'},
    {
      description: 'Kafka: replay the DLQ of topic invoices where its records came from.',
      command: '<%= config.bin %> dlq replay invoices --url kafka://127.0.0.1:9092',
    },
    {description: 'Kafka: replay a DLQ topic onto a chosen topic.', command: '<%= config.bin %> dlq replay --dlq invoices.DLT --to invoices-retry -p kafka'},
    {
      description: 'RabbitMQ: replay the dead-letter queue of queue orders where its messages died.',
      command: '<%= config.bin %> dlq replay orders --url amqp://127.0.0.1:5672',
    },
    {
      description: 'RabbitMQ: replay to a chosen exchange and routing key, as a plan first.',
      command: '<%= config.bin %> dlq replay orders.dlq --to-exchange orders --routing-key order.created --dry-run -p rabbit',
    },
  ]
  static override args = {
    source: Args.string({
      description:
        "Redis: STREAM, whose DLQ is STREAM:dlq and where entries that do not name their stream go. Kafka: TOPIC whose DLQ to replay. RabbitMQ: QUEUE, the DLQ itself or a queue that dead-letters to it. Default: the profile's stream (Redis, Kafka).",
    }),
  }
  static override flags = {
    dlq: Flags.string({
      summary: "The DLQ by name: a Redis stream, Kafka topic or RabbitMQ queue (default: the profile's dlq on Redis and Kafka, else found from the argument).",
    }),
    ids: only(['redis'], Flags.string({summary: 'Redis: only these DLQ entry ids.', multiple: true})),
    where: Flags.string({
      summary:
        'Only entries whose FIELD equals VALUE (repeatable; all must match). Kafka: key, partition, target or a header; RabbitMQ: a header, message-id or x-death.reason/queue/exchange.',
      multiple: true,
    }),
    limit: Flags.integer({summary: 'Replay at most N entries.', min: 1}),
    rate: Flags.string({summary: 'At most N entries per second (N/s or N/m).'}),
    'dry-run': Flags.boolean({summary: 'Print the plan (count per target, first ids); change nothing.'}),
    to: only(['kafka'], Flags.string({summary: 'Kafka: topic to replay to (default: from the record headers, else the DLQ name without its suffix).'})),
    'to-exchange': only(['rabbitmq'], Flags.string({summary: 'RabbitMQ: exchange to republish to (default: x-death[0].exchange).'})),
    'routing-key': only(['rabbitmq'], Flags.string({summary: 'RabbitMQ: routing key to republish with (default: x-death[0] routing keys).'})),
  }

  async run(): Promise<void> {
    await this.call('dlq:replay', this.flags)
  }
}
