// RabbitMQ inspection: queues as groups, their consumers, unacked per consumer channel, backlog per queue.
// Counts the management API samples (every 5 s) are confirmed with an AMQP passive declare where the
// queue is in the connection's vhost; each count says where it came from. A group is a queue's competing
// consumers: `group` and `sources` of every result are the queue's name.
import type {OpRequest} from '../../core/requests.js'
import {
  mapRows,
  type Rows,
  type ConsumerCore,
  type ConsumersResult,
  type GroupCore,
  type GroupsResult,
  type LagCore,
  type LagResult,
  type PendingResult,
} from '../../core/results.js'
import {CgError} from '../../errors/cg-error.js'
import {optionalQueueArg, queueArg} from './rabbitmq-args.js'
import {availability, clusterNodes, nodeWarnings, unreadable} from './rabbitmq-cluster.js'
import {defaultDeliveryLimit} from './rabbitmq-options.js'
import {
  connectionName,
  getChannel,
  getConnection,
  checkQueue,
  getQueue,
  idleMsSince,
  listQueues,
  type RawChannel,
  type RawConnection,
  type RawQueue,
} from './rabbitmq-reads.js'
import type {RabbitAdapter} from './rabbitmq-types.js'
import {mapLimit} from '../../services/limit.js'
import {givenNames, namedConsumers, type StreamConsumersResult} from './rabbitmq-stream-ops.js'
import {isStream} from './rabbitmq-streams.js'

export type Source = 'amqp' | 'management'

export interface DeadLetter {
  exchange: string | null
  routingKey: string | null
  /** where the settings came from: queue arguments win over the policy */
  from: 'arguments' | 'policy' | 'operator-policy' | 'arguments+policy'
  /** the policy in effect on the queue, if any */
  policy: string | null
  /** x-dead-letter-strategy (quorum queues), null when not set */
  strategy: string | null
}

export interface DeliveryLimit {
  /** null = no limit */
  limit: number | null
  from: 'arguments' | 'policy' | 'default'
}

export interface QueueRow {
  vhost: string
  queue: string
  type: string
  state: string | null
  consumers: number | null
  ready: number | null
  unacked: number | null
  messages: number | null
  /** 0..1, null when the broker has not computed it (no consumers, or stats not yet sampled) */
  consumerUtilisation: number | null
  deadLetter: DeadLetter | null
  /** quorum queues only (null otherwise): requeues count toward it */
  deliveryLimit: DeliveryLimit | null
  /** how old the head message is (see timeLag()); null when nothing is ready or the broker cannot tell */
  timeLagMs: number | null
  /** why timeLagMs is null while messages are ready, in words; else null */
  timeLagNote: string | null
  /** the node the queue lives on: a quorum/stream queue's leader, a classic queue's node; null when unknown or none */
  node: string | null
  /** quorum and stream queues: the nodes holding a replica, and those running; null for classic queues */
  members: string[] | null
  online: string[] | null
  /** what a cluster node down does to the queue (no counts, no leader, replicas down), in words; else null */
  stateNote: string | null
}

export interface GroupsReport {
  broker: 'rabbitmq'
  serverVersion: string
  vhost: string | null
  groups: AsyncIterable<QueueRow> | QueueRow[]
  /** the cluster's nodes that are not running (null when the user may not list nodes) */
  nodesDown: string[] | null
  /** what cg cannot see because of them */
  warnings: string[]
}

export function queueRow(q: RawQueue, version: string, now = Date.now()): QueueRow {
  const util = q.consumer_utilisation ?? q.consumer_capacity
  const ready = num(q.messages_ready)
  const av = availability(q)
  return {
    vhost: q.vhost,
    queue: q.name,
    type: q.type ?? 'classic',
    // a quorum queue without a leader has no state in the listing: it is down as a classic queue whose node is
    state: q.state ?? (av.readable ? null : 'down'),
    consumers: num(q.consumers),
    ready,
    unacked: num(q.messages_unacknowledged),
    messages: num(q.messages),
    // the broker says 0 for a queue with no consumers: that is "not applicable", shown as unknown
    consumerUtilisation: typeof util === 'number' && q.consumers !== 0 ? util : null,
    deadLetter: deadLetter(q),
    deliveryLimit: deliveryLimit(q, version),
    ...timeLag(q, ready, now),
    node: av.node,
    members: av.members,
    online: av.online,
    stateNote: av.note,
  }
}

