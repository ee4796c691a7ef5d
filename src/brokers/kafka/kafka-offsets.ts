// Kafka broker I/O for the repair commands (reset, group delete, offsets delete, consumer delete): a group's
// state and members (both protocols), committed offsets, log offsets (earliest, latest, by timestamp), and the
// admin writes: OffsetCommit as admin (alterConsumerGroupOffsets), OffsetDelete, DeleteGroups, LeaveGroup. The
// group describes, committed offsets and topic partitions are kafka-groups.ts's, with this file's error messages.
// Nothing here joins a group.
import {CgError} from '../../errors/cg-error.js'
import {kafkaLib} from './kafka-adapter.js'
import {kafkaError, protocolIds} from './kafka-errors.js'
import {offsetsByLeader, unavailableError} from './kafka-metadata.js'
import {
  connectionTo,
  describeClassicGroups,
  describeConsumerGroups,
  existingTopicPartitions,
  fetchCommittedOffsets,
  GROUP_ID_NOT_FOUND,
  groupsByCoordinator,
  stateName,
  type GroupDescription,
  type GroupMember,
  type GroupProtocol,
  type TopicPartitions,
} from './kafka-groups.js'
import {describeStreamsGroups, streamsDescription, type StreamsGroupInfo} from './kafka-streams.js'
import type {KafkaAdapter} from './kafka-types.js'

export type {GroupProtocol, TopicPartitions}
/** a member of a group, from ConsumerGroupDescribe or classic DescribeGroups (kafka-groups.ts) */
export type KafkaMember = GroupMember

export interface KafkaGroupInfo {
  group: string
  /** false when the coordinator knows no such group (no members, no committed offsets) */
  exists: boolean
  /** null when the group does not exist */
  protocol: GroupProtocol | null
  /** the state as kafka-consumer-groups.sh prints it: Empty, Stable, PreparingRebalance, CompletingRebalance,
   * Assigning, Reconciling, Dead; "Dead" for an unknown group */
  state: string
  members: KafkaMember[]
  /** a streams group's topology, tasks and internal topics (StreamsGroupDescribe) */
  streams?: StreamsGroupInfo
}

export {stateName}

/** Every protocol error id (NON_EMPTY_GROUP, GROUP_ID_NOT_FOUND, ...) inside an error of the client. */
export function protocolErrorIds(err: unknown): string[] {
  return [...protocolIds(err)]
}

async function coordinatorConnection(adapter: KafkaAdapter, group: string) {
  const admin = await adapter.admin()
  const node = [...(await groupsByCoordinator(admin, [group])).keys()][0]
  if (node === undefined) throw new CgError('unreachable', `no coordinator found for group ${group}`)
  const conn = await connectionTo(admin, node)
  if (!conn) throw new CgError('unreachable', `cannot connect to the coordinator (node ${node}) of group ${group}`)
  return conn
}

/**
 * The group's protocol, state and members: ConsumerGroupDescribe first (KIP-848 groups look Dead to the
 * classic describe), then classic DescribeGroups.
 */
export async function describeGroup(adapter: KafkaAdapter, group: string): Promise<KafkaGroupInfo> {
  let consumer: GroupDescription | undefined
  try {
    consumer = (await describeConsumerGroups(await adapter.admin(), [group])).get(group)
  } catch (err) {
    // a 3.x broker may answer UNSUPPORTED_VERSION at the top level: fall back to the classic describe
    const ids = protocolErrorIds(err)
    if (
      !(
        ids.some((i) => i === 'UNSUPPORTED_VERSION' || i === 'INVALID_REQUEST') ||
        /UNSUPPORTED|not supported|Unsupported API/i.test(String((err as Error)?.message))
      )
    ) {
      throw kafkaError(err, adapter.options, `describe group ${group}`)
    }
  }
  // 69 GROUP_ID_NOT_FOUND (unknown, or "is not a consumer group"), 35 UNSUPPORTED_VERSION (3.x): try classic
  if (consumer && consumer.errorCode === 0) return {group, exists: true, protocol: 'consumer', state: consumer.state, members: consumer.members}
  let g: GroupDescription | undefined
  try {
    g = (await describeClassicGroups(await adapter.admin(), [group])).get(group)
  } catch (err) {
    throw kafkaError(err, adapter.options, `describe group ${group}`)
  }
  if (!g || g.errorCode === GROUP_ID_NOT_FOUND || g.state === 'Dead') {
    // neither protocol knows it: a streams group (KIP-1071), or no group at all
    let s: StreamsGroupInfo | undefined
    try {
      s = (await describeStreamsGroups(await adapter.admin(), [group])).get(group)
    } catch (err) {
      throw kafkaError(err, adapter.options, `describe group ${group}`)
    }
    if (s) return {group, exists: true, protocol: 'streams', state: s.state, members: streamsDescription(s).members, streams: s}
    return {group, exists: false, protocol: null, state: 'Dead', members: []}
  }
  return {group, exists: true, protocol: 'classic', state: g.state, members: g.members}
}

