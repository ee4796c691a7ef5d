import {Args, Flags} from '@oclif/core'
import {CgCommand} from '../base-command.js'
import {usage} from '../errors/cg-error.js'
import type {PendingEntry} from '../brokers/types.js'
import {duration, type Ui} from '../output/ui.js'
import {claim, type ClaimReport} from '../services/claim.js'
import {nonNegativeInt} from '../services/inputs.js'
import {usageByBroker} from '../output/help.js'

/** Ids listed in the human output; --json has them all. */
const SHOW_IDS = 20

export default class Claim extends CgCommand<typeof Claim> {
  static override summary = 'Hand idle pending work to another consumer (Redis XAUTOCLAIM; RabbitMQ: requeue by closing stuck connections; not Kafka).'
  static override description = [
    'Redis: moves pending entries idle at least --idle ms to --to (default: the profile\'s consumer). Reports the claimed ids and the ids whose message was deleted from the stream (the server drops those from the PEL). JUSTID by default: delivery counts are not bumped.',
    'RabbitMQ: unacked messages cannot be handed to a chosen consumer, so cg closes the connections of the queue\'s consumer channels that hold unacked messages and have been idle at least --idle ms; the broker requeues those messages for any consumer. --to, --from and --count are refused.',
    'Kafka: refused (exit 4): a partition, not a message, is owned by a member. Use cg consumer delete GROUP MEMBER to free a stuck member\'s partitions, or cg reset to re-read or skip records.',
  ].join('\n\n')
  static override usage = usageByBroker([
    ['Redis', '[STREAM] [GROUP] --idle MS [--to C]'],
    ['RabbitMQ', '[QUEUE] --idle MS'],
  ])
  static override examples = [
    {description: 'Redis: give entries idle for a minute to recovery-worker.', command: '<%= config.bin %> claim tasks workers --idle 60000 --to recovery-worker'},
    {description: 'Redis: stream, group and consumer from the profile.', command: '<%= config.bin %> claim --idle 60000'},
    {description: 'Redis: move 100 of worker-2\'s entries to worker-1, however idle.', command: '<%= config.bin %> claim tasks workers --idle 0 --from worker-2 --to worker-1 --count 100'},
    {description: 'Redis: list what would be claimed.', command: '<%= config.bin %> claim tasks workers --idle 300000 --to recovery-worker --dry-run'},
    {description: 'RabbitMQ: list the connections that would be closed to requeue messages of queue orders.', command: '<%= config.bin %> claim orders --idle 60000 --dry-run --url amqp://127.0.0.1:5672'},
    {description: 'RabbitMQ: requeue them.', command: '<%= config.bin %> claim orders --idle 60000 -p rabbit'},
  ]
  static override args = {
    source: Args.string({description: 'Redis: STREAM (default: the profile\'s stream). RabbitMQ: QUEUE (default: the profile\'s queue).'}),
    group: Args.string({description: 'Redis: GROUP (default: the profile\'s group). RabbitMQ: not taken (the queue\'s consumers are the group).'}),
  }
  static override flags = {
    idle: Flags.string({summary: 'Only entries idle at least this many ms (RabbitMQ: channels idle this long with unacked messages).'}),
    to: Flags.string({summary: 'Redis: consumer that receives the entries (default: the profile\'s consumer).'}),
    from: Flags.string({summary: 'Redis: only entries owned by this consumer.'}),
    count: Flags.string({summary: 'Redis: claim at most this many entries.'}),
    justid: Flags.boolean({summary: 'Redis: do not count a delivery (--no-justid counts one).', default: true, allowNo: true}),
    'dry-run': Flags.boolean({summary: 'List what would be claimed (RabbitMQ: the connections that would close); change nothing.', default: false}),
  }

  async run(): Promise<void> {
    if (await this.variant()) return
    const source = await this.orProfile(this.args.source, 'stream')
    const group = await this.orProfile(this.args.group, 'group')
    const to = await this.orProfile(this.flags.to, 'consumer', '--to')
    if (this.flags.idle === undefined) throw usage('missing --idle', 'Give the minimum idle time in ms, for example --idle 60000.')
    const minIdleMs = nonNegativeInt(this.flags.idle, '--idle')
    const count = this.flags.count === undefined ? null : nonNegativeInt(this.flags.count, '--count', '1000')
    const adapter = await this.adapter('claim', 'claim')
    const report = await claim(adapter, {source, group, to, from: this.flags.from, minIdleMs, count, justId: this.flags.justid, dryRun: this.flags['dry-run']}, this.abort.signal)
    await this.output(report, renderClaim)
    this.exitFor(report)
  }
}

async function renderClaim(r: ClaimReport, ui: Ui): Promise<void> {
  const idle = `idle >= ${duration(r.minIdleMs) ?? r.minIdleMs + 'ms'}`
  const from = r.from === null ? '' : ` owned by ${r.from}`
  if (r.plan) {
    await ui.line(`Dry run: would claim ${r.plan.count} entries of ${r.source}/${r.group}${from} to ${r.to} (${idle}). Nothing changed.`)
    await ui.table<PendingEntry>(
      [
        {header: 'ID', get: (e) => e.id},
        {header: 'CONSUMER', get: (e) => e.consumer},
        {header: 'IDLE', get: (e) => duration(e.idleMs), align: 'right'},
        {header: 'DELIVERIES', get: (e) => e.deliveries, align: 'right'},
      ],
      r.plan.entries,
      '(no pending entries match)',
    )
    return
  }
  await ui.line(`${r.interrupted ? 'Interrupted: claimed' : 'Claimed'} ${r.claimed.count} entries of ${r.source}/${r.group}${from} to ${r.to} (${idle}${r.justId ? ', delivery counts kept' : ', delivery counts +1'}).`)
  await ui.kv([
    ['claimed', listed(r.claimed.ids)],
    ['deleted', r.deleted.count ? `${listed(r.deleted.ids)} (gone from the stream; dropped from the PEL)` : 0],
    ...(r.skipped ? ([['skipped', `${r.skipped} (no longer idle enough)`]] as Array<[string, unknown]>) : []),
  ])
}

function listed(ids: string[]): string {
  if (ids.length === 0) return '0'
  const shown = ids.slice(0, SHOW_IDS).join(', ')
  return `${ids.length}: ${shown}${ids.length > SHOW_IDS ? `, ... (${ids.length - SHOW_IDS} more; --json lists all)` : ''}`
}