export interface TimeLag {
  timeLagMs: number | null
  timeLagNote: string | null
}

/** a head timestamp further ahead of this machine's clock than this is not a clock skew but a wrong unit */
const FUTURE_SLACK_MS = 60_000

/**
 * Time behind: now minus the management API's `head_message_timestamp` (the AMQP `timestamp` property of
 * the head message, whole seconds, so up to 1 s short of the truth; from the sample, up to ~5 s old).
 * `ready` is the queue's ready count as the caller knows it (a passive declare is fresher than the sample):
 * none ready = nothing waits = null. The broker takes the oldest timestamp among the head ready message
 * AND the unacknowledged ones, so a consumer holding an older message makes the age that message's.
 *
 * Null with a note when messages wait and the broker has no timestamp for them: classic queues give it
 * only when the head message carries a `timestamp` and its body is in memory (not for lazy queues or
 * messages paged out); quorum and stream queues never do. cg does not peek at the head message instead:
 * a basic.get + nack(requeue) (or the management API's /get with ack_requeue_true) marks the message
 * redelivered and, on quorum queues, raises its delivery count toward the delivery limit.
 */
export function timeLag(q: RawQueue, ready: number | null, now = Date.now()): TimeLag {
  if (ready === null || ready === 0) return {timeLagMs: null, timeLagNote: null}
  const none = (timeLagNote: string): TimeLag => ({timeLagMs: null, timeLagNote})
  const ts = q.head_message_timestamp
  if (typeof ts === 'number' && Number.isFinite(ts)) {
    const ms = ts * 1000
    if (ms > now + FUTURE_SLACK_MS) return none('head message timestamp is in the future')
    return {timeLagMs: Math.max(0, now - ms), timeLagNote: null}
  }
  const type = q.type ?? 'classic'
  if (type !== 'classic') return none(`${type} queues report no head timestamp`)
  // a queue declared a moment ago, or messages the last sample has not seen
  if (q.messages_ready === undefined || q.messages_ready === 0) return none('no management sample yet')
  if (q.messages_ready_ram === 0) return none('head message paged out to disk')
  return none('head message has no timestamp')
}

function policyDef(q: RawQueue): Record<string, unknown> {
  const d = q.effective_policy_definition
  return d && !Array.isArray(d) ? d : {}
}

function policyOrigin(q: RawQueue): 'policy' | 'operator-policy' {
  return !q.policy && q.operator_policy ? 'operator-policy' : 'policy'
}

export function deadLetter(q: RawQueue): DeadLetter | null {
  const args = q.arguments ?? {}
  const def = policyDef(q)
  const pick = (arg: string, pol: string): [string | null, 'arguments' | 'policy' | 'operator-policy' | null] => {
    if (args[arg] !== undefined && args[arg] !== null) return [String(args[arg]), 'arguments']
    if (def[pol] !== undefined && def[pol] !== null) return [String(def[pol]), policyOrigin(q)]
    return [null, null]
  }
  const [exchange, exFrom] = pick('x-dead-letter-exchange', 'dead-letter-exchange')
  const [routingKey, rkFrom] = pick('x-dead-letter-routing-key', 'dead-letter-routing-key')
  if (exchange === null && routingKey === null) return null
  const froms = new Set([exFrom, rkFrom].filter((f) => f !== null))
  const from = froms.size > 1 ? 'arguments+policy' : ([...froms][0] as DeadLetter['from'])
  const [strategy] = pick('x-dead-letter-strategy', 'dead-letter-strategy')
  return {exchange, routingKey, from, policy: q.policy ?? q.operator_policy ?? null, strategy}
}

