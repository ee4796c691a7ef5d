// Requeue by closing connections: `cg claim QUEUE --idle MS` and `cg consumer delete QUEUE TAG`.
// RabbitMQ has no way to take unacked messages from one consumer; closing the consumer's connection sends
// them back to their queues. The plan names every connection and what else it carries before anything closes.
import {CgError} from '../../errors/cg-error.js'
import {assertMayClose, close, connectionPlan, waitGone, type ConnectionPlan, type ConsumerRef} from '../../brokers/rabbitmq/rabbitmq-claim.js'
import {getChannel, getConnection, getQueue, idleMsSince, mapLimit, type RawQueue} from '../../brokers/rabbitmq/rabbitmq-inspect.js'
import type {RabbitAdapter} from '../../brokers/rabbitmq/rabbitmq-types.js'
import {deliveryLimit, queueCounts, type DeliveryLimit, type QueueCounts} from './inspect.js'

export interface Skipped {
  channel: string
  connection: string
  unacked: number | null
  idleMs: number | null
  reason: 'no unacked messages' | 'not idle long enough' | 'active (not idle)' | 'cg\'s own connection' | 'became active before the close'
}

export interface Closed {
  connection: string
  connectionName: string | null
  closed: boolean
  error: string | null
}

export interface ClaimReport {
  broker: 'rabbitmq'
  vhost: string
  queue: string
  type: string
  minIdleMs: number
  dryRun: boolean
  serverVersion: string
  deliveryLimit: DeliveryLimit | null
  /** the connections to close, each with everything else it carries */
  plan: ConnectionPlan[]
  /** unacked messages the plan sends back (every channel of each connection) */
  requeues: number
  skipped: Skipped[]
  warnings: string[]
  before: QueueCounts
  /** empty on a dry run */
  closed: Closed[]
  failed: number
  /** counts once the connections are gone; null on a dry run */
  after: QueueCounts | null
  /** Ctrl-C stopped it between two closes */
  interrupted: boolean
}

export function reasonText(what: string): string {
  return `closed by cg: ${what}`.slice(0, 200)
}

function quorumWarnings(q: RawQueue, limit: DeliveryLimit | null, version: string, requeues: number): string[] {
  if (!limit || requeues === 0) return []
  if (limit.limit === null) {
    return [`${q.name} is a quorum queue: each requeue raises the messages' delivery count (x-delivery-count); it has no delivery limit (RabbitMQ ${version} sets none by default), so none is dropped or dead-lettered.`]
  }
  return [`${q.name} is a quorum queue with a delivery limit of ${limit.limit} (${limit.from === 'default' ? `the default of RabbitMQ ${version}` : `from ${limit.from}`}): each requeue counts toward it, and a message past the limit is dead-lettered (or dropped without a dead-letter exchange).`]
}

