// Partition leaders on a cluster where a node may be down. The client library's metadata call fails as a whole
// when one partition has no leader (LEADER_NOT_AVAILABLE: every replica of it is on stopped nodes), and its
// ListOffsets goes through that call: one leaderless partition would make every inspection fail. Here the
// metadata answer is kept with its leaderless partitions (leader -1), ListOffsets is sent to each leader
// directly (a leader that moved is looked up again), and what has no leader is returned as such, naming the
// nodes its replicas are on: inspection shows the rest, a repair that needs those partitions fails (exit 69)
// naming the node.
import type {Admin, Connection} from '@platformatic/kafka'
import {CgError} from '../../errors/cg-error.js'
import {kafkaLib} from './kafka-adapter.js'
import {flatten, kafkaError} from './kafka-errors.js'
import type {KafkaAdapter} from './kafka-types.js'

export interface PartitionMeta {
  partition: number
  /** node id of the leader; -1 when the partition has none */
  leader: number
  leaderEpoch: number
  replicas: number[]
  isr: number[]
  /** replicas on nodes that are down */
  offline: number[]
}

export interface TopicMeta {
  id: string
  partitions: PartitionMeta[]
}

export interface ClusterMeta {
  /** the live nodes (a stopped node is not listed) */
  brokers: Map<number, {host: string; port: number}>
  topics: Map<string, TopicMeta>
}

/** A partition whose offsets could not be read: no leader, or its leader did not answer. */
export interface Unavailable {
  topic: string
  partition: number
  /** the leader that did not answer; null when the partition has no leader */
  leader: number | null
  /** the nodes its replicas are on */
  replicas: number[]
}

interface RawMetadata {
  brokers?: Array<{nodeId: number; host: string; port: number}>
  topics?: Array<{
    errorCode: number
    name: string
    topicId?: string
    partitions: Array<{
      errorCode: number
      partitionIndex: number
      leaderId: number
      leaderEpoch: number
      replicaNodes: number[]
      isrNodes: number[]
      offlineReplicas: number[]
    }>
  }>
}

const UNKNOWN_TOPIC_OR_PARTITION = 3
const LEADER_NOT_AVAILABLE = 5
const REPLICA_NOT_AVAILABLE = 9
/** partition errors of a leader that moved: look the leader up again */
const MOVED = new Set([5, 6, 74, 75]) // LEADER_NOT_AVAILABLE, NOT_LEADER_OR_FOLLOWER, FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH

/** The decoded response carried by an error of the client (partition errors come back that way), if any. */
function responseIn<T>(err: unknown, has: (r: T) => boolean, depth = 0): T | undefined {
  if (!err || depth > 6) return undefined
  const x = err as {response?: T; errors?: unknown[]; cause?: unknown}
  if (x.response && has(x.response)) return x.response
  for (const e of x.errors ?? []) {
    const r = responseIn(e, has, depth + 1)
    if (r) return r
  }
  return responseIn(x.cause, has, depth + 1)
}

/**
 * Metadata of these topics (null: every topic), fresh, asked of one live node. A partition without a leader
 * does not fail it (leader -1, its offline replicas listed); an unknown topic is left out.
 */