export function deliveryLimit(q: RawQueue, version: string): DeliveryLimit | null {
  if ((q.type ?? 'classic') !== 'quorum') return null
  const arg = q.arguments?.['x-delivery-limit']
  if (typeof arg === 'number') return {limit: arg, from: 'arguments'}
  const pol = policyDef(q)['delivery-limit']
  if (typeof pol === 'number') return {limit: pol, from: 'policy'}
  return {limit: defaultDeliveryLimit(version), from: 'default'}
}

/** `cg groups [QUEUE] [--vhost V]`: every queue of every vhost (or one vhost, or one queue), paged. */
export async function groups(a: RabbitAdapter, input: {queue?: string; vhost?: string}): Promise<GroupsReport> {
  const version = await a.serverVersion()
  const cluster = await clusterNodes(a)
  const seen = {nodesDown: cluster?.down ?? null, warnings: nodeWarnings(cluster)}
  if (input.queue !== undefined) {
    const vhost = input.vhost ?? a.options.vhost
    const q = await getQueue(a, vhost, input.queue)
    const row = queueRow(q, version)
    // a queue declared a moment ago has no management sample yet: its counts come from a passive declare
    // (not for a queue a node down keeps from being read: the declare would answer 404, or 0 for a quorum queue)
    if ((row.consumers === null || row.ready === null) && vhost === a.options.vhost && availability(q).readable) {
      const c = await checkQueue(a, input.queue)
      row.consumers ??= c.consumerCount
      row.ready ??= c.messageCount
      Object.assign(row, timeLag(q, row.ready))
    }
    return {broker: 'rabbitmq', serverVersion: version, vhost, groups: [row], ...seen}
  }
  const it = listQueues(a, input.vhost)
  // the first page is read now, so a missing vhost or a refusal is an error before any output
  const first = await it.next()
  async function* rows(): AsyncGenerator<QueueRow> {
    if (first.done) return
    yield queueRow(first.value, version)
    for await (const q of it) yield queueRow(q, version)
  }
  return {broker: 'rabbitmq', serverVersion: version, vhost: input.vhost ?? null, groups: rows(), ...seen}
}

/**
 * One queue for a command that needs its live state (consumers, pending, claim): exit 69 naming the node
 * when a node down keeps it from being read.
 */
export async function readableQueue(a: RabbitAdapter, vhost: string, name: string): Promise<RawQueue> {
  const q = await getQueue(a, vhost, name)
  const av = availability(q)
  if (!av.readable) throw unreadable(q, av)
  return q
}

/** The nodes down, and what they do to this queue (replicas down), as warnings. */
export async function clusterWarnings(a: RabbitAdapter, q: RawQueue): Promise<string[]> {
  const note = availability(q).note
  return [...nodeWarnings(await clusterNodes(a)), ...(note ? [`queue ${q.name}: ${note}`] : [])]
}

/** A consumer of the queue: the core (name = consumer tag) and where it sits (channel, connection). */
export interface ConsumerRow extends ConsumerCore {
  /** the channel's unacked messages when the consumer is the channel's only one; null when shared or unknown */
  pending: number | null
  /** how long the consumer's channel has been idle: 0 while it is active, null when the channel cannot be read */
  idleMs: number | null
  channel: string
  channelNumber: number | null
  /** the management API's connection name ("peer -> broker") */
  connection: string
  /** the name the client gave its connection (connection_name client property), null when none */
  connectionName: string | null
  user: string | null
  peer: string | null
  /** the consumer's prefetch (basic.qos per consumer); 0 = unlimited */
  prefetch: number | null
  /** the channel-wide (global) prefetch; 0 = none */
  channelPrefetch: number | null
  ackMode: 'manual' | 'auto'
  active: boolean | null
  exclusive: boolean | null
  /** unacked messages of the whole channel (the broker counts them per channel, not per consumer) */
  channelUnacked: number | null
  channelIdleSince: string | null
  channelConsumers: number | null
}

export interface ConsumersReport {
  broker: 'rabbitmq'
  vhost: string
  queue: string
  consumers: ConsumerRow[]
  /** things cg could not see (a user without the monitoring tag sees only its own channels) */
  warnings: string[]
}

interface Looked {
  channels: Map<string, RawChannel | null>
  connections: Map<string, RawConnection | null>
  warnings: string[]
}