/** The queue's consumer channels that hold unacked messages and have been idle at least minIdleMs. */
export async function claim(a: RabbitAdapter, input: {queue: string; vhost?: string; minIdleMs: number; dryRun: boolean}, signal?: AbortSignal): Promise<ClaimReport> {
  const vhost = input.vhost ?? a.options.vhost
  const version = await a.serverVersion()
  const q = await getQueue(a, vhost, input.queue)
  const own = await ownConnection(a)
  const details = q.consumer_details ?? []
  const channelNames = [...new Set(details.map((c) => c.channel_details.name))]
  const now = Date.now()
  const chans = await mapLimit(channelNames, 8, (n) => getChannel(a, n).catch((err) => (err instanceof CgError && err.code === 'not_found' ? null : Promise.reject(err))))
  const skipped: Skipped[] = []
  const stuck = new Map<string, Set<string>>() // connection -> stuck channels
  for (const ch of chans) {
    if (!ch) continue
    const conn = ch.connection_details?.name ?? ''
    const unacked = typeof ch.messages_unacknowledged === 'number' ? ch.messages_unacknowledged : null
    const idleMs = idleMsSince(ch.idle_since, now)
    const skip = (reason: Skipped['reason']) => skipped.push({channel: ch.name, connection: conn, unacked, idleMs, reason})
    if (conn === own) skip('cg\'s own connection')
    else if (!unacked) skip('no unacked messages')
    else if (idleMs === null) skip('active (not idle)')
    else if (idleMs < input.minIdleMs) skip('not idle long enough')
    else {
      if (!stuck.has(conn)) stuck.set(conn, new Set())
      stuck.get(conn)!.add(ch.name)
    }
  }
  const planned = await mapLimit([...stuck.keys()].sort(), 4, (conn) => connectionPlan(a, conn, (c: ConsumerRef) => c.queue === q.name && c.vhost === q.vhost && stuck.get(conn)!.has(c.channel)))
  const plan: ConnectionPlan[] = []
  for (const p of planned) {
    if (p.connectionName !== a.connectionName) plan.push(p)
    else for (const c of p.channels.filter((x) => x.target)) skipped.push({channel: c.channel, connection: p.connection, unacked: c.unacked, idleMs: c.idleMs, reason: 'cg\'s own connection'})
  }
  const requeues = plan.reduce((s, p) => s + p.requeues, 0)
  const limit = deliveryLimit(q, version)
  const warnings = quorumWarnings(q, limit, version, requeues)
  for (const p of plan) {
    if (p.alsoCloses.consumers.length || p.alsoCloses.channels.length) {
      warnings.push(`closing ${p.connectionName ?? p.connection} also closes ${p.alsoCloses.channels.length} other channel(s) and ${p.alsoCloses.consumers.length} other consumer(s)${p.alsoCloses.queues.length ? ` on ${p.alsoCloses.queues.join(', ')}` : ''}`)
    }
  }
  const before = await queueCounts(a, q)
  const base = {broker: 'rabbitmq' as const, vhost, queue: q.name, type: q.type ?? 'classic', minIdleMs: input.minIdleMs, dryRun: input.dryRun, serverVersion: version, deliveryLimit: limit, plan, requeues, skipped, warnings, before}
  if (input.dryRun || plan.length === 0) return {...base, closed: [], failed: 0, after: input.dryRun ? null : before, interrupted: false}
  await assertMayClose(a, plan)
  // the plan took a moment: a channel that has since acked or received is no longer stuck, so it is left alone
  const still = await stillStuck(a, plan, input.minIdleMs, skipped)
  const closed = await closeAll(a, still, reasonText(`requeue unacked messages of queue ${q.name} (channel idle >= ${input.minIdleMs} ms)`), signal)
  const after = await settledCounts(a, vhost, q.name)
  return {...base, closed, failed: closed.filter((c) => !c.closed).length, after, interrupted: closed.length < still.length}
}

async function stillStuck(a: RabbitAdapter, plan: ConnectionPlan[], minIdleMs: number, skipped: Skipped[]): Promise<ConnectionPlan[]> {
  const out: ConnectionPlan[] = []
  for (const p of plan) {
    let ok = true
    for (const c of p.channels.filter((x) => x.target)) {
      const ch = await getChannel(a, c.channel).catch((err) => (err instanceof CgError && err.code === 'not_found' ? null : Promise.reject(err)))
      const idleMs = idleMsSince(ch?.idle_since)
      if (!ch || !ch.messages_unacknowledged || idleMs === null || idleMs < minIdleMs) {
        ok = false
        skipped.push({channel: c.channel, connection: p.connection, unacked: ch?.messages_unacknowledged ?? null, idleMs, reason: 'became active before the close'})
      }
    }
    if (ok) out.push(p)
  }
  return out
}

async function closeAll(a: RabbitAdapter, plan: ConnectionPlan[], reason: string, signal?: AbortSignal): Promise<Closed[]> {
  const closed: Closed[] = []
  for (const p of plan) {
    if (signal?.aborted) break
    try {
      await close(a, p.connection, reason)
      closed.push({connection: p.connection, connectionName: p.connectionName, closed: true, error: null})
    } catch (err) {
      if (err instanceof CgError && err.code === 'not_found') {
        // gone by itself since the plan: its messages were requeued all the same
        closed.push({connection: p.connection, connectionName: p.connectionName, closed: true, error: null})
        continue
      }
      if (err instanceof CgError && (err.code === 'unreachable' || err.code === 'auth' || err.code === 'timeout')) throw err
      closed.push({connection: p.connection, connectionName: p.connectionName, closed: false, error: (err as Error).message})
    }
  }
  for (const c of closed.filter((x) => x.closed)) await waitGone(a, c.connection, 5000)
  return closed
}