export async function readMetadata(admin: Admin, topics: string[] | null): Promise<ClusterMeta> {
  const api = await apiCall(admin, 3, 'metadata')
  // the live nodes as the admin knows them (its bootstrap), then the first that answers
  const known = await admin.metadata({topics: []})
  let raw: RawMetadata | undefined
  let last: unknown
  for (const id of known.brokers.keys()) {
    try {
      const conn = (await admin.connectToBrokers([id])).get(id)
      if (!conn) continue
      raw = (await api.async(conn, topics, false, false)) as RawMetadata
    } catch (err) {
      raw = responseIn<RawMetadata>(err, (r) => Array.isArray(r.topics) && Array.isArray(r.brokers))
      last = err
    }
    if (raw) break
  }
  if (!raw) throw last ?? new Error('no node answered a Metadata request')
  const out: ClusterMeta = {brokers: new Map(), topics: new Map()}
  for (const b of raw.brokers ?? []) out.brokers.set(b.nodeId, {host: b.host, port: b.port})
  for (const t of raw.topics ?? []) {
    if (t.errorCode === UNKNOWN_TOPIC_OR_PARTITION) continue
    // only partition-level leadership errors are kept: anything else (authorization, ...) is the caller's to report
    if (t.errorCode !== 0 && t.errorCode !== LEADER_NOT_AVAILABLE) throw last
    const partitions = [...t.partitions]
      .sort((x, y) => x.partitionIndex - y.partitionIndex)
      .map((p) => ({
        partition: p.partitionIndex,
        leader: p.errorCode === 0 || p.errorCode === REPLICA_NOT_AVAILABLE ? p.leaderId : -1,
        leaderEpoch: p.leaderEpoch,
        replicas: p.replicaNodes ?? [],
        isr: p.isrNodes ?? [],
        offline: p.offlineReplicas ?? [],
      }))
    out.topics.set(t.name, {id: t.topicId ?? t.name, partitions})
  }
  return out
}

/** "node 2 (127.0.0.1:9293)", or "node 2 (down: not in the cluster metadata)". */
export function nodeName(meta: ClusterMeta, id: number): string {
  const b = meta.brokers.get(id)
  return b ? `node ${id} (${b.host}:${b.port})` : `node ${id} (down: not in the cluster metadata)`
}

/** "orphans:0, orphans:1" */
export const partitionList = (parts: Array<{topic: string; partition: number}>) => parts.map((p) => `${p.topic}:${p.partition}`).join(', ')

/** The nodes a list of unavailable partitions waits for: the dead leaders, else the replicas. */
function nodesOf(parts: Unavailable[]): number[] {
  return [...new Set(parts.flatMap((p) => (p.leader !== null ? [p.leader] : p.replicas)))].sort((x, y) => x - y)
}

/**
 * The one error of a repair that needs partitions without a reachable leader: exit 69, naming the partitions
 * and the nodes (a node down stays down for cg: it never waits for it).
 */
export function unavailableError(meta: ClusterMeta, parts: Unavailable[], what: string): CgError {
  const nodes = nodesOf(parts)
  const names = nodes.map((n) => nodeName(meta, n)).join(', ')
  const noLeader = parts.every((p) => p.leader === null)
  return new CgError(
    'unreachable',
    `${what}: ${parts.length === 1 ? 'partition' : 'partitions'} ${partitionList(parts)} ${noLeader ? `${parts.length === 1 ? 'has' : 'have'} no leader (replicas on ${names})` : `did not answer (leader ${names})`}`,
    `Start ${nodes.length === 1 ? 'that node' : 'those nodes'} again (or wait for a new leader), then run the command again; \`cg pending\` / \`cg lag\` show which partitions have no leader.`,
  )
}

type Api = {async: (connection: Connection, ...args: unknown[]) => Promise<unknown>}
const apis = new Map<number, Api>()

/** The highest version of an API both the broker and the library speak (as the library picks its own). */
export async function apiCall(admin: Admin, key: number, name: string): Promise<Api> {
  const cached = apis.get(key)
  if (cached) return cached
  const lib = (await kafkaLib()) as unknown as Record<string, {api?: Api}>
  const versions = (await admin.listApis()) as Array<{apiKey: number; minVersion: number; maxVersion: number}>
  const spec = versions.find((a) => a.apiKey === key)
  for (let v = spec?.maxVersion ?? 0; v >= (spec?.minVersion ?? 0); v--) {
    const api = lib[`${name}V${v}`]?.api
    if (api) {
      apis.set(key, api)
      return api
    }
  }
  throw new CgError('unexpected', `no ${name} version in common with the broker`)
}

type Offsets = Map<string, Map<number, bigint>>

interface RawListOffsets {
  topics: Array<{name: string; partitions: Array<{partitionIndex: number; errorCode: number; offset: bigint}>}>
}

