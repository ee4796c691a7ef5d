import {usage} from '../../errors/cg-error.js'
import {consumersReport} from '../../brokers/kafka/kafka-lag.js'
import type {VariantContext} from '../types.js'

/**
 * The group (and optional topic filter) of a Kafka inspection command whose arguments are
 * [SOURCE] [GROUP]: one value is the group; two are topic and group; none is the profile's group.
 */
export async function groupAndTopic(ctx: VariantContext): Promise<{group: string; topic?: string}> {
  const {source, group} = ctx.args
  if (source && group) return {group, topic: source}
  const one = source ?? group
  if (one) return {group: one}
  const p = await ctx.profile()
  if (p.group) return {group: p.group, topic: p.stream ?? undefined}
  throw usage(`${ctx.id} needs a GROUP on Kafka`, `Give it (cg ${ctx.id} GROUP), or set \`group:\` in the profile.`)
}

/** `cg consumers GROUP` on Kafka: members with member id, client id, host, instance id, assignment. */
export async function run(ctx: VariantContext): Promise<void> {
  const {group, topic} = await groupAndTopic(ctx)
  const report = await consumersReport(await ctx.kafka(), group, topic)
  await ctx.output(report, async (d, ui) => {
    await ui.kv([
      ['group', d.group],
      ['state', d.state],
      ['protocol', d.protocol],
      ['assignor', d.assignor],
      ['members', d.consumers.length],
    ])
    await ui.line()
    await ui.table(
      [
        {header: 'MEMBER-ID', get: (m) => m.memberId},
        {header: 'CLIENT-ID', get: (m) => m.clientId},
        {header: 'HOST', get: (m) => m.host},
        {header: 'INSTANCE-ID', get: (m) => m.instanceId},
        {header: 'ASSIGNMENT', get: (m) => m.assignment.map((a) => `${a.topic}:${a.partitions.join(',')}`).join(' ') || null},
      ],
      d.consumers,
      `(group ${d.group} has no members)`,
    )
  })
}
