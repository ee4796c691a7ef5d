// Broker I/O for inspecting Kafka consumer groups: list (both protocols), describe (ConsumerGroupDescribe
// first, classic DescribeGroups as the fallback), committed offsets of many groups per request, and
// log-end offsets in batches. Pure data out; the services in src/services/kafka/ make reports of it.
import type {Admin} from '@platformatic/kafka'
import {kafkaLib} from './kafka-adapter.js'
import {kafkaError, protocolIds} from './kafka-errors.js'
import type {KafkaAdapter} from './kafka-types.js'

/** "classic" (JoinGroup/SyncGroup) or "consumer" (KIP-848); other group types are passed through */
export type GroupProtocol = 'classic' | 'consumer' | string

export interface ListedGroup {
  group: string
  state: string
  protocol: GroupProtocol
  /** the classic protocol type ("consumer", "" for offset-only groups, "connect", ...) */
  protocolType: string
}

export interface MemberInfo {
  memberId: string
  clientId: string
  host: string
  instanceId: string | null
  /** topic -> partitions, sorted */
  assignment: Array<{topic: string; partitions: number[]}>
}

export interface DescribedGroup {
  group: string
  /** "Dead" for a group the broker does not know */
  state: string
  protocol: GroupProtocol
  /** the assignor (consumer) or the classic protocol name (e.g. "range"), null when unknown */
  assignor: string | null
  members: MemberInfo[]
}

/** group -> topic -> partition -> committed offset (only partitions with a commit) */
export type CommittedOffsets = Map<string, Map<string, Map<number, number>>>
/** topic -> partition -> log-end offset (high watermark) */
export type EndOffsets = Map<string, Map<number, number>>

const GROUPS_PER_REQUEST = 100
const TOPICS_PER_REQUEST = 200

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

