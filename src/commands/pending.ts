import {Args, Flags} from '@oclif/core'
import {CgCommand} from '../base-command.js'
import {pendingReport} from '../services/pending.js'
import {duration} from '../output/ui.js'

export default class Pending extends CgCommand<typeof Pending> {
  static override summary = 'What a group has not finished: Redis PEL entries, Kafka lag per partition, RabbitMQ ready/unacked per channel.'
  static override description = 'Pages through the pending entries list, so a PEL of any size is read in bounded memory. Shows the first 100 entries unless --count or --all is given.'
  static override examples = [
    '<%= config.bin %> pending tasks workers',
    '<%= config.bin %> pending tasks workers worker1 --min-idle 60000',
    '<%= config.bin %> pending tasks workers --all --json | jq -r \'.entries[].id\'',
  ]
  static override args = {
    source: Args.string({description: 'stream (default: the profile\'s stream)'}),
    group: Args.string({description: 'group (default: the profile\'s group)'}),
    consumer: Args.string({description: 'only this consumer\'s entries'}),
  }
  static override flags = {
    'min-idle': Flags.integer({summary: 'Only entries idle at least this many ms.', min: 0}),
    count: Flags.integer({summary: 'At most this many entries (default 100).', min: 0, exclusive: ['all']}),
    all: Flags.boolean({summary: 'Every entry (streamed page by page).'}),
    start: Flags.string({summary: 'Smallest id to show (default -).'}),
    end: Flags.string({summary: 'Largest id to show (default +).'}),
  }

  async run(): Promise<void> {
    if (await this.variant()) return
    const source = await this.orProfile(this.args.source, 'stream', 'STREAM')
    const group = await this.orProfile(this.args.group, 'group', 'GROUP')
    const f = this.flags
    const report = await pendingReport(await this.adapter(), {
      source,
      group,
      consumer: this.args.consumer,
      minIdleMs: f['min-idle'],
      start: f.start,
      end: f.end,
      count: f.all ? null : (f.count ?? 100),
    })
    await this.output(report, async (d, ui) => {
      const s = d.summary
      await ui.kv([
        ['stream', d.source],
        ['group', d.group],
        ...(d.consumer ? [['consumer', d.consumer] as [string, unknown]] : []),
        ['pending', s.count],
        ['oldest', s.minId],
        ['newest', s.maxId],
      ])
      if (s.consumers.length > 1) await ui.line('per consumer: ' + s.consumers.map((c) => `${c.name}=${c.pending}`).join(', '))
      await ui.line()
      const shown = await ui.rows(
        [
          {header: 'ID', get: (e) => e.id},
          {header: 'CONSUMER', get: (e) => e.consumer},
          {header: 'IDLE', get: (e) => duration(e.idleMs), align: 'right'},
          {header: 'IDLE-MS', get: (e) => e.idleMs, align: 'right'},
          {header: 'DELIVERIES', get: (e) => e.deliveries, align: 'right'},
        ],
        d.entries,
        '(no pending entries)',
      )
      if (d.limit !== null && shown === d.limit && s.count > shown) await ui.line(`(showing ${shown} of ${s.count}; use --count N or --all)`)
    })
  }
}
