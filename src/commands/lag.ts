import {Args, Flags} from '@oclif/core'
import {CgCommand} from '../base-command.js'
import {duration} from '../output/ui.js'

export default class Lag extends CgCommand<typeof Lag> {
  static override summary = 'Lag per group (Redis: with its oldest pending entry; Kafka: per partition, --window statuses; RabbitMQ: backlog per queue).'
  static override description = 'Lag is the number of entries not yet delivered to the group; "unknown" where Redis cannot tell (after SETID without ENTRIESREAD, or deletions past the group position).'
  static override examples = ['<%= config.bin %> lag', '<%= config.bin %> lag workers', '<%= config.bin %> lag --stream tasks --json']
  static override args = {group: Args.string({description: 'only this group (default: every group)'})}
  static override flags = {
    stream: Flags.string({summary: 'Only groups of this stream (Redis).'}),
    topic: Flags.string({summary: 'Kafka: only this topic.'}),
    window: Flags.string({summary: 'Kafka: sample offsets over this long (e.g. 30s, PT1M) and give each partition a status: ok, warn, stalled, stopped, rewound.'}),
    samples: Flags.integer({summary: 'Kafka: samples taken over --window (default 5).', min: 2}),
    vhost: Flags.string({summary: 'RabbitMQ: only this vhost.'}),
  }

  async run(): Promise<void> {
    if (await this.variant()) return
    const adapter = await this.adapter()
    const rows = adapter.lag(this.args.group, this.flags.stream)
    await this.output({broker: adapter.broker, groups: rows}, async (d, ui) => {
      await ui.rows(
        [
          {header: 'STREAM', get: (r) => r.source},
          {header: 'GROUP', get: (r) => r.group},
          {header: 'LAG', get: (r) => r.lag, align: 'right', empty: 'unknown'},
          {header: 'PENDING', get: (r) => r.pending, align: 'right'},
          {header: 'OLDEST-PENDING', get: (r) => r.oldestPendingId},
          {header: 'OLDEST-IDLE', get: (r) => duration(r.oldestPendingIdleMs), align: 'right'},
        ],
        d.groups,
        '(no consumer groups)',
      )
    })
  }
}
