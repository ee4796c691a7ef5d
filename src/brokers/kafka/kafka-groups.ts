// Consumer-group I/O shared by inspection (kafka-inspect.ts) and repairs (kafka-offsets.ts): group state
// names, the coordinator of each group and a connection to it, ConsumerGroupDescribe (KIP-848 groups) and
// classic DescribeGroups sent by cg and decoded here, the consumer protocol's member metadata, committed
// offsets of many groups per request, and the partitions of existing topics. Errors are thrown as the client
// raised them: each caller maps them to its own CgError message.
import type {Admin, Connection} from '@platformatic/kafka'
import {chunks, connectionTo, GROUPS_PER_REQUEST, groupsByCoordinator} from './apis/coordinator.js'
import {callGroupCoordinators, consumerGroupDescribe, supports} from './apis/index.js'
import {kafkaLib} from './kafka-adapter.js'
import {protocolIds} from './kafka-errors.js'
import {readMetadata} from './kafka-metadata.js'

/** "classic" (JoinGroup/SyncGroup) or "consumer" (KIP-848) */
export type GroupProtocol = 'classic' | 'consumer'

export interface TopicPartitions {
  topic: string
  partitions: number[]
}

export interface GroupMember {
  memberId: string
  /** group.instance.id of a static member */
  instanceId: string | null
  clientId: string
  host: string
  /** the topics it subscribes to (classic: from its join metadata; consumer protocol: SubscribedTopicNames) */
  subscribedTopics: string[]
  /** topic -> partitions, topics and partitions sorted */
  assignment: TopicPartitions[]
  /** consumer protocol (KIP-848): the member's epoch; null for a classic group */
  memberEpoch: number | null
  /** consumer protocol: the assignment the coordinator wants it to reach (sorted); null for a classic group */
  targetAssignment: TopicPartitions[] | null
  /** consumer protocol, ConsumerGroupDescribe v1+ (KIP-1099): "classic" (a JoinGroup member of an upgraded group) or "consumer"; else null */
  memberType: 'classic' | 'consumer' | null
}

/** One group as one protocol's describe answered it. */
export interface GroupDescription {
  group: string
  protocol: GroupProtocol
  /** 0, or the group's protocol error code (69 GROUP_ID_NOT_FOUND: unknown to this protocol) */
  errorCode: number
  /** stateName() of the broker's state */
  state: string
  /** the assignor (consumer protocol) or the classic protocol name (e.g. "range"), null when unknown */
  assignor: string | null
  /** the classic protocol type ("consumer", "connect", ...); "consumer" for the consumer protocol */
  protocolType: string
  /** consumer protocol: the group's epoch (bumped on every membership or subscription change); null for classic */
  groupEpoch: number | null
  /** consumer protocol: the epoch of the target assignment (the group epoch it was computed for); null for classic */
  assignmentEpoch: number | null
  members: GroupMember[]
}

/** group -> topic -> partition -> committed offset (only partitions with a commit) */
export type CommittedOffsets = Map<string, Map<string, Map<number, number>>>

export {chunks, connectionTo, GROUPS_PER_REQUEST, groupsByCoordinator} from './apis/coordinator.js'
export const TOPICS_PER_REQUEST = 200
export const GROUP_ID_NOT_FOUND = 69

const STATES: Record<string, string> = {
  STABLE: 'Stable',
  EMPTY: 'Empty',
  DEAD: 'Dead',
  PREPARINGREBALANCE: 'PreparingRebalance',
  COMPLETINGREBALANCE: 'CompletingRebalance',
  ASSIGNING: 'Assigning',
  RECONCILING: 'Reconciling',
  NOTREADY: 'NotReady',
  UNKNOWN: 'Unknown',
}

/**
 * A group state as kafka-consumer-groups.sh prints it ("Stable", "PreparingRebalance", ...), whatever the
 * spelling the client reports ("PREPARING_REBALANCE", "stable"); "Unknown" for an empty state. Other upper
 * snake case names are camel-cased, anything else is kept.
 */
export function stateName(raw: string): string {
  const t = raw.trim()
  if (!t) return 'Unknown'
  const known = STATES[t.replace(/[^a-z]/gi, '').toUpperCase()]
  if (known) return known
  if (!t.includes('_') && t !== t.toUpperCase()) return t
  return t
    .toLowerCase()
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('')
}

async function mustConnect(a: Admin, nodeId: number): Promise<Connection> {
  const conn = await connectionTo(a, nodeId)
  if (!conn) throw new Error(`coordinator node ${nodeId} is not in the cluster metadata`)
  return conn
}

