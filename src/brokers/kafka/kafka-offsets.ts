// Kafka broker I/O for the repair commands (reset, group delete, offsets delete, consumer delete): a group's
// state and members (both protocols), committed offsets, log offsets (earliest, latest, by timestamp), and the
// admin writes: OffsetCommit as admin (alterConsumerGroupOffsets), OffsetDelete, DeleteGroups, LeaveGroup.
// Nothing here joins a group.
import {CgError} from '../../errors/cg-error.js'
import {kafkaLib} from './kafka-adapter.js'
import {kafkaError} from './kafka-errors.js'
import type {KafkaAdapter} from './kafka-types.js'

export type GroupProtocol = 'classic' | 'consumer'

export interface TopicPartitions {
  topic: string
  partitions: number[]
}

export interface KafkaMember {
  memberId: string
  /** group.instance.id of a static member */
  instanceId: string | null
  clientId: string
  host: string
  /** the topics it subscribes to (classic: from its join metadata; consumer protocol: SubscribedTopicNames) */
  subscribedTopics: string[]
  assignment: TopicPartitions[]
}

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
}

/** Java's names of the group states (the client reports classic states in upper snake case). */
export function stateName(s: string): string {
  const t = s.trim()
  if (!t) return 'Unknown'
  if (!/[_]/.test(t) && t !== t.toUpperCase()) return t
  return t
    .toLowerCase()
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('')
}

/** Every protocol error id (NON_EMPTY_GROUP, GROUP_ID_NOT_FOUND, ...) inside an error of the client. */
export function protocolErrorIds(err: unknown, depth = 0): string[] {
  if (!err || depth > 6) return []
  const e = err as {apiId?: string; errors?: unknown[]; cause?: unknown}
  const out: string[] = []
  if (typeof e.apiId === 'string') out.push(e.apiId)
  for (const inner of e.errors ?? []) out.push(...protocolErrorIds(inner, depth + 1))
  if (e.cause) out.push(...protocolErrorIds(e.cause, depth + 1))
  return out
}

/** Broker errors of one call as a CgError, with the protocol error named. */
function fail(adapter: KafkaAdapter, err: unknown, what: string): CgError {
  if (err instanceof CgError) return err
  const ids = [...new Set(protocolErrorIds(err))]
  if (ids.includes('GROUP_AUTHORIZATION_FAILED') || ids.includes('TOPIC_AUTHORIZATION_FAILED') || ids.includes('CLUSTER_AUTHORIZATION_FAILED')) {
    return new CgError('refused', `${what}: not authorized (${ids.join(', ')})`, 'The profile\'s user needs the ACLs for this group/topic.', {cause: err})
  }
  if (ids.length) return new CgError('unexpected', `${what}: the broker answered ${ids.join(', ')}`, undefined, {cause: err})
  return kafkaError(err, adapter.options, what)
}

async function coordinatorConnection(adapter: KafkaAdapter, group: string) {
  const admin = await adapter.admin()
  const {FindCoordinatorKeyTypes} = await kafkaLib()
  const coords = await admin.findCoordinator({keyType: FindCoordinatorKeyTypes.GROUP, keys: [group]})
  const node = coords.find((c) => c.key === group)?.nodeId ?? coords[0]?.nodeId
  if (node === undefined) throw new CgError('unreachable', `no coordinator found for group ${group}`)
  const conns = await admin.connectToBrokers([node])
  const conn = conns.get(node)
  if (!conn) throw new CgError('unreachable', `cannot connect to the coordinator (node ${node}) of group ${group}`)
  return conn
}

interface CgdGroup {
  errorCode: number
  errorMessage: string | null
  groupState: string
  members: Array<{
    memberId: string
    instanceId: string | null
    clientId: string
    clientHost: string
    subscribedTopicNames: string | string[]
    assignment: {topicPartitions: Array<{topicName: string; partitions: number[]}>}
  }>
}

type Rd = {
  readInt16(): number
  readInt32(): number
  readString(): string
  readNullableString(): string | null
  readUUID(): string
  readTaggedFields(): void
  readArray<T>(fn: (r: Rd, i: number) => T, compact?: boolean, discardTrailingTaggedFields?: boolean): T[]
}

/**
 * ConsumerGroupDescribe v0 response parser. The client's own (1.35.0) reads subscribed_topic_names as one
 * string and skips the tagged fields of the assignment structs, so it fails ("Out of bounds") on any group
 * that has members; this one follows the schema (ConsumerGroupDescribeResponse.json) and never throws for
 * per-group errors (the caller reads errorCode).
 */