/** A group state as kafka-consumer-groups.sh prints it ("Stable", "PreparingRebalance", ...). */
export function stateName(raw: string): string {
  const key = raw.replace(/[^a-z]/gi, '').toUpperCase()
  return STATES[key] ?? raw
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

async function admin(adapter: KafkaAdapter): Promise<Admin> {
  return adapter.admin()
}

/** Every consumer group of both protocols (one ListGroups request per broker). */
export async function listGroups(adapter: KafkaAdapter): Promise<ListedGroup[]> {
  const a = await admin(adapter)
  let groups
  try {
    groups = await a.listGroups({types: ['classic', 'consumer']})
  } catch (err) {
    throw kafkaError(err, adapter.options, 'listing groups')
  }
  return [...groups.values()]
    .map((g) => ({group: g.id, state: stateName(g.state), protocol: (g.groupType || 'classic').toLowerCase(), protocolType: g.protocolType ?? ''}))
    .sort((x, y) => x.group.localeCompare(y.group))
}

// --- ConsumerGroupDescribe (API 69) ----------------------------------------------------------------
// @platformatic/kafka 1.35 ships consumerGroupDescribeV0, but its parser reads subscribed_topic_names
// (an array) as one string, so any group with members fails to decode. This is the same request with
// the response decoded per the protocol definition, and per-group errors returned instead of thrown.

interface CgdMember {
  memberId: string
  instanceId: string | null
  clientId: string
  clientHost: string
  assignment: Array<{topic: string; partitions: number[]}>
}
interface CgdGroup {
  errorCode: number
  groupId: string
  groupState: string
  assignorName: string
  members: CgdMember[]
}

type Api = ((connection: unknown, ...args: unknown[]) => void) & {async: (...args: unknown[]) => Promise<unknown>}
let cgdApi: Api | undefined

async function consumerGroupDescribeApi(): Promise<Api> {
  if (cgdApi) return cgdApi
  const lib = (await kafkaLib()) as unknown as {
    Writer: {create(): any}
    createAPI: (key: number, version: number, req: (...a: any[]) => any, parse: (...a: any[]) => any) => Api
  }
  const {Writer, createAPI} = lib
  const createRequest = (groupIds: string[], includeAuthorizedOperations: boolean) =>
    Writer.create()
      .appendArray(groupIds, (w: any, g: string) => w.appendString(g), true, false)
      .appendBoolean(includeAuthorizedOperations)
      .appendTaggedFields()
  const topicPartitions = (r: any) =>
    r.readArray((t: any) => {
      t.readUUID()
      const topic = t.readString()
      const partitions = t.readArray(() => t.readInt32(), true, false) as number[]
      return {topic, partitions}
    })
  const parseResponse = (_c: number, _k: number, _v: number, reader: any): {groups: CgdGroup[]} => {
    reader.readInt32() // throttle_time_ms
    const groups = reader.readArray((r: any) => {
      const errorCode = r.readInt16()
      r.readNullableString()
      const groupId = r.readString()
      const groupState = r.readString()
      r.readInt32() // group_epoch
      r.readInt32() // assignment_epoch
      const assignorName = r.readString()
      const members = r.readArray((m: any) => {
        const memberId = m.readString()
        const instanceId = m.readNullableString()
        m.readNullableString() // rack_id
        m.readInt32() // member_epoch
        const clientId = m.readString()
        const clientHost = m.readString()
        m.readArray(() => m.readString(), true, false) // subscribed_topic_names
        m.readNullableString() // subscribed_topic_regex
        // assignment and target_assignment: structs, each followed by its own tagged fields
        const assignment = topicPartitions(m)
        m.readTaggedFields()
        topicPartitions(m)
        m.readTaggedFields()
        return {memberId, instanceId, clientId, clientHost, assignment}
      })
      r.readInt32() // authorized_operations
      return {errorCode, groupId, groupState, assignorName, members}
    })
    return {groups}
  }
  cgdApi = createAPI(69, 0, createRequest, parseResponse)
  return cgdApi
}

async function supportsApi(a: Admin, key: number): Promise<boolean> {
  const apis = (await a.listApis()) as Array<{apiKey: number}>
  return apis.some((x) => x.apiKey === key)
}

/** Groups by their coordinator's node id. */
async function byCoordinator(a: Admin, groups: string[]): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>()
  for (const part of chunks(groups, GROUPS_PER_REQUEST)) {
    const coordinators = await a.findCoordinator({keyType: 0, keys: part})
    for (const c of coordinators) {
      const list = out.get(c.nodeId) ?? []
      list.push(c.key)
      out.set(c.nodeId, list)
    }
  }
  return out
}

async function connectionTo(a: Admin, nodeId: number): Promise<unknown> {
  const lib = (await kafkaLib()) as unknown as {kMetadata: symbol; kGetConnection: symbol}
  const any = a as unknown as Record<symbol, (...args: unknown[]) => void>
  const metadata = await new Promise<{brokers: Map<number, unknown>}>((resolve, reject) =>
    any[lib.kMetadata].call(a, {topics: []}, (e: Error | null, m: {brokers: Map<number, unknown>}) => (e ? reject(e) : resolve(m))),
  )
  const broker = metadata.brokers.get(nodeId)
  if (!broker) throw new Error(`coordinator node ${nodeId} is not in the cluster metadata`)
  return new Promise((resolve, reject) => any[lib.kGetConnection].call(a, broker, (e: Error | null, c: unknown) => (e ? reject(e) : resolve(c))))
}

async function consumerGroupDescribe(a: Admin, groups: string[]): Promise<Map<string, CgdGroup>> {
  const api = await consumerGroupDescribeApi()
  const out = new Map<string, CgdGroup>()
  for (const [node, ids] of await byCoordinator(a, groups)) {
    const connection = await connectionTo(a, node)
    for (const part of chunks(ids, GROUPS_PER_REQUEST)) {
      const res = (await api.async(connection, part, false)) as {groups: CgdGroup[]}
      for (const g of res.groups) out.set(g.groupId, g)
    }
  }
  return out
}