/**
 * ListOffsets (timestamp -1 latest, -2 earliest, or ms) of these partitions, each leader asked directly.
 * Partitions without a leader, or whose leader cannot be reached, come back in `unavailable` (never an
 * error here: inspection shows the rest). A leader that moved meanwhile is looked up again (twice at most).
 */
export async function offsetsByLeader(
  adapter: KafkaAdapter,
  partitions: Map<string, number[]>,
  timestamp: bigint,
  isolationLevel: 0 | 1 = 0,
): Promise<{offsets: Offsets; unavailable: Unavailable[]; meta: ClusterMeta}> {
  const admin = await adapter.admin()
  const offsets: Offsets = new Map()
  const unavailable: Unavailable[] = []
  let todo = new Map([...partitions].filter(([, ps]) => ps.length > 0))
  let meta: ClusterMeta = {brokers: new Map(), topics: new Map()}
  if (todo.size === 0) return {offsets, unavailable, meta}
  const api = await apiCall(admin, 2, 'listOffsets')
  const addTo = (m: Map<string, number[]>, topic: string, p: number) => (m.get(topic) ?? m.set(topic, []).get(topic)!).push(p)
  for (let round = 0; round < 3 && todo.size > 0; round++) {
    if (round > 0) await new Promise((r) => setTimeout(r, 300 * round))
    meta = await readMetadata(admin, [...todo.keys()])
    const byLeader = new Map<number, Map<string, Array<{partitionIndex: number; currentLeaderEpoch: number; timestamp: bigint}>>>()
    for (const [topic, ps] of todo) {
      const t = meta.topics.get(topic)
      for (const p of ps) {
        const pm = t?.partitions[p]
        if (!pm) continue
        if (pm.leader < 0) {
          unavailable.push({topic, partition: p, leader: null, replicas: pm.replicas})
          continue
        }
        const forLeader = byLeader.get(pm.leader) ?? new Map()
        const list = forLeader.get(topic) ?? []
        list.push({partitionIndex: p, currentLeaderEpoch: pm.leaderEpoch, timestamp})
        forLeader.set(topic, list)
        byLeader.set(pm.leader, forLeader)
      }
    }
    const again = new Map<string, number[]>()
    await Promise.all(
      [...byLeader].map(async ([leader, topics]) => {
        const request = [...topics].map(([name, ps]) => ({name, partitions: ps}))
        let res: RawListOffsets | undefined
        try {
          const conn = (await admin.connectToBrokers([leader])).get(leader)
          if (!conn) throw new Error(`node ${leader} is not in the cluster metadata`)
          res = (await api.async(conn, -1, isolationLevel, request)) as RawListOffsets
        } catch (err) {
          res = responseIn<RawListOffsets>(err, (r) => Array.isArray(r.topics))
          if (!res) {
            if (/PLT_KFK_AUTHENTICATION|AUTHORIZATION_FAILED|SASL/i.test(flatten(err))) throw kafkaError(err, adapter.options, 'listing offsets')
            // the leader does not answer (its node stopped a moment ago): ask again after a metadata refresh
            for (const t of request) for (const p of t.partitions) addTo(again, t.name, p.partitionIndex)
            return
          }
        }
        for (const t of res.topics) {
          const m = offsets.get(t.name) ?? new Map<number, bigint>()
          for (const p of t.partitions) {
            if (p.errorCode === 0) m.set(p.partitionIndex, p.offset)
            else if (MOVED.has(p.errorCode)) addTo(again, t.name, p.partitionIndex)
            else throw new CgError('unexpected', `ListOffsets of ${t.name}:${p.partitionIndex}: the broker answered error ${p.errorCode}`)
          }
          offsets.set(t.name, m)
        }
      }),
    )
    todo = again
  }
  // still no answer after three rounds: the leader as last known
  for (const [topic, ps] of todo)
    for (const p of ps) {
      const pm = meta.topics.get(topic)?.partitions[p]
      unavailable.push({topic, partition: p, leader: pm && pm.leader >= 0 ? pm.leader : null, replicas: pm?.replicas ?? []})
    }
  return {offsets, unavailable, meta}
}
