import {usage} from '../../errors/cg-error.js'
import type {Ui} from '../../output/ui.js'
import {removeKafkaMember, type KafkaConsumerDeleteReport} from '../../brokers/kafka/kafka-repair.js'
import type {VariantContext} from '../types.js'

/**
 * `cg consumer delete GROUP MEMBER` on Kafka: LeaveGroup as admin. MEMBER is a member id or a static
 * member's group.instance.id. With one value it is MEMBER and the group comes from the profile.
 */
export async function run(ctx: VariantContext): Promise<void> {
  const given = [ctx.args.source, ctx.args.group, ctx.args.consumer].filter((v): v is string => v !== undefined && v !== '')
  let group: string | undefined
  let member: string
  if (given.length === 2) [group, member] = given
  else if (given.length === 1) {
    member = given[0]
    group = (await ctx.profile()).group
    if (!group) throw usage('missing GROUP', 'Give GROUP MEMBER, or set `group:` in the profile.')
  } else throw usage('on Kafka give GROUP MEMBER', 'MEMBER is a member id or a group.instance.id (see `cg consumers GROUP`).')
  if (ctx.flags.handoff !== undefined) throw usage('--handoff has no meaning on Kafka', 'A removed member\'s partitions go to the other members at the rebalance; committed offsets stay.')
  if (ctx.flags.force) throw usage('--force has no meaning on Kafka', 'Nothing is dropped when a member is removed: its partitions are reassigned and committed offsets stay.')
  const report = await removeKafkaMember(await ctx.kafka(), {group, member, dryRun: Boolean(ctx.flags['dry-run'])})
  await ctx.output(report, render)
}

async function render(r: KafkaConsumerDeleteReport, ui: Ui): Promise<void> {
  const m = r.member
  const who = `member ${m.memberId}${m.instanceId ? ` (instance ${m.instanceId})` : ''} of group ${r.group}`
  await ui.line(r.dryRun ? `Dry run: would remove ${who} (LeaveGroup by ${r.by}). Nothing changed.` : `Removed ${who}; its ${m.partitions} partition(s) go to the other members at the rebalance.`)
  await ui.kv([
    ['client', `${m.clientId} ${m.host}`],
    ['protocol', r.protocol],
    ['state before', r.state],
  ])
  if (!r.dryRun) await ui.line('A client that is still running gets UNKNOWN_MEMBER_ID at its next heartbeat and joins again as a new member (or stops, depending on the client).')
}