/** Channel and connection details for a set of channel names; unreadable ones (refused) become null. */
async function lookUp(a: RabbitAdapter, channelNames: string[], connectionNames: string[]): Promise<Looked> {
  const warnings: string[] = []
  const soft = async <T>(what: string, p: Promise<T>): Promise<T | null> => {
    try {
      return await p
    } catch (err) {
      if (err instanceof CgError && (err.code === 'refused' || err.code === 'not_found')) {
        warnings.push(`${what}: ${err.code === 'refused' ? `not visible to user ${a.options.username} (needs the monitoring or administrator tag)` : 'gone'}`)
        return null
      }
      throw err
    }
  }
  const chans = await mapLimit([...new Set(channelNames)], 8, async (n) => [n, await soft(`channel ${n}`, getChannel(a, n))] as const)
  const conns = await mapLimit([...new Set(connectionNames)], 8, async (n) => [n, await soft(`connection ${n}`, getConnection(a, n))] as const)
  return {channels: new Map(chans), connections: new Map(conns), warnings}
}

export function peerOf(host: string | undefined, port: number | undefined): string | null {
  if (!host) return null
  return `${host.includes(':') ? `[${host}]` : host}:${port ?? '?'}`
}

/** `cg consumers QUEUE`: the queue's consumers with their channel's unacked count and idle time. */
export async function consumers(a: RabbitAdapter, input: {queue: string; vhost?: string}): Promise<ConsumersReport> {
  const vhost = input.vhost ?? a.options.vhost
  const q = await readableQueue(a, vhost, input.queue)
  const details = q.consumer_details ?? []
  const now = Date.now()
  const looked = await lookUp(
    a,
    details.map((c) => c.channel_details.name),
    details.map((c) => c.channel_details.connection_name ?? ''),
  )
  looked.warnings.unshift(...(await clusterWarnings(a, q)))
  const rows = details.map((c): ConsumerRow => {
    const cd = c.channel_details
    const ch = looked.channels.get(cd.name) ?? null
    const conn = looked.connections.get(cd.connection_name ?? '') ?? null
    const channelUnacked = num(ch?.messages_unacknowledged)
    const channelConsumers = num(ch?.consumer_count)
    return {
      name: c.consumer_tag,
      pending: channelConsumers === 1 ? channelUnacked : null,
      // a channel that is not idle has no idle_since: it is active now
      idleMs: ch ? (idleMsSince(ch.idle_since, now) ?? 0) : null,
      channel: cd.name,
      channelNumber: cd.number ?? null,
      connection: cd.connection_name ?? '',
      connectionName: connectionName(conn),
      user: cd.user ?? null,
      peer: peerOf(cd.peer_host, cd.peer_port),
      prefetch: num(c.prefetch_count),
      channelPrefetch: num(ch?.global_prefetch_count),
      ackMode: c.ack_required === false ? 'auto' : 'manual',
      active: c.active ?? null,
      exclusive: c.exclusive ?? null,
      channelUnacked,
      channelIdleSince: ch?.idle_since ?? null,
      channelConsumers,
    }
  })
  rows.sort((x, y) => x.channel.localeCompare(y.channel) || x.name.localeCompare(y.name))
  return {broker: 'rabbitmq', vhost, queue: q.name, consumers: rows, warnings: looked.warnings}
}

export interface QueueCounts {
  ready: number | null
  readySource: Source
  unacked: number | null
  unackedSource: 'management'
  consumers: number | null
  consumersSource: Source
  /** what the management API's last sample said (it lags up to ~5 s) */
  management: {ready: number | null; unacked: number | null; consumers: number | null}
  /** true when the passive declare and the sample disagree (the sample is behind) */
  sampleBehind: boolean
}

export interface PendingChannel {
  channel: string
  connection: string
  connectionName: string | null
  user: string | null
  peer: string | null
  /** consumer tags on this queue */
  consumers: string[]
  /** other queues this channel also consumes from (its unacked count covers them too) */
  alsoConsumes: string[]
  prefetch: number | null
  unacked: number | null
  idleMs: number | null
}

