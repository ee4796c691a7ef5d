import {Args, Flags} from '@oclif/core'
import {CgCommand} from '../../base-command.js'
import {listDlq} from '../../services/dlq-browse.js'
import {dlqKey, parseWhere} from '../../services/dlq-select.js'
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
    {description: 'Redis: worker-1\'s entries, as JSON.', command: '<%= config.bin %> dlq list --dlq tasks:dlq --where consumer=worker-1 --json'},
    {description: 'Kafka: the DLQ of topic invoices (invoices.dlq, invoices-dlq or invoices.DLT).', command: '<%= config.bin %> dlq list invoices --url kafka://127.0.0.1:9092'},
    {description: 'RabbitMQ: the dead-letter queue of queue orders, 20 messages.', command: '<%= config.bin %> dlq list orders --count 20 --url amqp://127.0.0.1:5672'},
  ]
  static override args = {stream: Args.string({description: 'Redis: STREAM whose DLQ to read. Kafka: TOPIC whose DLQ to read. RabbitMQ: QUEUE, the DLQ itself or a queue that dead-letters to it. Default: the profile\'s stream (Redis, Kafka).'})}
  static override flags = {
    dlq: Flags.string({summary: 'The DLQ by name: a Redis stream, Kafka topic or RabbitMQ queue (default: the profile\'s dlq on Redis and Kafka, else found from the argument).'}),
    count: Flags.integer({summary: 'At most N entries (default: all).', min: 1}),
    where: Flags.string({summary: 'Only entries whose FIELD equals VALUE (repeatable; all must match). Kafka: key, partition, target or a header; RabbitMQ: a header, message-id or x-death.reason/queue/exchange.', multiple: true}),
  }

  async run(): Promise<void> {
    if (await this.variant()) return
    const profile = await this.profile()
    const dlq = dlqKey({flag: this.flags.dlq, profile: profile.dlq, stream: this.args.stream ?? profile.stream})
    const report = await listDlq(await this.adapter('dlq', 'dlq list'), {dlq, where: parseWhere(this.flags.where), count: this.flags.count ?? null})
    await this.output(report, async (d, ui) => {
      await ui.kv([['dlq', d.dlq], ['entries', d.length]])
      await ui.line()
      await ui.rows(
        [
          {header: 'DLQ-ID', get: (r) => r.dlqId},
          {header: 'ORIGINAL-ID', get: (r) => r.originalId},
          {header: 'STREAM', get: (r) => r.originalStream},
          {header: 'CONSUMER', get: (r) => r.consumer},
          {header: 'DELIVERIES', get: (r) => r.deliveryCount, align: 'right'},
          {header: 'REASON', get: (r) => r.reason},
          {header: 'FAILED-AT', get: (r) => (r.failedAt === null ? null : new Date(r.failedAt).toISOString())},
          {header: 'LAYOUT', get: (r) => r.layout},
        ],
        d.entries,
        '(empty)',
      )
    })
  }
}
