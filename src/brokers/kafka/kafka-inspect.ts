// Broker I/O for inspecting Kafka consumer groups: list (both protocols), describe (ConsumerGroupDescribe
// first, classic DescribeGroups as the fallback), committed offsets of many groups per request, log-start
// and log-end offsets in batches, topic ids and partition leaders (the group requests themselves live in
// kafka-groups.ts, shared with the repairs). Pure data out; kafka-lag.ts makes reports of it.
import type {Admin} from '@platformatic/kafka'
import {warn} from '../../output/log.js'
import {warning} from '../../output/wording.js'
import {callGroupCoordinators, shareGroupDescribe, supports} from './apis/index.js'
import {kafkaError} from './kafka-errors.js'
import {apiCall, offsetsByLeader, readMetadata, type Unavailable} from './kafka-metadata.js'
import {
  chunks,
  decodeAssignment,
  describeClassicGroups,
  describeConsumerGroups,
  existingTopicPartitions,
  fetchCommittedOffsets,
  sortAssignment,
  stateName,
  TOPICS_PER_REQUEST,
  type CommittedOffsets,
  type GroupDescription,
  type GroupProtocol,
  type TopicPartitions,
} from './kafka-groups.js'
import {describeStreamsGroups as streamsGroups, streamsDescription, type StreamsGroupInfo} from './kafka-streams.js'
import type {KafkaAdapter} from './kafka-types.js'

export type {GroupProtocol}

/** The group types of ListGroups v5 (KIP-848): what kafka-groups.sh --list prints in its TYPE column, lower case. */
export const GROUP_TYPES = ['classic', 'consumer', 'share', 'streams'] as const
export type GroupType = (typeof GROUP_TYPES)[number]

export interface ListedGroup {
  group: string
  state: string
  /** classic, consumer (KIP-848), share (KIP-932) or streams (KIP-1071); a type cg does not know is passed through */
  type: GroupType | string
  /** the same as type (kept for the JSON field `protocol`, which predates `type`) */
  protocol: GroupProtocol | string
  /** the classic protocol type ("consumer", "" for offset-only groups, "connect", ...) */
  protocolType: string
}

export interface MemberInfo {
  memberId: string
  clientId: string
  host: string
  instanceId: string | null
  /** topic -> partitions, sorted (streams members: the partitions of their active tasks' source topics) */
  assignment: TopicPartitions[]
  /** consumer, share and streams groups: the member's epoch; null for classic */
  memberEpoch: number | null
  /** consumer groups: the assignment the member is moving to (sorted); null for the other types */
  targetAssignment: TopicPartitions[] | null
  /** consumer groups on ConsumerGroupDescribe v1+: how the member joined ("classic" or "consumer"); else null */
  memberType: 'classic' | 'consumer' | null
}

export interface DescribedGroup {
  group: string
  /** "Dead" for a group the broker does not know */
  state: string
  /** the group type: classic, consumer, share, streams */
  type: GroupType
  /** classic or consumer for those types; share and streams for theirs (the same as type) */
  protocol: GroupProtocol | GroupType
  /** the assignor (consumer, share) or the classic protocol name (e.g. "range"), null when unknown */
  assignor: string | null
  /** consumer, share and streams groups: the group's epoch; null for classic */
  groupEpoch: number | null
  /** consumer, share and streams groups: the epoch of the target assignment; null for classic */
  assignmentEpoch: number | null
  members: MemberInfo[]
  /** a streams group's topology, tasks and internal topics (StreamsGroupDescribe) */
  streams?: StreamsGroupInfo
}

export type {CommittedOffsets}
/** topic -> partition -> log-end offset (high watermark) */
export type EndOffsets = Map<string, Map<number, number>>

export {decodeAssignment, stateName}

async function admin(adapter: KafkaAdapter): Promise<Admin> {
  return adapter.admin()
}

/**
 * Every group of every type the cluster has (one ListGroups request per broker, no type filter: all types, as
 * kafka-groups.sh --list), or only those of `types`. A broker before ListGroups v5 has no types: all classic.
 */
export async function listGroups(adapter: KafkaAdapter, types?: readonly string[]): Promise<ListedGroup[]> {
  const a = await admin(adapter)
  let groups: RawListed[]
  try {
    groups = [...(await a.listGroups({types: []})).values()]
  } catch (err) {
    // one node that does not answer (crashed a moment ago, still in the metadata) fails the library's call:
    // the other nodes are asked one by one
    const partial = await listGroupsPerNode(a).catch(() => undefined)
    if (!partial) throw kafkaError(err, adapter.options, 'listing groups')
    groups = partial
  }
  return groups
    .map((g): ListedGroup => {
      const type = (g.groupType || 'classic').toLowerCase()
      return {group: g.id, state: stateName(g.state), type, protocol: type, protocolType: g.protocolType ?? ''}
    })
    .filter((g) => !types?.length || types.includes(g.type))
    .sort((x, y) => x.group.localeCompare(y.group))
}

interface RawListed {
  id: string
  state: string
  groupType?: string
  protocolType?: string
}

