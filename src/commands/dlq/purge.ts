import {Args, Flags} from '@oclif/core'
import {CgCommand, only} from '../../base-command.js'
import {usageByBroker, WHICH_DLQ} from '../../output/help.js'

export default class DlqPurge extends CgCommand<typeof DlqPurge> {
  static override summary = 'Delete dead-lettered entries: a Redis DLQ stream (all, or --ids / --where), a Kafka DLQ topic or a RabbitMQ DLQ queue (all).'
  static override description = [
    'Deleted entries are gone for good: check with --dry-run first, then confirm with --yes.',
    'Redis: every entry, or those chosen with --ids or --where; the DLQ key and its groups stay. Kafka: every record (DeleteRecords up to the log end); --ids and --where are refused. RabbitMQ: every ready message (queue.purge); messages held unacked by consumers stay; --ids and --where are refused.',
    WHICH_DLQ,
  ].join('\n\n')
  static override usage = usageByBroker([
    ['Redis', '[STREAM] [--ids ID... | --where F=V...]'],
    ['Kafka', '[TOPIC] [--dlq TOPIC]'],
    ['RabbitMQ', 'QUEUE | --dlq QUEUE'],
  ])
  static override examples = [
    {description: 'Redis: count what a purge of the DLQ of stream tasks would delete.', command: '<%= config.bin %> dlq purge tasks --dry-run'},
    {
      description: 'Redis: delete the entries that ran out of deliveries.',
      command: '<%= config.bin %> dlq purge tasks --where reason=max_deliveries_exceeded --yes',
    },
    {description: 'Kafka: empty the DLQ of topic invoices.', command: '<%= config.bin %> dlq purge invoices --yes --url kafka://127.0.0.1:9092'},
    {description: 'RabbitMQ: empty the dead-letter queue of queue orders.', command: '<%= config.bin %> dlq purge orders --yes --url amqp://127.0.0.1:5672'},
  ]
  static override args = {
    stream: Args.string({
      description:
        "Redis: STREAM whose DLQ to purge. Kafka: TOPIC whose DLQ to purge. RabbitMQ: QUEUE, the DLQ itself or a queue that dead-letters to it. Default: the profile's stream (Redis, Kafka).",
    }),
  }
  static override flags = {
    dlq: Flags.string({
      summary: "The DLQ by name: a Redis stream, Kafka topic or RabbitMQ queue (default: the profile's dlq on Redis and Kafka, else found from the argument).",
    }),
    ids: only(['redis'], Flags.string({summary: 'Redis: only these DLQ entry ids.', multiple: true})),
    where: only(['redis'], Flags.string({summary: 'Redis: only entries whose FIELD equals VALUE (repeatable; all must match).', multiple: true})),
    'dry-run': Flags.boolean({summary: 'Count what would be deleted; change nothing.'}),
    yes: Flags.boolean({summary: 'Confirm the deletion.'}),
  }

  async run(): Promise<void> {
    await this.call('dlq:purge', this.flags)
  }
}