export interface PendingReport {
  broker: 'rabbitmq'
  vhost: string
  queue: string
  type: string
  summary: QueueCounts
  channels: PendingChannel[]
  warnings: string[]
}

/** Counts of one queue: the management sample, confirmed by a passive declare when the queue is in the connection's vhost. */
export async function queueCounts(a: RabbitAdapter, q: RawQueue): Promise<QueueCounts> {
  const management = {ready: num(q.messages_ready), unacked: num(q.messages_unacknowledged), consumers: num(q.consumers)}
  const sampleOnly: QueueCounts = {
    ready: management.ready,
    readySource: 'management',
    unacked: management.unacked,
    unackedSource: 'management',
    consumers: management.consumers,
    consumersSource: 'management',
    management,
    sampleBehind: false,
  }
  // another vhost, or a queue a node down keeps from being read (a declare would say 404, or 0 on a quorum queue)
  if (q.vhost !== a.options.vhost || !availability(q).readable) {
    return sampleOnly
  }
  let live: {messageCount: number; consumerCount: number}
  try {
    live = await checkQueue(a, q.name)
  } catch (err) {
    // an exclusive queue of another connection, or no permission to declare it: the sample is all there is
    if (err instanceof CgError && err.code === 'refused') return sampleOnly
    throw err
  }
  return {
    ready: live.messageCount,
    readySource: 'amqp',
    unacked: management.unacked,
    unackedSource: 'management',
    consumers: live.consumerCount,
    consumersSource: 'amqp',
    management,
    sampleBehind: management.ready !== live.messageCount || management.consumers !== live.consumerCount,
  }
}

/** `cg pending QUEUE`: ready and unacked per consumer channel. */
export async function pending(a: RabbitAdapter, input: {queue: string; vhost?: string}): Promise<PendingReport> {
  const vhost = input.vhost ?? a.options.vhost
  const q = await readableQueue(a, vhost, input.queue)
  const summary = await queueCounts(a, q)
  const details = q.consumer_details ?? []
  const now = Date.now()
  const looked = await lookUp(
    a,
    details.map((c) => c.channel_details.name),
    details.map((c) => c.channel_details.connection_name ?? ''),
  )
  const byChannel = new Map<string, PendingChannel>()
  for (const c of details) {
    const cd = c.channel_details
    let row = byChannel.get(cd.name)
    if (!row) {
      const ch = looked.channels.get(cd.name) ?? null
      const conn = looked.connections.get(cd.connection_name ?? '') ?? null
      const others = (ch?.consumer_details ?? []).filter((x) => x.queue.name !== q.name || x.queue.vhost !== q.vhost).map((x) => x.queue.name)
      row = {
        channel: cd.name,
        connection: cd.connection_name ?? '',
        connectionName: connectionName(conn),
        user: cd.user ?? null,
        peer: peerOf(cd.peer_host, cd.peer_port),
        consumers: [],
        alsoConsumes: [...new Set(others)].sort(),
        prefetch: ch ? ((ch.prefetch_count || ch.global_prefetch_count || num(c.prefetch_count)) ?? null) : num(c.prefetch_count),
        unacked: num(ch?.messages_unacknowledged),
        idleMs: ch ? idleMsSince(ch.idle_since, now) : null,
      }
      byChannel.set(cd.name, row)
    }
    row.consumers.push(c.consumer_tag)
  }
  const channels = [...byChannel.values()].sort((x, y) => x.channel.localeCompare(y.channel))
  const warnings = [...(await clusterWarnings(a, q)), ...looked.warnings]
  const sum = channels.reduce((s, c) => s + (c.unacked ?? 0), 0)
  if (summary.unacked !== null && channels.every((c) => c.unacked !== null && c.alsoConsumes.length === 0) && sum !== summary.unacked) {
    warnings.push(`the channels hold ${sum} unacked, the queue's sample says ${summary.unacked}: the 5-s samples were taken at different times`)
  }
  return {broker: 'rabbitmq', vhost, queue: q.name, type: q.type ?? 'classic', summary, channels, warnings}
}

