// `cg group delete`, `cg offsets delete` and `cg consumer delete` on Kafka: each checks the group first (so a
// refusal changes nothing), supports --dry-run, and then makes one admin call: DeleteGroups, OffsetDelete,
// LeaveGroup (KIP-345 admin removal). Nothing here joins the group.
import {
  committedOffsets,
  deleteGroup,
  deleteOffsets,
  describeGroup,
  loadErrorNames,
  type GroupProtocol,
  removeMember,
  topicPartitionCounts,
  type KafkaGroupInfo,
  type KafkaMember,
  type TopicPartitions,
} from './kafka-offsets.js'
import type {KafkaAdapter} from './kafka-types.js'
import {bulkEnd, type BulkEnd} from '../../core/results.js'
import {CgError, usage} from '../../errors/cg-error.js'
import {parseScope, stopHint} from './kafka-reset.js'
import {deleteTopics, existingInternalTopics} from './kafka-streams.js'

async function existingGroup(adapter: KafkaAdapter, group: string): Promise<{info: KafkaGroupInfo; committed: Map<string, Map<number, number>>}> {
  const [info, committed] = await Promise.all([describeGroup(adapter, group), committedOffsets(adapter, group)])
  if (!info.exists && committed.size === 0) throw new CgError('not_found', `group ${group} not found`, 'List groups with `cg groups`.')
  return {info, committed}
}

function memberNames(info: KafkaGroupInfo): string {
  const names = info.members.map((m) => (m.instanceId ? `${m.memberId} (instance ${m.instanceId})` : m.memberId))
  return names.slice(0, 5).join(', ') + (names.length > 5 ? ` and ${names.length - 5} more` : '')
}

// ---- group delete ----

export interface KafkaGroupDeleteReport {
  group: string
  state: string
  protocol: GroupProtocol | 'share' | null
  /** members (always 0: a group with members is not deleted) */
  consumers: number
  /** partitions with a committed offset (deleted with the group) */
  committedPartitions: number
  /** the topics of those offsets */
  sources: string[]
  /** a streams group's internal topics that exist (repartition, changelog): deleted with --delete-internal-topics; [] for other groups */
  internalTopics: string[]
  dryRun: boolean
  deleted: boolean
  /** whether internalTopics were deleted too */
  internalTopicsDeleted: boolean
}

/**
 * DeleteGroups, refused (exit 4) while the group has members; unknown group exit 5. A streams group's internal
 * topics go too with deleteInternalTopics (DeleteTopics after DeleteGroups); without it a streams group that
 * still has some is refused, so that no application state is left behind unnoticed.
 */
export async function deleteKafkaGroup(
  adapter: KafkaAdapter,
  o: {group: string; dryRun: boolean; deleteInternalTopics?: boolean},
): Promise<KafkaGroupDeleteReport> {
  const {info, committed} = await existingGroup(adapter, o.group)
  if (o.deleteInternalTopics && !info.streams)
    throw usage(`--delete-internal-topics is for Kafka Streams groups; ${o.group} is a ${info.protocol ?? 'classic'} group`, 'Leave it out.')
  if (info.members.length > 0) {
    throw new CgError(
      'refused',
      `group ${o.group} is ${info.state} with ${info.members.length} member(s): ${memberNames(info)}; a group is deleted only when it has none. Nothing changed.`,
      stopHint(info),
    )
  }
  const internalTopics = info.streams ? await existingInternalTopics(adapter, info.streams) : []
  if (internalTopics.length && !o.deleteInternalTopics) {
    throw new CgError(
      'refused',
      `${o.group} is a Kafka Streams group whose internal topics hold its state: ${internalTopics.join(', ')}. Nothing changed.`,
      `Add --delete-internal-topics to delete them with the group (the application then starts with empty state), or delete the group with kafka-streams-groups.sh --delete --group ${o.group} to keep them.`,
    )
  }
  const report: KafkaGroupDeleteReport = {
    group: o.group,
    state: info.state,
    protocol: info.protocol,
    consumers: 0,
    committedPartitions: [...committed.values()].reduce((n, m) => n + m.size, 0),
    sources: [...committed.keys()].sort(),
    internalTopics,
    dryRun: o.dryRun,
    deleted: false,
    internalTopicsDeleted: false,
  }
  if (o.dryRun) return report
  await deleteGroup(adapter, o.group)
  report.deleted = true
  if (internalTopics.length) {
    await deleteTopics(adapter, internalTopics)
    report.internalTopicsDeleted = true
  }
  return report
}

