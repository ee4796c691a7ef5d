import {Args, Flags} from '@oclif/core'
import {CgCommand, only} from '../base-command.js'
import {usageByBroker} from '../output/help.js'

export default class Claim extends CgCommand<typeof Claim> {
  static override summary = 'Hand idle pending work to another consumer (Redis XAUTOCLAIM; RabbitMQ: requeue by closing stuck connections; not Kafka).'
  static override description = [
    "Redis: moves pending entries idle at least --idle ms to --to (default: the profile's consumer). Reports the claimed ids and the ids whose message was deleted from the stream (the server drops those from the PEL). JUSTID by default: delivery counts are not bumped.",
    "RabbitMQ: unacked messages cannot be handed to a chosen consumer, so cg closes the connections of the queue's consumer channels that hold unacked messages and have been idle at least --idle ms; the broker requeues those messages for any consumer. --to, --from and --count are refused.",
    "Kafka: refused (exit 4): a partition, not a message, is owned by a member. Use cg consumer delete GROUP MEMBER to free a stuck member's partitions, or cg reset to re-read or skip records.",
  ].join('\n\n')
  static override usage = usageByBroker([
    ['Redis', '[STREAM] [GROUP] --idle MS [--to C]'],
    ['RabbitMQ', '[QUEUE] --idle MS'],
  ])
  static override examples = [
    {
      description: 'Redis: give entries idle for a minute to recovery-worker.',
      command: '<%= config.bin %> claim tasks workers --idle 60000 --to recovery-worker',
    },
    {description: 'Redis: stream, group and consumer from the profile.', command: '<%= config.bin %> claim --idle 60000'},
    {
      description: "Redis: move 100 of worker-2's entries to worker-1, however idle.",
      command: '<%= config.bin %> claim tasks workers --idle 0 --from worker-2 --to worker-1 --count 100',
    },
    {description: 'Redis: list what would be claimed.', command: '<%= config.bin %> claim tasks workers --idle 300000 --to recovery-worker --dry-run'},
    {
      description: 'RabbitMQ: list the connections that would be closed to requeue messages of queue orders.',
      command: '<%= config.bin %> claim orders --idle 60000 --dry-run --url amqp://127.0.0.1:5672',
    },
    {description: 'RabbitMQ: requeue them.', command: '<%= config.bin %> claim orders --idle 60000 -p rabbit'},
  ]
  static override args = {
    source: Args.string({description: "Redis: STREAM (default: the profile's stream). RabbitMQ: QUEUE (default: the profile's queue)."}),
    group: Args.string({description: "Redis: GROUP (default: the profile's group). RabbitMQ: not taken (the queue's consumers are the group)."}),
  }
  static override flags = {
    idle: Flags.string({summary: 'Only entries idle at least this many ms (RabbitMQ: channels idle this long with unacked messages).'}),
    to: only(['redis'], Flags.string({summary: "Redis: consumer that receives the entries (default: the profile's consumer)."})),
    from: only(['redis'], Flags.string({summary: 'Redis: only entries owned by this consumer.'})),
    count: only(['redis'], Flags.string({summary: 'Redis: claim at most this many entries.'})),
    justid: only(['redis'], Flags.boolean({summary: 'Redis: do not count a delivery (--no-justid counts one).', default: true, allowNo: true})),
    'dry-run': Flags.boolean({summary: 'List what would be claimed (RabbitMQ: the connections that would close); change nothing.', default: false}),
  }

  async run(): Promise<void> {
    await this.call('claim', this.flags)
  }
}