export interface LagRow {
  vhost: string
  queue: string
  type: string
  /** the backlog: messages ready for delivery */
  ready: number | null
  readySource: Source
  unacked: number | null
  consumers: number | null
  consumersSource: Source
  /** change of the backlog in messages/s over the last sample, null when unknown */
  readyRate: number | null
  /** how old the head message is (see timeLag()) */
  timeLagMs: number | null
  timeLagNote: string | null
  /** what a cluster node down does to the queue, in words; else null */
  stateNote: string | null
}

export interface LagReport {
  broker: 'rabbitmq'
  vhost: string | null
  groups: AsyncIterable<LagRow> | LagRow[]
  nodesDown: string[] | null
  warnings: string[]
}

/** `cg lag [QUEUE] [--vhost V]`: backlog per queue, confirmed by passive declares in the connection's vhost. */
export async function lag(a: RabbitAdapter, input: {queue?: string; vhost?: string}): Promise<LagReport> {
  const toRow = async (q: RawQueue): Promise<LagRow | null> => {
    let c: QueueCounts
    try {
      c = await queueCounts(a, q)
    } catch (err) {
      // deleted between the listing and the declare
      if (err instanceof CgError && err.code === 'not_found' && input.queue === undefined) return null
      throw err
    }
    const rate = (q as RawQueue & {messages_ready_details?: {rate?: number}}).messages_ready_details?.rate
    return {
      vhost: q.vhost,
      queue: q.name,
      type: q.type ?? 'classic',
      ready: c.ready,
      readySource: c.readySource,
      unacked: c.unacked,
      consumers: c.consumers,
      consumersSource: c.consumersSource,
      readyRate: typeof rate === 'number' ? rate : null,
      ...timeLag(q, c.ready),
      stateNote: availability(q).note,
    }
  }
  const seen = async () => {
    const cluster = await clusterNodes(a)
    return {nodesDown: cluster?.down ?? null, warnings: nodeWarnings(cluster)}
  }
  if (input.queue !== undefined) {
    const vhost = input.vhost ?? a.options.vhost
    const row = await toRow(await getQueue(a, vhost, input.queue))
    return {broker: 'rabbitmq', vhost, groups: row ? [row] : [], ...(await seen())}
  }
  // both endpoints are checked before any output: an unreachable AMQP listener is an error, not a silent fallback
  await a.connection()
  const it = listQueues(a, input.vhost)
  const first = await it.next()
  async function* rows(): AsyncGenerator<LagRow> {
    if (first.done) return
    const r = await toRow(first.value)
    if (r) yield r
    for await (const q of it) {
      const row = await toRow(q)
      if (row) yield row
    }
  }
  return {broker: 'rabbitmq', vhost: input.vhost ?? null, groups: rows(), ...(await seen())}
}

export interface StreamPendingResult extends StreamConsumersResult {
  /** the sum of the named consumers' lags */
  pending: number | null
}

/** The queue when it is a stream queue, else null (a missing queue is not_found, exit 5). */
async function streamQueue(a: RabbitAdapter, queue: string, vhost?: string): Promise<RawQueue | null> {
  const q = await getQueue(a, vhost ?? a.options.vhost, queue)
  return isStream(q) ? q : null
}

/** A count from the management API: a finite number, else null (unknown). */
export function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null
}

// The operations: each reads its arguments, calls the reads above and returns the common core beside
// RabbitMQ's own fields (the queue's name is `group` and `sources`; `lag` is the backlog of ready messages).

/** A queue as a group row: the core first, then the queue's own facts. */
export interface RabbitGroupRow extends GroupCore, Omit<QueueRow, 'queue' | 'ready'> {
  /** stream queues: how many consumers of the stream protocol are connected (counted in `consumers` too); null for other queues or when unknown */
  streamProtocolConsumers?: number | null
  /** stream queues: the names those consumers carry (single active consumers), sorted; null for other queues */
  consumerNames?: string[] | null
}

export interface RabbitGroupsResult extends GroupsResult<RabbitGroupRow> {
  serverVersion: string
  vhost: string | null
  /** the cluster's nodes that are not running (null when the user may not list nodes) */
  nodesDown: string[] | null
  /** what cg cannot see because of them */
  warnings: string[]
}