// ---- offsets delete ----

export interface OffsetDeleteRow {
  topic: string
  partition: number
  /** the committed offset before; null = none */
  offset: number | null
  /** deleted | would delete | no offset | failed */
  status: 'deleted' | 'would delete' | 'no offset' | 'failed'
  error: string | null
}

export interface KafkaOffsetsDeleteReport {
  group: string
  state: string
  /** members */
  consumers: number
  dryRun: boolean
  partitions: OffsetDeleteRow[]
  /** offsets deleted, partitions without one (skipped), partitions the broker refused (failed: exit 3) */
  totals: BulkEnd & {deleted: number}
}

/** OffsetDelete for topics (or topic:partitions) the group does not consume now; refused (4) for those it does. */
export async function deleteKafkaOffsets(
  adapter: KafkaAdapter,
  o: {group: string; topics: string[] | undefined; dryRun: boolean},
): Promise<KafkaOffsetsDeleteReport> {
  if (!o.topics?.length) throw usage('offsets delete needs --topic', 'Give --topic T or T:P,P (repeatable).')
  const scope = parseScope(o.topics, false, false)
  if (scope.kind !== 'topics') throw usage('offsets delete needs --topic', 'Give --topic TOPIC (or TOPIC:P,P) for each topic whose offsets to delete.')
  const {info, committed} = await existingGroup(adapter, o.group)
  const {partitions, missing} = await topicPartitionCounts(
    adapter,
    scope.topics.map((t) => t.topic),
  )
  if (missing.length) throw new CgError('not_found', `topic${missing.length > 1 ? 's' : ''} not found: ${missing.join(', ')}`, 'Check the name.')
  // the broker refuses OffsetDelete (GROUP_SUBSCRIBED_TO_TOPIC) for topics a live group subscribes to: check
  // first so that nothing changes when any topic asked for is one of them
  const subscribed = new Set(info.members.flatMap((m: KafkaMember) => [...m.subscribedTopics, ...m.assignment.map((a) => a.topic)]))
  const busy = scope.topics.map((t) => t.topic).filter((t) => subscribed.has(t))
  if (busy.length) {
    throw new CgError(
      'refused',
      `group ${o.group} is ${info.state} and its members consume ${busy.join(', ')}: the broker keeps offsets of subscribed topics (GROUP_SUBSCRIBED_TO_TOPIC). Nothing changed.`,
      info.streams ? stopHint(info) : 'Stop the consumers of those topics (or change their subscription), then run the command again.',
    )
  }
  const rows: OffsetDeleteRow[] = []
  const bad: string[] = []
  for (const t of scope.topics) {
    const all = partitions.get(t.topic)!
    for (const p of t.partitions ?? all) {
      if (!all.includes(p)) {
        bad.push(`${t.topic}-${p}`)
        continue
      }
      const offset = committed.get(t.topic)?.get(p) ?? null
      rows.push({topic: t.topic, partition: p, offset, status: offset === null ? 'no offset' : o.dryRun ? 'would delete' : 'deleted', error: null})
    }
  }
  if (bad.length) throw new CgError('not_found', `partition${bad.length > 1 ? 's' : ''} not found: ${bad.join(', ')}`, 'Check the partition numbers.')
  const totals = {deleted: 0, ...bulkEnd()}
  totals.skipped = rows.filter((r) => r.offset === null).length
  const report: KafkaOffsetsDeleteReport = {group: o.group, state: info.state, consumers: info.members.length, dryRun: o.dryRun, partitions: rows, totals}
  const toDelete = rows.filter((r) => r.offset !== null)
  if (o.dryRun || toDelete.length === 0) return report
  await loadErrorNames()
  const byTopic = new Map<string, number[]>()
  for (const r of toDelete) byTopic.set(r.topic, [...(byTopic.get(r.topic) ?? []), r.partition])
  const tps: TopicPartitions[] = [...byTopic].map(([topic, ps]) => ({topic, partitions: ps}))
  const results = await deleteOffsets(adapter, o.group, tps)
  for (const res of results) {
    const row = rows.find((r) => r.topic === res.topic && r.partition === res.partition)
    if (!row) continue
    if (res.error) {
      row.status = 'failed'
      row.error = res.error
    }
  }
  totals.deleted = rows.filter((r) => r.status === 'deleted').length
  totals.failed = rows.filter((r) => r.status === 'failed').length
  return report
}