const GROUP_ID_NOT_FOUND = 69

function sortAssignment(list: Array<{topic: string; partitions: number[]}>): Array<{topic: string; partitions: number[]}> {
  const merged = new Map<string, Set<number>>()
  for (const {topic, partitions} of list) {
    const s = merged.get(topic) ?? new Set<number>()
    for (const p of partitions) s.add(p)
    merged.set(topic, s)
  }
  return [...merged.entries()].sort(([x], [y]) => x.localeCompare(y)).map(([topic, s]) => ({topic, partitions: [...s].sort((x, y) => x - y)}))
}

/**
 * Describes groups as the Java admin does: ConsumerGroupDescribe (KIP-848 groups) first, classic
 * DescribeGroups for the groups it does not know (GROUP_ID_NOT_FOUND) or when the broker lacks API 69.
 * A group no protocol knows comes back with state "Dead" and no members.
 */
export async function describeGroups(adapter: KafkaAdapter, groups: string[]): Promise<Map<string, DescribedGroup>> {
  const out = new Map<string, DescribedGroup>()
  if (groups.length === 0) return out
  const a = await admin(adapter)
  try {
    let classic = [...groups]
    if (await supportsApi(a, 69)) {
      const described = await consumerGroupDescribe(a, groups)
      classic = []
      for (const id of groups) {
        const g = described.get(id)
        if (!g || g.errorCode === GROUP_ID_NOT_FOUND || g.errorCode !== 0) {
          classic.push(id)
          continue
        }
        out.set(id, {
          group: id,
          state: stateName(g.groupState),
          protocol: 'consumer',
          assignor: g.assignorName || null,
          members: g.members.map((m) => ({memberId: m.memberId, clientId: m.clientId, host: m.clientHost, instanceId: m.instanceId, assignment: sortAssignment(m.assignment)})),
        })
      }
    }
    for (const [id, g] of await classicDescribe(a, classic)) out.set(id, g)
  } catch (err) {
    throw kafkaError(err, adapter.options, 'describing groups')
  }
  return out
}

// --- classic DescribeGroups (API 15 v5) --------------------------------------------------------------
// The Admin's describeGroups decodes each member's assignment inside a network callback and throws an
// uncaught exception (the process dies) on a member whose assignment is still empty: any classic group
// in the middle of a rebalance. So cg sends the request itself and decodes assignments defensively.

interface RawClassicGroup {
  errorCode: number
  groupId: string
  groupState: string
  protocolType: string
  protocolData: string
  members: Array<{memberId: string; groupInstanceId: string | null; clientId: string; clientHost: string; memberMetadata: Buffer | null; memberAssignment: Buffer | null}>
}

/** ConsumerProtocolAssignment (non-flexible): version, [topic, [partition]], user_data. Empty on anything else. */
export function decodeAssignment(buf: Buffer | null | undefined): Array<{topic: string; partitions: number[]}> {
  if (!buf || buf.length < 6) return []
  try {
    let o = 2 // version
    const topics = buf.readInt32BE(o)
    o += 4
    const out: Array<{topic: string; partitions: number[]}> = []
    for (let i = 0; i < topics; i++) {
      const len = buf.readInt16BE(o)
      o += 2
      const topic = buf.toString('utf8', o, o + len)
      o += len
      const n = buf.readInt32BE(o)
      o += 4
      const partitions: number[] = []
      for (let j = 0; j < n; j++, o += 4) partitions.push(buf.readInt32BE(o))
      out.push({topic, partitions})
    }
    return out
  } catch {
    return []
  }
}