function parseConsumerGroupDescribe(_correlationId: number, _apiKey: number, _apiVersion: number, reader: Rd) {
  const assignment = (r: Rd) => {
    const topicPartitions = r.readArray((t) => ({topicId: t.readUUID(), topicName: t.readString(), partitions: t.readArray(() => t.readInt32(), true, false)}))
    r.readTaggedFields()
    return {topicPartitions}
  }
  return {
    throttleTimeMs: reader.readInt32(),
    groups: reader.readArray((r) => ({
      errorCode: r.readInt16(),
      errorMessage: r.readNullableString(),
      groupId: r.readString(),
      groupState: r.readString(),
      groupEpoch: r.readInt32(),
      assignmentEpoch: r.readInt32(),
      assignorName: r.readString(),
      members: r.readArray((m) => ({
        memberId: m.readString(),
        instanceId: m.readNullableString(),
        rackId: m.readNullableString(),
        memberEpoch: m.readInt32(),
        clientId: m.readString(),
        clientHost: m.readString(),
        subscribedTopicNames: m.readArray(() => m.readString(), true, false),
        subscribedTopicRegex: m.readNullableString(),
        assignment: assignment(m),
        targetAssignment: assignment(m),
      })),
      authorizedOperations: r.readInt32(),
    })),
  }
}

/** ConsumerGroupDescribe (API 69); null when the group is not a consumer-protocol group or the broker lacks the API. */
async function describeConsumerProtocol(adapter: KafkaAdapter, group: string): Promise<CgdGroup | null> {
  const lib = await kafkaLib()
  const api = lib.createAPI(69, 0, lib.consumerGroupDescribeV0.createRequest, parseConsumerGroupDescribe as never) as unknown as {
    async: (conn: unknown, groups: string[], ops: boolean) => Promise<{groups: CgdGroup[]}>
  }
  let res
  try {
    const conn = await coordinatorConnection(adapter, group)
    res = await api.async(conn, [group], false)
  } catch (err) {
    // a 3.x broker may answer UNSUPPORTED_VERSION at the top level: fall back to the classic describe
    const ids = protocolErrorIds(err)
    if (ids.some((i) => i === 'UNSUPPORTED_VERSION' || i === 'INVALID_REQUEST')) return null
    if (/UNSUPPORTED|not supported|Unsupported API/i.test(String((err as Error)?.message))) return null
    throw fail(adapter, err, `describe group ${group}`)
  }
  const g = res.groups[0]
  // 69 GROUP_ID_NOT_FOUND (unknown, or "is not a consumer group"), 35 UNSUPPORTED_VERSION (3.x)
  return g && g.errorCode === 0 ? g : null
}

function listOf(topics: string | string[] | null | undefined): string[] {
  if (!topics) return []
  return (Array.isArray(topics) ? topics : [topics]).filter(Boolean)
}

/**
 * The group's protocol, state and members: ConsumerGroupDescribe first (KIP-848 groups look Dead to the
 * classic describe), then classic DescribeGroups.
 */
export async function describeGroup(adapter: KafkaAdapter, group: string): Promise<KafkaGroupInfo> {
  const cg = await describeConsumerProtocol(adapter, group)
  if (cg) {
    return {
      group,
      exists: true,
      protocol: 'consumer',
      state: stateName(cg.groupState),
      members: cg.members.map((m) => ({
        memberId: m.memberId,
        instanceId: m.instanceId ?? null,
        clientId: m.clientId,
        host: m.clientHost,
        subscribedTopics: listOf(m.subscribedTopicNames),
        assignment: m.assignment.topicPartitions.map((t) => ({topic: t.topicName, partitions: [...t.partitions].sort((a, b) => a - b)})),
      })),
    }
  }
  const g = await describeClassic(adapter, group)
  const state = stateName(g?.groupState ?? 'Dead')
  if (!g || state === 'Dead') return {group, exists: false, protocol: null, state: 'Dead', members: []}
  return {
    group,
    exists: true,
    protocol: 'classic',
    state,
    members: g.members.map((m) => ({
      memberId: m.memberId,
      instanceId: m.groupInstanceId ?? null,
      clientId: m.clientId,
      host: m.clientHost,
      subscribedTopics: subscriptionTopics(m.memberMetadata),
      assignment: assignmentOf(m.memberAssignment),
    })),
  }
}