function groupRow({queue, ready, state, consumers, timeLagMs, ...rest}: QueueRow): RabbitGroupRow {
  return {group: queue, sources: [queue], state, consumers, lag: ready, timeLagMs, ...rest}
}

export async function groupsOp(a: RabbitAdapter, req: OpRequest<'groups'>): Promise<RabbitGroupsResult> {
  const queue = optionalQueueArg(req, 'cg groups [QUEUE] [--vhost V]')
  const report = await groups(a, {queue, vhost: req.flags.vhost})
  for (const w of report.warnings) req.run.warn(w)
  return {
    broker: 'rabbitmq',
    serverVersion: report.serverVersion,
    vhost: report.vhost,
    nodesDown: report.nodesDown,
    warnings: report.warnings,
    groups: withStreamConsumers(
      a,
      mapRows(report.groups, (r) => unreadableWarned(req.run, groupRow(r), r.stateNote)),
    ),
  }
}

/**
 * Stream queues' consumers of the stream protocol (which the queue's `consumers` count leaves out): counted
 * into `consumers` and named in `consumerNames`; read from the management API once, at the first
 * stream queue. Other queues get null.
 */
function withStreamConsumers(a: RabbitAdapter, rows: Rows<RabbitGroupRow>): Rows<RabbitGroupRow> {
  let byQueue: Promise<Map<string, Array<string | null>> | null> | undefined
  const load = () =>
    (byQueue ??= a
      .management()
      .get<Array<{queue: {name: string; vhost: string}; properties?: Record<string, string>}>>('stream/consumers')
      .then(
        (all) => {
          const m = new Map<string, Array<string | null>>()
          for (const c of all) {
            const k = `${c.queue.vhost}\u0000${c.queue.name}`
            m.set(k, [...(m.get(k) ?? []), c.properties?.name ?? c.properties?.identifier ?? null])
          }
          return m
        },
        // the stream management plugin is not enabled, or the user may not see other users' connections
        () => null,
      ))
  const add = async (r: RabbitGroupRow): Promise<RabbitGroupRow> => {
    if (r.type !== 'stream') return {...r, streamProtocolConsumers: null, consumerNames: null}
    const m = await load()
    const found = m?.get(`${r.vhost}\u0000${r.group}`) ?? (m ? [] : null)
    if (found === null) return {...r, streamProtocolConsumers: null, consumerNames: null}
    const names = found.filter((n): n is string => n !== null).sort()
    return {...r, consumers: r.consumers === null ? null : r.consumers + found.length, streamProtocolConsumers: found.length, consumerNames: names}
  }
  if (Array.isArray(rows)) {
    return (async function* () {
      for (const r of rows) yield await add(r)
    })()
  }
  return (async function* () {
    for await (const r of rows) yield await add(r)
  })()
}

/** What a node down does to a row's queue is said on stderr too (the table shows its counts as unknown). */
function unreadableWarned<T extends {group: string}>(run: {warn(w: string): void}, row: T, note: string | null): T {
  if (note) run.warn(`queue ${row.group}: ${note}`)
  return row
}

export interface RabbitConsumersResult extends ConsumersResult<ConsumerRow> {
  sources: string[]
  vhost: string
  /** things cg could not see (a user without the monitoring tag sees only its own channels) */
  warnings: string[]
}

export async function consumersOp(a: RabbitAdapter, req: OpRequest<'consumers'>): Promise<RabbitConsumersResult | StreamConsumersResult> {
  const queue = queueArg(req, 'cg consumers [QUEUE]')
  const sq = await streamQueue(a, queue)
  if (sq) {
    const r = await namedConsumers(a, sq, givenNames(req))
    for (const w of r.warnings) req.run.warn(w)
    return r
  }
  const r = await consumers(a, {queue})
  for (const w of r.warnings) req.run.warn(w)
  return {broker: 'rabbitmq', group: r.queue, sources: [r.queue], vhost: r.vhost, consumers: r.consumers, warnings: r.warnings}
}

export interface RabbitPendingResult extends PendingResult, Omit<PendingReport, 'broker' | 'queue'> {
  sources: string[]
}