/** The management name of cg's own AMQP connection (opened here if need be), so it is never closed. */
async function ownConnection(a: RabbitAdapter): Promise<string> {
  const conn = (await a.connection()) as unknown as {connection?: {stream?: {localAddress?: string; localPort?: number; remoteAddress?: string; remotePort?: number}}}
  const s = conn.connection?.stream
  if (!s?.localPort) return ''
  return `${s.localAddress}:${s.localPort} -> ${s.remoteAddress}:${s.remotePort}`
}

export interface ConsumerDeleteReport {
  broker: 'rabbitmq'
  vhost: string
  queue: string
  tag: string
  dryRun: boolean
  deliveryLimit: DeliveryLimit | null
  /** the connection that closes, with everything else it carries */
  connection: ConnectionPlan
  requeues: number
  warnings: string[]
  closed: boolean
  failed: number
  after: QueueCounts | null
}

/** `cg consumer delete QUEUE TAG`: close the consumer's connection, after saying what else it closes. */
export async function consumerDelete(a: RabbitAdapter, input: {queue: string; vhost?: string; tag: string; dryRun: boolean}): Promise<ConsumerDeleteReport> {
  const vhost = input.vhost ?? a.options.vhost
  const version = await a.serverVersion()
  const q = await getQueue(a, vhost, input.queue)
  const c = (q.consumer_details ?? []).find((x) => x.consumer_tag === input.tag)
  if (!c) {
    const tags = (q.consumer_details ?? []).map((x) => x.consumer_tag)
    throw new CgError('not_found', `no consumer with tag ${input.tag} on queue ${q.name} (vhost ${vhost})`, tags.length ? `Its consumers: ${tags.slice(0, 10).join(', ')}${tags.length > 10 ? ', ...' : ''} (see cg consumers ${q.name}).` : 'The queue has no consumers.')
  }
  const connName = c.channel_details.connection_name ?? ''
  const ownName = (await getConnection(a, connName).catch(() => null))?.user_provided_name
  if (connName === (await ownConnection(a)) || ownName === a.connectionName) throw new CgError('refused', `consumer ${input.tag} is on cg's own connection`, 'Nothing to do.')
  const plan = await connectionPlan(a, connName, (x) => x.tag === input.tag && x.channel === c.channel_details.name)
  const limit = deliveryLimit(q, version)
  const warnings = quorumWarnings(q, limit, version, plan.requeues)
  if (plan.alsoCloses.consumers.length || plan.alsoCloses.channels.length) {
    warnings.push(`the connection also carries ${plan.alsoCloses.channels.length} other channel(s) and ${plan.alsoCloses.consumers.length} other consumer(s)${plan.alsoCloses.queues.length ? ` on ${plan.alsoCloses.queues.join(', ')}` : ''}: they close too`)
  }
  const base = {broker: 'rabbitmq' as const, vhost, queue: q.name, tag: input.tag, dryRun: input.dryRun, deliveryLimit: limit, connection: plan, requeues: plan.requeues, warnings}
  if (input.dryRun) return {...base, closed: false, failed: 0, after: null}
  await assertMayClose(a, [plan])
  const [res] = await closeAll(a, [plan], reasonText(`consumer delete ${input.tag} on queue ${q.name}`))
  const after = await settledCounts(a, vhost, q.name)
  return {...base, closed: res.closed, failed: res.closed ? 0 : 1, warnings: res.error ? [...warnings, res.error] : warnings, after}
}

/**
 * Counts after a close: the passive declare is exact at once, but the unacked count exists only in the
 * management sample (every 5 s). Waits up to 10 s for a sample that agrees with the declare; if none does,
 * unacked is null (unknown) rather than a stale number.
 */
async function settledCounts(a: RabbitAdapter, vhost: string, queue: string): Promise<QueueCounts> {
  const until = Date.now() + 10_000
  for (;;) {
    const c = await queueCounts(a, await getQueue(a, vhost, queue))
    if (!c.sampleBehind || c.readySource === 'management') return c
    if (Date.now() >= until) return {...c, unacked: null}
    await new Promise((r) => setTimeout(r, 500))
  }
}