/** Topics (merged when listed twice) and partitions sorted. */
export function sortAssignment(list: TopicPartitions[]): TopicPartitions[] {
  const merged = new Map<string, Set<number>>()
  for (const {topic, partitions} of list) {
    const s = merged.get(topic) ?? new Set<number>()
    for (const p of partitions) s.add(p)
    merged.set(topic, s)
  }
  return [...merged.entries()].sort(([x], [y]) => x.localeCompare(y)).map(([topic, s]) => ({topic, partitions: [...s].sort((x, y) => x - y)}))
}

/** Reads a consumer protocol blob after its int16 version: int32 numbers, int16-length strings (big endian). */
function protocolReader(buf: Buffer) {
  let o = 2
  return {
    int32(): number {
      const v = buf.readInt32BE(o)
      o += 4
      return v
    },
    string(): string {
      const len = buf.readInt16BE(o)
      o += 2
      const s = buf.toString('utf8', o, o + len)
      o += len
      return s
    },
  }
}

/**
 * ConsumerProtocolAssignment (non-flexible): version, [topic, [partition]], user_data. [] on anything
 * else (an empty assignment mid-rebalance, another protocol's bytes); user data is never read, so a Java
 * member's null user data is fine.
 */
export function decodeAssignment(buf: Buffer | null | undefined): TopicPartitions[] {
  if (!buf || buf.length < 6) return []
  try {
    const r = protocolReader(buf)
    const out: TopicPartitions[] = []
    for (let i = 0, topics = r.int32(); i < topics; i++) {
      const topic = r.string()
      const partitions: number[] = []
      for (let j = 0, n = r.int32(); j < n; j++) partitions.push(r.int32())
      out.push({topic, partitions})
    }
    return out
  } catch {
    return []
  }
}

/** ConsumerProtocolSubscription: version, [topics], ... (the rest is not needed). [] when not a consumer's. */
export function subscriptionTopics(buf: Buffer | null | undefined): string[] {
  if (!buf || buf.length < 6) return []
  try {
    const r = protocolReader(buf)
    const out: string[] = []
    for (let i = 0, n = r.int32(); i < n; i++) out.push(r.string())
    return out
  } catch {
    return []
  }
}

// --- ConsumerGroupDescribe (API 69) ------------------------------------------------------------------
// Sent by cg (apis/consumer-group-describe.ts): per-group errors are returned, and v1 (KIP-1099) is read too.

const MEMBER_TYPES: Record<number, 'classic' | 'consumer'> = {0: 'classic', 1: 'consumer'}

/**
 * ConsumerGroupDescribe of these groups, batched per coordinator. Empty when the broker lacks API 69; a
 * group the consumer protocol does not know comes back with errorCode GROUP_ID_NOT_FOUND (or another code).
 */
export async function describeConsumerGroups(a: Admin, groups: string[]): Promise<Map<string, GroupDescription>> {
  const out = new Map<string, GroupDescription>()
  if (groups.length === 0 || !(await supports(a, consumerGroupDescribe))) return out
  for (const res of await callGroupCoordinators(a, groups, consumerGroupDescribe, (ids) => [ids])) {
    for (const g of res.groups) {
      out.set(g.groupId, {
        group: g.groupId,
        protocol: 'consumer',
        errorCode: g.errorCode,
        state: stateName(g.groupState),
        assignor: g.assignorName || null,
        protocolType: 'consumer',
        groupEpoch: g.groupEpoch,
        assignmentEpoch: g.assignmentEpoch,
        members: g.members.map((m) => ({
          memberId: m.memberId,
          instanceId: m.instanceId ?? null,
          clientId: m.clientId,
          host: m.clientHost,
          subscribedTopics: m.subscribedTopicNames.filter(Boolean),
          assignment: sortAssignment(m.assignment),
          memberEpoch: m.memberEpoch,
          targetAssignment: sortAssignment(m.targetAssignment),
          memberType: MEMBER_TYPES[m.memberType] ?? null,
        })),
      })
    }
  }
  return out
}

// --- classic DescribeGroups (API 15 v5) --------------------------------------------------------------
// The Admin's describeGroups decodes each member's assignment inside a network callback and throws an
// uncaught exception (the process dies) on a member whose assignment is still empty (any classic group in
// the middle of a rebalance) or reads a Java consumer's user data past the end of the buffer. So cg sends
// the request itself and decodes the consumer protocol's member metadata defensively.

