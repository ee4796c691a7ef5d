import {Args, Flags} from '@oclif/core'
import {CgCommand, only} from '../../base-command.js'
import {usageByBroker} from '../../output/help.js'

export default class GroupDelete extends CgCommand<typeof GroupDelete> {
  static override summary = 'Delete a consumer group (Redis XGROUP DESTROY; Kafka DeleteGroups, refused while it has members; not RabbitMQ).'
  static override description = [
    'Redis: refuses (exit 4) while the group has consumers or pending entries, saying what would be lost; --force deletes anyway.',
    'Kafka: deletes the group and its committed offsets (DeleteGroups); the broker refuses (exit 4) while the group has members, and --force cannot change that. A Kafka Streams group (KIP-1071) whose internal topics exist is refused (exit 4) unless --delete-internal-topics deletes them too.',
    'RabbitMQ: refused (exit 4): a RabbitMQ "group" is the set of consumers of a queue, and cg never deletes queues.',
  ].join('\n\n')
  static override usage = usageByBroker([
    ['Redis', '[STREAM] [GROUP] [--force]'],
    ['Kafka', '[GROUP] [--delete-internal-topics]'],
  ])
  static override examples = [
    {description: 'Redis: delete group old-workers of stream tasks.', command: '<%= config.bin %> group delete tasks old-workers'},
    {description: 'Redis: see what --force would lose.', command: '<%= config.bin %> group delete tasks old-workers --dry-run --force'},
    {description: 'Kafka: delete group old-billing.', command: '<%= config.bin %> group delete old-billing --url kafka://127.0.0.1:9092'},
    {
      description: 'Kafka: delete the stopped Kafka Streams application word-count with its repartition and changelog topics.',
      command: '<%= config.bin %> group delete word-count --delete-internal-topics --url kafka://127.0.0.1:9092',
    },
  ]
  static override args = {
    source: Args.string({description: "Redis: STREAM (default: the profile's stream). Kafka: GROUP, the only argument (default: the profile's group)."}),
    group: Args.string({description: "Redis: GROUP (default: the profile's group). Kafka: not taken."}),
  }
  static override flags = {
    force: only(['redis'], Flags.boolean({summary: 'Redis: delete even with consumers or pending entries.', default: false})),
    'delete-internal-topics': only(
      ['kafka'],
      Flags.boolean({
        summary: "Kafka Streams groups: delete the application's internal topics (repartition, changelog) with the group.",
      }),
    ),
    'dry-run': Flags.boolean({summary: 'Print the plan; change nothing.', default: false}),
  }

  async run(): Promise<void> {
    await this.call('group:delete', this.flags)
  }
}
