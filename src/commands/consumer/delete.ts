import {Args, Flags} from '@oclif/core'
import {CgCommand, only} from '../../base-command.js'
import {usageByBroker} from '../../output/help.js'

export default class ConsumerDelete extends CgCommand<typeof ConsumerDelete> {
  static override summary =
    'Remove a consumer: Redis (never silently dropping its pending entries), Kafka member (LeaveGroup), RabbitMQ (closes its connection).'
  static override description = [
    "Redis: XGROUP DELCONSUMER drops the consumer's pending entries for good, so cg refuses (exit 4) while it holds any. --handoff OTHER claims them to OTHER first and deletes the consumer only once it holds none (checked atomically); --force drops them and says how many.",
    'Kafka: removes the member from the group as admin (LeaveGroup; a static member by its group.instance.id). Its partitions go to the other members at the rebalance; committed offsets stay.',
    "RabbitMQ: closes the connection of the channel the consumer is on; its unacked messages are requeued. The connection's other channels close with it (cg warns).",
    'The last argument may come alone (CONSUMER, MEMBER or TAG); the others then come from the profile (stream:, group:, queue:).',
  ].join('\n\n')
  static override usage = usageByBroker([
    ['Redis', '[STREAM GROUP] CONSUMER [--handoff C]'],
    ['Kafka', '[GROUP] MEMBER'],
    ['RabbitMQ', '[QUEUE] TAG'],
  ])
  static override examples = [
    {
      description: 'Redis: delete worker-3 of group workers on stream tasks (refused while it has pending entries).',
      command: '<%= config.bin %> consumer delete tasks workers worker-3',
    },
    {description: 'Redis: hand its pending entries to worker-1 first.', command: '<%= config.bin %> consumer delete tasks workers worker-3 --handoff worker-1'},
    {description: 'Redis: see what --force would drop.', command: '<%= config.bin %> consumer delete tasks workers worker-3 --force --dry-run'},
    {
      description: 'Kafka: remove the static member billing-1 from group billing.',
      command: '<%= config.bin %> consumer delete billing billing-1 --url kafka://127.0.0.1:9092',
    },
    {
      description: 'RabbitMQ: close the connection of a consumer of queue orders.',
      command: '<%= config.bin %> consumer delete orders amq.ctag-3kX9v2 --dry-run --url amqp://127.0.0.1:5672',
    },
  ]
  static override args = {
    source: Args.string({description: 'Redis: STREAM. Kafka: GROUP. RabbitMQ: QUEUE.'}),
    group: Args.string({description: 'Redis: GROUP. Kafka: MEMBER (member id or group.instance.id). RabbitMQ: TAG (the consumer tag).'}),
    consumer: Args.string({description: 'Redis: CONSUMER, the consumer to delete.'}),
  }
  static override flags = {
    handoff: only(['redis'], Flags.string({summary: 'Redis: claim its pending entries to this consumer first.'})),
    force: only(['redis'], Flags.boolean({summary: 'Redis: delete even though its pending entries are dropped.', default: false})),
    'dry-run': Flags.boolean({summary: 'Print the plan; change nothing.', default: false}),
  }

  async run(): Promise<void> {
    await this.call('consumer:delete', this.flags)
  }
}
