import {Args, Flags} from '@oclif/core'
import {CgCommand} from '../../base-command.js'
import {usageByBroker} from '../../output/help.js'

export default class DlqMove extends CgCommand<typeof DlqMove> {
  static override summary = 'Redis only: move pending entries that keep failing to the dead-letter stream.'
  static override description = [
    "CRITERIA pick candidates among the group's pending entries: --max-deliveries N (delivered N times or more), --min-idle MS, --ids; they combine.",
    'Each DLQ entry holds the original fields plus original_id, original_stream, original_group, consumer, delivery_count, reason and failed_at (ms).',
    'The source entry is acknowledged (XACK), not deleted: other groups of the stream may still need it.',
    'When the stream and the DLQ share a hash slot (standalone, or {tag} keys in a cluster) each batch moves in one atomic script; otherwise a journaled two-step is used. Either way, running again after an interruption finishes the job without duplicates.',
    '',
    'Kafka and RabbitMQ: refused (exit 4). Kafka consumers write their own dead-letter topic and RabbitMQ dead-letters by itself; cg dlq list, peek, replay and purge work on both.',
  ].join('\n')
  static override usage = usageByBroker([['Redis', '[STREAM] [GROUP] CRITERIA [--dlq KEY]']])
  static override examples = [
    {
      description: 'Redis: move what group workers of stream tasks got 3 times or more.',
      command: '<%= config.bin %> dlq move tasks workers --max-deliveries 3',
    },
    {description: 'Redis: plan moving what has been idle for an hour.', command: '<%= config.bin %> dlq move tasks workers --min-idle 3600000 --dry-run'},
    {
      description: 'Redis: two entries, in a cluster, to a DLQ in the same hash slot.',
      command: '<%= config.bin %> dlq move {orders} billing --ids 1700000000000-0 1700000000001-0 --dlq {orders}:dlq',
    },
  ]
  static override args = {
    stream: Args.string({description: "Redis: STREAM (default: the profile's stream)."}),
    group: Args.string({description: "Redis: GROUP (default: the profile's group)."}),
  }
  static override flags = {
    'max-deliveries': Flags.integer({summary: 'Entries delivered at least N times.', min: 1}),
    'min-idle': Flags.integer({summary: 'Entries idle at least MS milliseconds.', min: 0}),
    ids: Flags.string({summary: 'These pending entry ids.', multiple: true}),
    dlq: Flags.string({summary: "Dead-letter stream (default: the profile's dlq, else STREAM:dlq)."}),
    reason: Flags.string({summary: 'Reason recorded on each DLQ entry (default: from the criteria).'}),
    limit: Flags.integer({summary: 'Move at most N entries.', min: 1}),
    rate: Flags.string({summary: 'At most N entries per second (N/s or N/m).'}),
    'dry-run': Flags.boolean({summary: 'Print the plan; change nothing.'}),
  }

  async run(): Promise<void> {
    await this.call('dlq:move', this.flags)
  }
}