/** Committed offsets of a group: "topic" -> partition -> offset (partitions without a commit are left out). */
export async function committedOffsets(adapter: KafkaAdapter, group: string): Promise<Map<string, Map<number, number>>> {
  const admin = await adapter.admin()
  try {
    return (await fetchCommittedOffsets(admin, [group])).get(group) ?? new Map()
  } catch (err) {
    throw kafkaError(err, adapter.options, `committed offsets of ${group}`)
  }
}

/** Partition numbers of each topic; unknown topics are listed in `missing` (not an error here). */
export async function topicPartitionCounts(adapter: KafkaAdapter, topics: string[]): Promise<{partitions: Map<string, number[]>; missing: string[]}> {
  const unique = [...new Set(topics)]
  if (unique.length === 0) return {partitions: new Map(), missing: []}
  const admin = await adapter.admin()
  let partitions: Map<string, number[]>
  try {
    partitions = await existingTopicPartitions(admin, unique)
  } catch (err) {
    throw kafkaError(err, adapter.options, `metadata of topic${unique.length > 1 ? 's' : ''} ${unique.join(', ')}`)
  }
  return {partitions, missing: unique.filter((t) => !partitions.has(t))}
}

/** ListOffsets spec: earliest (-2), latest (-1) or a timestamp in ms. */
export type OffsetSpec = 'earliest' | 'latest' | {timestamp: number}

/**
 * Offsets of partitions by spec: "topic" -> partition -> offset. For a timestamp, null where no record has
 * a timestamp at or after it (the broker answers -1).
 */
export async function listOffsets(adapter: KafkaAdapter, tps: TopicPartitions[], spec: OffsetSpec): Promise<Map<string, Map<number, number | null>>> {
  const out = new Map<string, Map<number, number | null>>()
  const wanted = tps.filter((t) => t.partitions.length > 0)
  if (wanted.length === 0) return out
  const ts = spec === 'earliest' ? -2n : spec === 'latest' ? -1n : BigInt(spec.timestamp)
  let res
  try {
    res = await offsetsByLeader(adapter, new Map(wanted.map((t) => [t.topic, t.partitions])), ts)
  } catch (err) {
    throw kafkaError(err, adapter.options, 'list offsets')
  }
  // a repair needs every partition it acts on: one without a (reachable) leader stops it, naming the node
  if (res.unavailable.length) throw unavailableError(res.meta, res.unavailable, 'list offsets')
  for (const [topic, ps] of res.offsets) {
    const m = out.get(topic) ?? new Map<number, number | null>()
    for (const [p, offset] of ps) m.set(p, offset < 0n ? null : Number(offset))
    out.set(topic, m)
  }
  return out
}

/** OffsetCommit as admin (no join). The broker refuses it for a group with members (UNKNOWN_MEMBER_ID). */
export async function alterOffsets(adapter: KafkaAdapter, group: string, offsets: Array<{topic: string; partition: number; offset: number}>): Promise<void> {
  if (offsets.length === 0) return
  const byTopic = new Map<string, Array<{partition: number; offset: bigint}>>()
  for (const o of offsets) {
    if (!byTopic.has(o.topic)) byTopic.set(o.topic, [])
    byTopic.get(o.topic)!.push({partition: o.partition, offset: BigInt(o.offset)})
  }
  const admin = await adapter.admin()
  try {
    await admin.alterConsumerGroupOffsets({groupId: group, topics: [...byTopic].map(([name, partitionOffsets]) => ({name, partitionOffsets}))})
  } catch (err) {
    const ids = protocolErrorIds(err)
    if (ids.some((i) => i === 'UNKNOWN_MEMBER_ID' || i === 'REBALANCE_IN_PROGRESS' || i === 'ILLEGAL_GENERATION' || i === 'STALE_MEMBER_EPOCH')) {
      throw new CgError(
        'refused',
        `the broker refused to write offsets for group ${group}: it has active members now (${[...new Set(ids)].join(', ')})`,
        "Stop the group's consumers and run the command again.",
        {cause: err},
      )
    }
    throw kafkaError(err, adapter.options, `write offsets of group ${group}`)
  }
}

export interface PartitionResult {
  topic: string
  partition: number
  /** null = done; else the protocol error id */
  error: string | null
}