interface ClassicGroup {
  errorCode: number
  groupState: string
  protocolType: string
  members: Array<{memberId: string; groupInstanceId: string | null; clientId: string; clientHost: string; memberMetadata: Buffer; memberAssignment: Buffer}>
}

/**
 * Classic DescribeGroups (v5) sent to the coordinator, member metadata decoded here: the client's Admin
 * (1.35.0) decodes a member's assignment user data past the end of the buffer for members of the Java
 * consumer and crashes the process from a callback.
 */
async function describeClassic(adapter: KafkaAdapter, group: string): Promise<ClassicGroup | null> {
  const {describeGroupsV5} = await kafkaLib()
  try {
    const conn = await coordinatorConnection(adapter, group)
    const res = await describeGroupsV5.api.async(conn, [group], false)
    return (res.groups[0] as unknown as ClassicGroup) ?? null
  } catch (err) {
    const response = (err as {response?: {groups?: ClassicGroup[]}}).response
    if (protocolErrorIds(err).includes('GROUP_ID_NOT_FOUND')) return null
    if (response?.groups?.[0]) return response.groups[0]
    throw fail(adapter, err, `describe group ${group}`)
  }
}

/** ConsumerProtocolSubscription: version, [topics], ... (the rest is not needed). [] when not a consumer's. */
export function subscriptionTopics(buf: Buffer | null | undefined): string[] {
  try {
    if (!buf || buf.length < 6) return []
    let at = 2
    const n = buf.readInt32BE(at)
    at += 4
    const out: string[] = []
    for (let i = 0; i < n; i++) {
      const len = buf.readInt16BE(at)
      at += 2
      out.push(buf.toString('utf8', at, at + len))
      at += len
    }
    return out
  } catch {
    return []
  }
}

/** ConsumerProtocolAssignment: version, [topic, [partition]], user data. [] when not a consumer's. */
export function assignmentOf(buf: Buffer | null | undefined): TopicPartitions[] {
  try {
    if (!buf || buf.length < 6) return []
    let at = 2
    const n = buf.readInt32BE(at)
    at += 4
    const out: TopicPartitions[] = []
    for (let i = 0; i < n; i++) {
      const len = buf.readInt16BE(at)
      at += 2
      const topic = buf.toString('utf8', at, at + len)
      at += len
      const k = buf.readInt32BE(at)
      at += 4
      const partitions: number[] = []
      for (let j = 0; j < k; j++, at += 4) partitions.push(buf.readInt32BE(at))
      out.push({topic, partitions: partitions.sort((x, y) => x - y)})
    }
    return out
  } catch {
    return []
  }
}

/** Committed offsets of a group: "topic" -> partition -> offset (partitions without a commit are left out). */
export async function committedOffsets(adapter: KafkaAdapter, group: string): Promise<Map<string, Map<number, number>>> {
  const admin = await adapter.admin()
  const out = new Map<string, Map<number, number>>()
  let res
  try {
    res = await admin.listConsumerGroupOffsets({groups: [group]})
  } catch (err) {
    if (protocolErrorIds(err).includes('GROUP_ID_NOT_FOUND')) return out
    throw fail(adapter, err, `committed offsets of ${group}`)
  }
  for (const g of res) {
    for (const t of g.topics) {
      for (const p of t.partitions) {
        if (p.committedOffset < 0n) continue
        if (!out.has(t.name)) out.set(t.name, new Map())
        out.get(t.name)!.set(p.partitionIndex, Number(p.committedOffset))
      }
    }
  }
  return out
}