/**
 * ListGroups asked of each node of the metadata apart: the groups of the nodes that answer, the others named
 * in a warning on stderr (the groups they coordinate are not listed). undefined when no node answered.
 */
async function listGroupsPerNode(a: Admin): Promise<RawListed[] | undefined> {
  const meta = await a.metadata({topics: []})
  const api = await apiCall(a, 16, 'listGroups')
  const out: RawListed[] = []
  const down: string[] = []
  await Promise.all(
    [...meta.brokers].map(async ([id, b]) => {
      try {
        const conn = (await a.connectToBrokers([id])).get(id)
        if (!conn) throw new Error(`node ${id} is not connected`)
        const res = (await api.async(conn, [], [])) as {groups: Array<{groupId: string; groupState?: string; groupType?: string; protocolType?: string}>}
        for (const g of res.groups) out.push({id: g.groupId, state: g.groupState ?? '', groupType: g.groupType, protocolType: g.protocolType})
      } catch {
        down.push(`node ${id} (${b.host}:${b.port})`)
      }
    }),
  )
  if (down.length === meta.brokers.size) return undefined
  if (down.length)
    warn(warning(`${down.sort().join(', ')} did not answer: the groups ${down.length === 1 ? 'it coordinates are' : 'they coordinate are'} not listed`))
  return out
}

/** The type of one group (classic, consumer, share, streams), null when the cluster has no such group. */
export async function groupTypeOf(adapter: KafkaAdapter, group: string): Promise<GroupType | string | null> {
  return (await listGroups(adapter)).find((g) => g.group === group)?.type ?? null
}

const described = (g: GroupDescription): DescribedGroup => ({
  group: g.group,
  state: g.state,
  type: g.protocol,
  protocol: g.protocol,
  assignor: g.assignor,
  groupEpoch: g.groupEpoch,
  assignmentEpoch: g.assignmentEpoch,
  members: g.members.map((m) => ({
    memberId: m.memberId,
    clientId: m.clientId,
    host: m.host,
    instanceId: m.instanceId,
    assignment: m.assignment,
    memberEpoch: m.memberEpoch,
    targetAssignment: m.targetAssignment,
    memberType: m.memberType,
  })),
})

const dead = (group: string): DescribedGroup => ({
  group,
  state: 'Dead',
  type: 'classic',
  protocol: 'classic',
  assignor: null,
  groupEpoch: null,
  assignmentEpoch: null,
  members: [],
})

/**
 * Describes groups as the Java admin does: ConsumerGroupDescribe (KIP-848 groups) first, classic
 * DescribeGroups for the groups it does not know (GROUP_ID_NOT_FOUND) or when the broker lacks API 69;
 * then, for what neither knows, ShareGroupDescribe and StreamsGroupDescribe where the broker has them.
 * With `types` (group -> type, from listGroups) each group is asked of its own type's API only.
 * A group no API knows comes back with state "Dead" and no members.
 */
export async function describeGroups(adapter: KafkaAdapter, groups: string[], types?: Map<string, string>): Promise<Map<string, DescribedGroup>> {
  const out = new Map<string, DescribedGroup>()
  if (groups.length === 0) return out
  const a = await admin(adapter)
  const ofType = (t: string) => (types ? groups.filter((g) => types.get(g) === t) : [])
  try {
    const share = ofType('share')
    const streams = ofType('streams')
    const other = types ? groups.filter((g) => !share.includes(g) && !streams.includes(g)) : groups
    const consumer = await describeConsumerGroups(a, types ? other.filter((g) => types.get(g) !== 'classic') : other)
    const classic: string[] = []
    for (const id of other) {
      const g = consumer.get(id)
      if (g && g.errorCode === 0) out.set(id, described(g))
      else classic.push(id)
    }
    const unknown: string[] = []
    const answered = await describeClassicGroups(a, classic)
    for (const id of classic) {
      const g = answered.get(id)
      if (g && g.errorCode === 0 && (types || g.state !== 'Dead')) out.set(id, described(g))
      else unknown.push(id)
    }
    // without types: what neither protocol knows may be a share or a streams group
    for (const [id, g] of await describeShareGroups(a, types ? share : unknown)) out.set(id, g)
    for (const [id, g] of await describeStreamsGroups(a, types ? streams : unknown.filter((x) => !out.has(x)))) out.set(id, g)
    for (const id of groups) if (!out.has(id)) out.set(id, dead(id))
  } catch (err) {
    throw kafkaError(err, adapter.options, 'describing groups')
  }
  return out
}

/** ShareGroupDescribe of these groups (those it knows; none when the broker lacks API 77). */
async function describeShareGroups(a: Admin, groups: string[]): Promise<Map<string, DescribedGroup>> {
  const out = new Map<string, DescribedGroup>()
  if (groups.length === 0 || !(await supports(a, shareGroupDescribe))) return out
  for (const res of await callGroupCoordinators(a, groups, shareGroupDescribe, (ids) => [ids]))
    for (const g of res.groups) {
      if (g.errorCode !== 0) continue
      out.set(g.groupId, {
        group: g.groupId,
        state: stateName(g.groupState),
        type: 'share',
        protocol: 'share',
        assignor: g.assignorName || null,
        groupEpoch: g.groupEpoch,
        assignmentEpoch: g.assignmentEpoch,
        members: g.members.map((m) => ({
          memberId: m.memberId,
          clientId: m.clientId,
          host: m.clientHost,
          instanceId: null,
          assignment: sortAssignment(m.assignment),
          memberEpoch: m.memberEpoch,
          targetAssignment: null,
          memberType: null,
        })),
      })
    }
  return out
}