/** OffsetDelete: per-partition results (GROUP_SUBSCRIBED_TO_TOPIC where the group still consumes the topic). */
export async function deleteOffsets(adapter: KafkaAdapter, group: string, tps: TopicPartitions[]): Promise<PartitionResult[]> {
  const {offsetDeleteV0} = await kafkaLib()
  const conn = await coordinatorConnection(adapter, group).catch((err) => {
    throw kafkaError(err, adapter.options, `coordinator of ${group}`)
  })
  const results: PartitionResult[] = []
  try {
    const res = await offsetDeleteV0.api.async(
      conn,
      group,
      tps.map((t) => ({name: t.topic, partitions: t.partitions.map((p) => ({partitionIndex: p}))})),
    )
    for (const t of res.topics)
      for (const p of t.partitions) results.push({topic: t.name, partition: p.partitionIndex, error: p.errorCode ? errorId(p.errorCode) : null})
  } catch (err) {
    const response = (err as {response?: {errorCode?: number; topics?: Array<{name: string; partitions: Array<{partitionIndex: number; errorCode: number}>}>}})
      .response
    if (response?.topics && !response.errorCode) {
      for (const t of response.topics)
        for (const p of t.partitions) results.push({topic: t.name, partition: p.partitionIndex, error: p.errorCode ? errorId(p.errorCode) : null})
      return results
    }
    const ids = protocolErrorIds(err)
    if (ids.includes('GROUP_ID_NOT_FOUND')) throw new CgError('not_found', `group ${group} not found`, 'List groups with `cg groups`.', {cause: err})
    if (ids.includes('NON_EMPTY_GROUP')) throw new CgError('refused', `group ${group} is not empty`, undefined, {cause: err})
    throw kafkaError(err, adapter.options, `delete offsets of ${group}`)
  }
  return results
}

let errorNames: Map<number, string> | undefined
function errorId(code: number): string {
  return errorNames?.get(code) ?? `error ${code}`
}

/** Loads the protocol error names once (for per-partition codes). */
export async function loadErrorNames(): Promise<void> {
  if (errorNames) return
  const lib = (await kafkaLib()) as unknown as {protocolErrors?: Record<string, {id: string; code: number}>}
  errorNames = new Map(Object.values(lib.protocolErrors ?? {}).map((e) => [e.code, e.id]))
}

/** DeleteGroups. NON_EMPTY_GROUP -> exit 4, GROUP_ID_NOT_FOUND -> exit 5. */
export async function deleteGroup(adapter: KafkaAdapter, group: string): Promise<void> {
  const admin = await adapter.admin()
  try {
    await admin.deleteGroups({groups: [group]})
  } catch (err) {
    const ids = protocolErrorIds(err)
    if (ids.includes('NON_EMPTY_GROUP'))
      throw new CgError(
        'refused',
        `group ${group} has members: the broker refuses to delete it (NON_EMPTY_GROUP)`,
        'Stop its consumers (or remove them with `cg consumer delete`), then run the command again.',
        {cause: err},
      )
    if (ids.includes('GROUP_ID_NOT_FOUND')) throw new CgError('not_found', `group ${group} not found`, 'List groups with `cg groups`.', {cause: err})
    throw kafkaError(err, adapter.options, `delete group ${group}`)
  }
}

/**
 * LeaveGroup sent by the admin for other members (KIP-345): a static member by its group.instance.id (member
 * id left empty, as the Java admin does), a dynamic one by its member id. Returns the per-member error id
 * (null = removed).
 */
export async function removeMember(
  adapter: KafkaAdapter,
  group: string,
  member: {memberId: string; instanceId: string | null},
  reason: string,
): Promise<string | null> {
  const {leaveGroupV5} = await kafkaLib()
  const conn = await coordinatorConnection(adapter, group).catch((err) => {
    throw kafkaError(err, adapter.options, `coordinator of ${group}`)
  })
  const req = member.instanceId ? {memberId: '', groupInstanceId: member.instanceId, reason} : {memberId: member.memberId, groupInstanceId: null, reason}
  try {
    const res = await leaveGroupV5.api.async(conn, group, [req])
    const m = res.members[0]
    return m?.errorCode ? errorId(m.errorCode) : null
  } catch (err) {
    const response = (err as {response?: {errorCode?: number; members?: Array<{errorCode: number}>}}).response
    if (response?.members?.length && !response.errorCode) return errorId(response.members[0].errorCode)
    const ids = protocolErrorIds(err)
    if (ids.length) return ids[0]
    throw kafkaError(err, adapter.options, `remove member of ${group}`)
  }
}