type Api = {async: (connection: Connection, ...args: unknown[]) => Promise<unknown>}

interface RawClassicGroup {
  errorCode: number
  groupId: string
  groupState: string
  protocolType: string
  protocolData: string
  members: Array<{
    memberId: string
    groupInstanceId: string | null
    clientId: string
    clientHost: string
    memberMetadata: Buffer | null
    memberAssignment: Buffer | null
  }>
}

/**
 * Classic DescribeGroups of these groups, batched per coordinator, per-group errors kept (errorCode).
 * Member subscriptions and assignments are decoded for protocol type "consumer" only.
 */
export async function describeClassicGroups(a: Admin, groups: string[]): Promise<Map<string, GroupDescription>> {
  const out = new Map<string, GroupDescription>()
  if (groups.length === 0) return out
  const api = (await kafkaLib()).describeGroupsV5.api as unknown as Api
  for (const [node, ids] of await groupsByCoordinator(a, groups)) {
    const connection = await mustConnect(a, node)
    for (const part of chunks(ids, GROUPS_PER_REQUEST)) {
      let res: {groups: RawClassicGroup[]}
      try {
        res = (await api.async(connection, part, false)) as {groups: RawClassicGroup[]}
      } catch (err) {
        // per-group errors come back as a ResponseError that still carries the whole response
        const response = (err as {response?: {groups?: RawClassicGroup[]}}).response
        if (!response?.groups) throw err
        res = response as {groups: RawClassicGroup[]}
      }
      for (const g of res.groups) {
        const consumer = g.protocolType === 'consumer'
        out.set(g.groupId, {
          group: g.groupId,
          protocol: 'classic',
          errorCode: g.errorCode,
          state: stateName(g.groupState ?? ''),
          assignor: g.protocolData || null,
          protocolType: g.protocolType ?? '',
          groupEpoch: null,
          assignmentEpoch: null,
          members: (g.members ?? []).map((m) => ({
            memberId: m.memberId,
            instanceId: m.groupInstanceId ?? null,
            clientId: m.clientId,
            host: m.clientHost,
            subscribedTopics: consumer ? subscriptionTopics(m.memberMetadata) : [],
            assignment: consumer ? sortAssignment(decodeAssignment(m.memberAssignment)) : [],
            memberEpoch: null,
            targetAssignment: null,
            memberType: null,
          })),
        })
      }
    }
  }
  return out
}

/**
 * Committed offsets of many groups, GROUPS_PER_REQUEST groups per OffsetFetch (v8+: many groups at once).
 * Every group asked for is in the result (no commits: an empty map); a lone group the coordinator does not
 * know has none.
 */
export async function fetchCommittedOffsets(a: Admin, groups: string[], opts: {requireStable?: boolean} = {}): Promise<CommittedOffsets> {
  const out: CommittedOffsets = new Map()
  for (const part of chunks(groups, GROUPS_PER_REQUEST)) {
    let res
    try {
      res = await a.listConsumerGroupOffsets({groups: part, ...(opts.requireStable ? {requireStable: true} : {})})
    } catch (err) {
      if (protocolIds(err).has('GROUP_ID_NOT_FOUND') && part.length === 1) {
        out.set(part[0], new Map())
        continue
      }
      throw err
    }
    for (const g of res) {
      const topics = new Map<string, Map<number, number>>()
      for (const t of g.topics) {
        const parts = new Map<number, number>()
        for (const p of t.partitions) if (p.committedOffset >= 0n) parts.set(p.partitionIndex, Number(p.committedOffset))
        if (parts.size) topics.set(t.name, parts)
      }
      out.set(g.groupId, topics)
    }
    for (const id of part) if (!out.has(id)) out.set(id, new Map())
  }
  return out
}

/** Partition numbers of the topics that exist (unknown topics and topics without partitions are left out). */
export async function existingTopicPartitions(a: Admin, topics: string[]): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>()
  if (topics.length === 0) return out
  const wanted = [...new Set(topics)]
  for (const part of chunks(wanted, TOPICS_PER_REQUEST)) {
    // unknown topics are left out; a partition without a leader (its nodes down) is still a partition of the topic
    const meta = await readMetadata(a, part)
    for (const t of part) {
      const m = meta.topics.get(t)
      if (m && m.partitions.length > 0)
        out.set(
          t,
          m.partitions.map((p) => p.partition),
        )
    }
  }
  return out
}