async function classicDescribe(a: Admin, groups: string[]): Promise<Map<string, DescribedGroup>> {
  const out = new Map<string, DescribedGroup>()
  if (groups.length === 0) return out
  const lib = (await kafkaLib()) as unknown as {describeGroupsV5: {api: Api}}
  const api = lib.describeGroupsV5.api
  for (const [node, ids] of await byCoordinator(a, groups)) {
    const connection = await connectionTo(a, node)
    for (const part of chunks(ids, GROUPS_PER_REQUEST)) {
      let res: {groups: RawClassicGroup[]}
      try {
        res = (await api.async(connection, part, false)) as {groups: RawClassicGroup[]}
      } catch (err) {
        // per-group errors come back as a ResponseError that still carries the whole response
        const response = (err as {response?: {groups: RawClassicGroup[]}}).response
        if (!response?.groups) throw err
        res = response
      }
      for (const g of res.groups) {
        if (g.errorCode !== 0 && g.errorCode !== GROUP_ID_NOT_FOUND) continue
        out.set(g.groupId, {
          group: g.groupId,
          state: g.errorCode === 0 ? stateName(g.groupState) : 'Dead',
          protocol: 'classic',
          assignor: g.protocolData || null,
          members: g.members.map((m) => ({
            memberId: m.memberId,
            clientId: m.clientId,
            host: m.clientHost,
            instanceId: m.groupInstanceId ?? null,
            assignment: g.protocolType === 'consumer' ? sortAssignment(decodeAssignment(m.memberAssignment)) : [],
          })),
        })
      }
    }
  }
  for (const id of groups) if (!out.has(id)) out.set(id, {group: id, state: 'Dead', protocol: 'classic', assignor: null, members: []})
  return out
}

/** Committed offsets of many groups, GROUPS_PER_REQUEST groups per OffsetFetch (v8+: many groups at once). */
export async function committedOffsets(adapter: KafkaAdapter, groups: string[]): Promise<CommittedOffsets> {
  const out: CommittedOffsets = new Map()
  const a = await admin(adapter)
  for (const part of chunks(groups, GROUPS_PER_REQUEST)) {
    let res
    try {
      res = await a.listConsumerGroupOffsets({groups: part})
    } catch (err) {
      // a group the coordinator does not know has no offsets
      if (protocolIds(err).has('GROUP_ID_NOT_FOUND') && part.length === 1) {
        out.set(part[0], new Map())
        continue
      }
      throw kafkaError(err, adapter.options, 'fetching committed offsets')
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

/** Partition counts of the topics that exist (unknown topics are left out). */
export async function topicPartitions(adapter: KafkaAdapter, topics: string[]): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>()
  if (topics.length === 0) return out
  const a = await admin(adapter)
  try {
    const existing = new Set(await a.listTopics({includeInternals: true}))
    const wanted = topics.filter((t) => existing.has(t))
    for (const part of chunks(wanted, TOPICS_PER_REQUEST)) {
      const meta = await a.metadata({topics: part, forceUpdate: true})
      for (const t of part) {
        const m = meta.topics.get(t)
        if (m) out.set(t, m.partitions.map((_, i) => i))
      }
    }
  } catch (err) {
    throw kafkaError(err, adapter.options, 'reading topic metadata')
  }
  return out
}

/** Log-end offsets (high watermark, READ_UNCOMMITTED: what kafka-consumer-groups.sh shows) of these partitions. */
export async function endOffsets(adapter: KafkaAdapter, partitions: Map<string, number[]>): Promise<EndOffsets> {
  const out: EndOffsets = new Map()
  const a = await admin(adapter)
  const topics = [...partitions.entries()].filter(([, ps]) => ps.length > 0)
  for (const part of chunks(topics, TOPICS_PER_REQUEST)) {
    let res
    try {
      res = await a.listOffsets({
        topics: part.map(([name, ps]) => ({name, partitions: ps.map((p) => ({partitionIndex: p, timestamp: -1n}))})),
        isolationLevel: 0,
      })
    } catch (err) {
      throw kafkaError(err, adapter.options, 'fetching log-end offsets')
    }
    for (const t of res) {
      const m = out.get(t.name) ?? new Map<number, number>()
      for (const p of t.partitions) m.set(p.partitionIndex, Number(p.offset))
      out.set(t.name, m)
    }
  }
  return out
}