export async function pendingOp(a: RabbitAdapter, req: OpRequest<'pending'>): Promise<RabbitPendingResult | StreamPendingResult> {
  const queue = queueArg(req, 'cg pending [QUEUE]')
  const sq = await streamQueue(a, queue)
  if (sq) {
    const r = await namedConsumers(a, sq, givenNames(req))
    for (const w of r.warnings) req.run.warn(w)
    // what the named consumers have not read: the sum of their lags (unknown when one is)
    const lags = r.consumers.map((c) => c.lag)
    const pending = lags.every((l) => l !== null) ? lags.reduce((x: number, y) => x + (y ?? 0), 0) : null
    return {...r, pending}
  }
  const {broker, queue: name, summary, ...rest} = await pending(a, {queue})
  for (const w of rest.warnings) req.run.warn(w)
  // what the group has not finished: the backlog and the messages its consumers hold unacked
  const total = summary.ready !== null && summary.unacked !== null ? summary.ready + summary.unacked : null
  return {broker, group: name, sources: [name], pending: total, summary, ...rest}
}

/** A queue's backlog as a lag row: the core first, then where each count came from. */
export interface RabbitLagRow extends LagCore {
  vhost: string
  type: string
  /** where the backlog count came from: a passive declare (exact now), the management sample, or (a stream's named consumer) the stream protocol */
  lagSource: Source | 'stream'
  unacked: number | null
  consumers: number | null
  consumersSource: Source
  /** change of the backlog in messages/s over the last sample, null when unknown */
  lagRate: number | null
  /** why timeLagMs is null while messages are ready, in words; else null */
  timeLagNote: string | null
  /** what a cluster node down does to the queue, in words; else null */
  stateNote: string | null
  /** a stream queue's named consumer (one row each): its name, stored offset, the stream's last offset, connected now */
  consumer?: string
  currentOffset?: number | null
  lastOffset?: number | null
  connected?: boolean
}

export interface RabbitLagResult extends LagResult<RabbitLagRow> {
  vhost: string | null
  nodesDown: string[] | null
  warnings: string[]
}

function lagRow(r: LagRow): RabbitLagRow {
  return {
    group: r.queue,
    sources: [r.queue],
    lag: r.ready,
    timeLagMs: r.timeLagMs,
    timeLagNote: r.timeLagNote,
    vhost: r.vhost,
    type: r.type,
    lagSource: r.readySource,
    unacked: r.unacked,
    consumers: r.consumers,
    consumersSource: r.consumersSource,
    lagRate: r.readyRate,
    stateNote: r.stateNote,
  }
}

export async function lagOp(a: RabbitAdapter, req: OpRequest<'lag'>): Promise<RabbitLagResult> {
  const queue = optionalQueueArg(req, 'cg lag [QUEUE] [--vhost V]')
  const sq = queue === undefined ? null : await streamQueue(a, queue, req.flags.vhost)
  if (sq) {
    const r = await namedConsumers(a, sq, givenNames(req))
    for (const w of r.warnings) req.run.warn(w)
    const rows = r.consumers.map(
      (c): RabbitLagRow => ({
        group: sq.name,
        sources: [sq.name],
        lag: c.lag,
        timeLagMs: c.timeLagMs,
        timeLagNote: c.timeLagNote,
        vhost: sq.vhost,
        type: 'stream',
        lagSource: 'stream',
        unacked: null,
        consumers: num(sq.consumers),
        consumersSource: 'management',
        lagRate: null,
        stateNote: availability(sq).note,
        consumer: c.name,
        currentOffset: c.currentOffset,
        lastOffset: c.lastOffset,
        connected: c.connected,
      }),
    )
    return {broker: 'rabbitmq', vhost: sq.vhost, nodesDown: null, warnings: r.warnings, groups: rows}
  }
  const report = await lag(a, {queue, vhost: req.flags.vhost})
  for (const w of report.warnings) req.run.warn(w)
  return {
    broker: 'rabbitmq',
    vhost: report.vhost,
    nodesDown: report.nodesDown,
    warnings: report.warnings,
    groups: mapRows(report.groups, (r) => unreadableWarned(req.run, lagRow(r), r.stateNote)),
  }
}