/** Partition numbers of each topic; unknown topics are listed in `missing` (not an error here). */
export async function topicPartitionCounts(adapter: KafkaAdapter, topics: string[]): Promise<{partitions: Map<string, number[]>; missing: string[]}> {
  const partitions = new Map<string, number[]>()
  const missing: string[] = []
  if (topics.length === 0) return {partitions, missing}
  const admin = await adapter.admin()
  for (const topic of [...new Set(topics)]) {
    try {
      const meta = await admin.metadata({topics: [topic], autocreateTopics: false, forceUpdate: true})
      const t = meta.topics.get(topic)
      if (!t || t.partitionsCount === 0) missing.push(topic)
      else partitions.set(topic, Array.from({length: t.partitionsCount}, (_, i) => i))
    } catch (err) {
      if (protocolErrorIds(err).includes('UNKNOWN_TOPIC_OR_PARTITION') || /UNKNOWN_TOPIC|does not exist|unknown topic/i.test(String((err as Error)?.message) + protocolErrorIds(err).join(' '))) missing.push(topic)
      else throw fail(adapter, err, `metadata of topic ${topic}`)
    }
  }
  return {partitions, missing}
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
  const admin = await adapter.admin()
  let res
  try {
    res = await admin.listOffsets({topics: wanted.map((t) => ({name: t.topic, partitions: t.partitions.map((p) => ({partitionIndex: p, timestamp: ts}))}))})
  } catch (err) {
    throw fail(adapter, err, 'list offsets')
  }
  for (const t of res) {
    const m = out.get(t.name) ?? new Map<number, number | null>()
    for (const p of t.partitions) m.set(p.partitionIndex, p.offset < 0n ? null : Number(p.offset))
    out.set(t.name, m)
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
      throw new CgError('refused', `the broker refused to write offsets for group ${group}: it has active members now (${[...new Set(ids)].join(', ')})`, 'Stop the group\'s consumers and run the command again.', {cause: err})
    }
    throw fail(adapter, err, `write offsets of group ${group}`)
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
    throw fail(adapter, err, `coordinator of ${group}`)
  })
  const results: PartitionResult[] = []
  try {
    const res = await offsetDeleteV0.api.async(conn, group, tps.map((t) => ({name: t.topic, partitions: t.partitions.map((p) => ({partitionIndex: p}))})))
    for (const t of res.topics) for (const p of t.partitions) results.push({topic: t.name, partition: p.partitionIndex, error: p.errorCode ? errorId(p.errorCode) : null})
  } catch (err) {
    const response = (err as {response?: {errorCode?: number; topics?: Array<{name: string; partitions: Array<{partitionIndex: number; errorCode: number}>}>}}).response
    if (response && response.topics && !response.errorCode) {
      for (const t of response.topics) for (const p of t.partitions) results.push({topic: t.name, partition: p.partitionIndex, error: p.errorCode ? errorId(p.errorCode) : null})
      return results
    }
    const ids = protocolErrorIds(err)
    if (ids.includes('GROUP_ID_NOT_FOUND')) throw new CgError('not_found', `group ${group} not found`, 'List groups with `cg groups`.', {cause: err})
    if (ids.includes('NON_EMPTY_GROUP')) throw new CgError('refused', `group ${group} is not empty`, undefined, {cause: err})
    throw fail(adapter, err, `delete offsets of ${group}`)
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
    if (ids.includes('NON_EMPTY_GROUP')) throw new CgError('refused', `group ${group} has members: the broker refuses to delete it (NON_EMPTY_GROUP)`, 'Stop its consumers (or remove them with `cg consumer delete`), then run the command again.', {cause: err})
    if (ids.includes('GROUP_ID_NOT_FOUND')) throw new CgError('not_found', `group ${group} not found`, 'List groups with `cg groups`.', {cause: err})
    throw fail(adapter, err, `delete group ${group}`)
  }
}

/**
 * LeaveGroup sent by the admin for other members (KIP-345): a static member by its group.instance.id (member
 * id left empty, as the Java admin does), a dynamic one by its member id. Returns the per-member error id
 * (null = removed).
 */
export async function removeMember(adapter: KafkaAdapter, group: string, member: {memberId: string; instanceId: string | null}, reason: string): Promise<string | null> {
  const {leaveGroupV5} = await kafkaLib()
  const conn = await coordinatorConnection(adapter, group).catch((err) => {
    throw fail(adapter, err, `coordinator of ${group}`)
  })
  const req = member.instanceId ? {memberId: '', groupInstanceId: member.instanceId, reason} : {memberId: member.memberId, groupInstanceId: null, reason}
  try {
    const res = await leaveGroupV5.api.async(conn, group, [req])
    const m = res.members[0]
    return m && m.errorCode ? errorId(m.errorCode) : null
  } catch (err) {
    const response = (err as {response?: {errorCode?: number; members?: Array<{errorCode: number}>}}).response
    if (response?.members?.length && !response.errorCode) return errorId(response.members[0].errorCode)
    const ids = protocolErrorIds(err)
    if (ids.length) return ids[0]
    throw fail(adapter, err, `remove member of ${group}`)
  }
}
