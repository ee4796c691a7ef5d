import {Args, Flags} from '@oclif/core'
import {CgCommand} from '../../base-command.js'
import {usageByBroker} from '../../output/help.js'

export default class GroupCreate extends CgCommand<typeof GroupCreate> {
  static override summary = 'Redis only: create a consumer group (XGROUP CREATE).'
  static override description = [
    'Starts at $ (only new entries) unless --start says otherwise; refuses (exit 4) when the group exists; --mkstream creates a missing stream.',
    'Kafka and RabbitMQ: refused (exit 4). A Kafka group comes into being when a consumer joins or offsets are committed (cg reset GROUP --topic T --to-earliest --execute gives a new group offsets). A RabbitMQ "group" is the set of consumers of a queue, and cg never declares queues.',
  ].join('\n\n')
  static override usage = usageByBroker([['Redis', '[STREAM] [GROUP] [--start ID] [--mkstream]']])
  static override examples = [
    {description: 'Redis: group workers on stream tasks, for new entries only.', command: '<%= config.bin %> group create tasks workers'},
    {description: 'Redis: a group that reads the stream from the beginning.', command: '<%= config.bin %> group create tasks workers --start 0'},
    {description: 'Redis: create the stream too.', command: '<%= config.bin %> group create new-stream workers --mkstream'},
  ]
  static override args = {
    source: Args.string({description: "Redis: STREAM (default: the profile's stream)."}),
    group: Args.string({description: "Redis: GROUP (default: the profile's group)."}),
  }
  static override flags = {
    start: Flags.string({summary: 'Last-delivered-id to start from: <ms>-<seq>, $ (new entries only) or 0 (everything).', default: '$'}),
    mkstream: Flags.boolean({summary: 'Create the stream when it does not exist.', default: false}),
    'entries-read': Flags.string({summary: 'ENTRIESREAD: entries already read at --start, so lag is known.'}),
    'dry-run': Flags.boolean({summary: 'Print the plan; change nothing.', default: false}),
  }

  async run(): Promise<void> {
    await this.call('group:create', this.flags)
  }
}