// ---- consumer delete ----

export interface KafkaConsumerDeleteReport {
  group: string
  protocol: GroupProtocol | null
  state: string
  /** the member id */
  consumer: string
  /** the rest of what the group says of the member; partitions: how many it had assigned */
  member: {instanceId: string | null; clientId: string; host: string; partitions: number}
  /** how the LeaveGroup names it: by group.instance.id (static member) or member id */
  by: 'instance-id' | 'member-id'
  dryRun: boolean
  deleted: boolean
}

/**
 * Removes one member with LeaveGroup sent by the admin (KIP-345): a static member by its group.instance.id, a
 * dynamic one by its member id. The member may be named by either. Its partitions go to the others at the
 * rebalance; its client, if still alive, is told UNKNOWN_MEMBER_ID at its next heartbeat and rejoins as a new
 * member (or stops, depending on the client).
 */
export async function removeKafkaMember(adapter: KafkaAdapter, o: {group: string; member: string; dryRun: boolean}): Promise<KafkaConsumerDeleteReport> {
  const info = await describeGroup(adapter, o.group)
  if (!info.exists) {
    const committed = await committedOffsets(adapter, o.group)
    if (committed.size === 0) throw new CgError('not_found', `group ${o.group} not found`, 'List groups with `cg groups`.')
  }
  if (info.streams)
    throw new CgError(
      'unsupported',
      `${o.group} is a Kafka Streams group: the broker removes its members only when they leave or miss their heartbeats (there is no admin LeaveGroup for streams groups)`,
      'Stop that Kafka Streams instance; the broker fences it after group.streams.session.timeout.ms.',
    )
  const m = info.members.find((x) => x.memberId === o.member) ?? info.members.find((x) => x.instanceId === o.member)
  if (!m) {
    throw new CgError(
      'not_found',
      `group ${o.group} has no member ${o.member}${info.members.length ? ` (members: ${memberNames(info)})` : ' (it has no members)'}`,
      'Name the member by its member id or its group.instance.id, as `cg consumers GROUP` shows them.',
    )
  }
  const report: KafkaConsumerDeleteReport = {
    group: o.group,
    protocol: info.protocol,
    state: info.state,
    consumer: m.memberId,
    member: {instanceId: m.instanceId, clientId: m.clientId, host: m.host, partitions: m.assignment.reduce((n, a) => n + a.partitions.length, 0)},
    by: m.instanceId ? 'instance-id' : 'member-id',
    dryRun: o.dryRun,
    deleted: false,
  }
  if (o.dryRun) return report
  await loadErrorNames()
  const error = await removeMember(adapter, o.group, m, `removed by cg consumer delete`)
  if (error === 'UNKNOWN_MEMBER_ID') {
    const again = await describeGroup(adapter, o.group)
    const still = again.members.find((x) => x.memberId === m.memberId)
    if (!still) throw new CgError('not_found', `member ${o.member} left group ${o.group} before it could be removed`)
    if (info.protocol === 'consumer') {
      throw new CgError(
        'unsupported',
        `this broker cannot remove member ${o.member} of ${o.group}: it is a consumer-protocol (KIP-848) member and the broker answers LeaveGroup from an admin with UNKNOWN_MEMBER_ID`,
        'Stop that consumer process; the broker fences it after its session timeout (group.consumer.session.timeout.ms).',
      )
    }
    throw new CgError('unexpected', `the broker did not remove member ${o.member} (UNKNOWN_MEMBER_ID)`)
  }
  if (error === 'FENCED_INSTANCE_ID')
    throw new CgError('refused', `the broker refused to remove ${o.member}: its group.instance.id now belongs to another member (FENCED_INSTANCE_ID)`)
  if (error) throw new CgError('unexpected', `the broker did not remove member ${o.member}: ${error}`)
  report.deleted = true
  return report
}
