import {Args, Flags} from '@oclif/core'
import {CgCommand} from '../base-command.js'
import {usageByBroker} from '../output/help.js'

export default class SetId extends CgCommand<typeof SetId> {
  static override summary = "Redis only: set a group's last-delivered-id (XGROUP SETID)."
  static override description = [
    'ID is <ms>-<seq>, $ (the last entry) or 0 (the beginning). Without --entries-read the server may report lag as unknown; cg reset computes it for you. ID may come alone; STREAM and GROUP then come from the profile (stream:, group:).',
    'Kafka and RabbitMQ: refused (exit 4). Kafka groups have committed offsets per partition: use cg reset GROUP --to-offset N --topic T. RabbitMQ queues have no consumer position.',
  ].join('\n\n')
  static override usage = usageByBroker([['Redis', '[STREAM GROUP] ID [--entries-read N]']])
  static override examples = [
    {
      description: 'Redis: deliver what comes after 1700000000000-0 to group workers of stream tasks.',
      command: '<%= config.bin %> setid tasks workers 1700000000000-0',
    },
    {description: 'Redis: redeliver everything, with lag known.', command: '<%= config.bin %> setid tasks workers 0 --entries-read 0'},
    {description: 'Redis: skip to the end; stream and group from the profile.', command: "<%= config.bin %> setid '$'"},
  ]
  static override args = {
    source: Args.string({description: "Redis: STREAM (with GROUP; default: the profile's stream)."}),
    group: Args.string({description: "Redis: GROUP (default: the profile's group)."}),
    id: Args.string({description: 'Redis: ID, the new last-delivered-id: <ms>-<seq>, $ or 0.'}),
  }
  static override flags = {
    'entries-read': Flags.string({summary: 'ENTRIESREAD: how many entries the group has read at ID, so lag stays known.'}),
    'dry-run': Flags.boolean({summary: 'Print the plan; change nothing.', default: false}),
  }

  async run(): Promise<void> {
    await this.call('setid', this.flags)
  }
}