/** StreamsGroupDescribe of these groups (those it knows; none when the broker lacks API 89), with their topology. */
async function describeStreamsGroups(a: Admin, groups: string[]): Promise<Map<string, DescribedGroup>> {
  const out = new Map<string, DescribedGroup>()
  for (const [id, s] of await streamsGroups(a, groups)) out.set(id, {...described(streamsDescription(s)), streams: s})
  return out
}

/** Committed offsets of many groups, many groups per OffsetFetch. */
export async function committedOffsets(adapter: KafkaAdapter, groups: string[]): Promise<CommittedOffsets> {
  const a = await admin(adapter)
  try {
    return await fetchCommittedOffsets(a, groups)
  } catch (err) {
    throw kafkaError(err, adapter.options, 'fetching committed offsets')
  }
}

/** Partition numbers of the topics that exist (unknown topics are left out). */
export async function topicPartitions(adapter: KafkaAdapter, topics: string[]): Promise<Map<string, number[]>> {
  if (topics.length === 0) return new Map()
  const a = await admin(adapter)
  try {
    return await existingTopicPartitions(a, topics)
  } catch (err) {
    throw kafkaError(err, adapter.options, 'reading topic metadata')
  }
}

/** What a round of ListOffsets read: the offsets, and the partitions without a (reachable) leader. */
export interface LogOffsets {
  /** topic -> partition -> log-end (or log-start) offset */
  offsets: EndOffsets
  /** topic -> partition -> node id of its leader, -1 when it has none */
  leaders: Map<string, number[]>
  /** partitions whose offsets could not be read (no leader, or a leader that did not answer) */
  unavailable: Unavailable[]
}

/** Log-end offsets (high watermark, READ_UNCOMMITTED: what kafka-consumer-groups.sh shows) of these partitions. */
export async function endOffsets(adapter: KafkaAdapter, partitions: Map<string, number[]>): Promise<LogOffsets> {
  return offsetsAt(adapter, partitions, -1n, 'fetching log-end offsets')
}

/** Log-start offsets (the earliest offset still held: retention and DeleteRecords move it) of these partitions. */
export async function startOffsets(adapter: KafkaAdapter, partitions: Map<string, number[]>): Promise<LogOffsets> {
  return offsetsAt(adapter, partitions, -2n, 'fetching log-start offsets')
}

/**
 * ListOffsets for -1 (latest) or -2 (earliest), TOPICS_PER_REQUEST topics per round, each leader asked
 * directly: partitions without a leader are listed in `unavailable`, the others answered.
 */
async function offsetsAt(adapter: KafkaAdapter, partitions: Map<string, number[]>, timestamp: bigint, what: string): Promise<LogOffsets> {
  const out: LogOffsets = {offsets: new Map(), leaders: new Map(), unavailable: []}
  const topics = [...partitions.entries()].filter(([, ps]) => ps.length > 0)
  for (const part of chunks(topics, TOPICS_PER_REQUEST)) {
    let res
    try {
      res = await offsetsByLeader(adapter, new Map(part), timestamp)
    } catch (err) {
      throw kafkaError(err, adapter.options, what)
    }
    for (const [name, ps] of res.offsets) {
      const m = out.offsets.get(name) ?? new Map<number, number>()
      for (const [p, offset] of ps) if (offset >= 0n) m.set(p, Number(offset))
      out.offsets.set(name, m)
    }
    for (const [name, t] of res.meta.topics)
      out.leaders.set(
        name,
        t.partitions.map((p) => p.leader),
      )
    out.unavailable.push(...res.unavailable)
  }
  return out
}

export interface TopicLeaders {
  /** the topic id (Fetch v13+ names topics by id) */
  id: string
  /** partition -> node id of its leader (-1: none) */
  leaders: number[]
}

/** Topic ids and partition leaders (-1 where a partition has none: its nodes are down). Unknown topics are left out. */
export async function topicLeaders(adapter: KafkaAdapter, topics: string[]): Promise<Map<string, TopicLeaders>> {
  const out = new Map<string, TopicLeaders>()
  if (topics.length === 0) return out
  const a = await admin(adapter)
  for (const part of chunks([...new Set(topics)], TOPICS_PER_REQUEST)) {
    let meta
    try {
      meta = await readMetadata(a, part)
    } catch (err) {
      throw kafkaError(err, adapter.options, 'reading topic metadata')
    }
    for (const t of part) {
      const m = meta.topics.get(t)
      if (m) out.set(t, {id: m.id, leaders: m.partitions.map((p) => p.leader)})
    }
  }
  return out
}
