// Requeue by closing connections: `cg claim QUEUE --idle MS` and `cg consumer delete QUEUE TAG`.
// RabbitMQ has no way to take unacked messages from one consumer; closing the consumer's connection sends
// them back to their queues. The plan names every connection and what else it carries before anything closes.
import type {OpRequest, RunContext} from '../../core/requests.js'
import {bulkEnd, type ChangeResult, type ClaimResult} from '../../core/results.js'
import {CgError, usage} from '../../errors/cg-error.js'
import {bulkCounts, runBulk} from '../../services/bulk.js'
import {nonNegativeInt} from '../../services/inputs.js'
import {queueAndTagArgs, queueArg} from './rabbitmq-args.js'
import {assertMayClose, close, connectionPlan, waitGone, type ConnectionPlan, type ConsumerRef} from './rabbitmq-connection-plan.js'
import {clusterWarnings, deliveryLimit, queueCounts, readableQueue, type DeliveryLimit, type QueueCounts} from './rabbitmq-inspect.js'
import {getChannel, getConnection, getQueue, idleMsSince, type RawQueue} from './rabbitmq-reads.js'
import type {RabbitAdapter} from './rabbitmq-types.js'
import {mapLimit} from '../../services/limit.js'

export interface Skipped {
  channel: string
  connection: string
  unacked: number | null
  idleMs: number | null
  reason: 'no unacked messages' | 'not idle long enough' | 'active (not idle)' | "cg's own connection" | 'became active before the close'
}

export interface Closed {
  connection: string
  connectionName: string | null
  closed: boolean
  error: string | null
}

/**
 * cg claim on RabbitMQ. The totals count messages: `claimed` the unacked messages requeued by the
 * connections closed, `skipped` those of consumer channels left alone, `failed` those of connections cg
 * could not close.
 */
export interface RabbitClaimResult extends ClaimResult {
  group: string
  sources: string[]
  vhost: string
  type: string
  minIdleMs: number
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
  /** counts once the connections are gone; null on a dry run or when the run stopped on an error */
  after: QueueCounts | null
}

export function reasonText(what: string): string {
  return `closed by cg: ${what}`.slice(0, 200)
}

function quorumWarnings(q: RawQueue, limit: DeliveryLimit | null, version: string, requeues: number): string[] {
  if (!limit || requeues === 0) return []
  if (limit.limit === null) {
    return [
      `${q.name} is a quorum queue: each requeue raises the messages' delivery count (x-delivery-count); it has no delivery limit (RabbitMQ ${version} sets none by default), so none is dropped or dead-lettered.`,
    ]
  }
  return [
    `${q.name} is a quorum queue with a delivery limit of ${limit.limit} (${limit.from === 'default' ? `the default of RabbitMQ ${version}` : `from ${limit.from}`}): each requeue counts toward it, and a message past the limit is dead-lettered (or dropped without a dead-letter exchange).`,
  ]
}

export async function claimOp(a: RabbitAdapter, req: OpRequest<'claim'>): Promise<RabbitClaimResult> {
  const queue = queueArg(req, 'cg claim [QUEUE] --idle MS [--dry-run]')
  if (req.flags.idle === undefined) throw usage('missing --idle', 'Give the minimum channel idle time in ms, for example --idle 60000.')
  const result = await claim(a, {queue, minIdleMs: nonNegativeInt(req.flags.idle, '--idle'), dryRun: req.flags['dry-run']}, req.run)
  for (const w of result.warnings) req.run.warn(w)
  return result
}

/** The queue's consumer channels that hold unacked messages and have been idle at least minIdleMs. */
export async function claim(
  a: RabbitAdapter,
  input: {queue: string; vhost?: string; minIdleMs: number; dryRun: boolean},
  run: RunContext,
): Promise<RabbitClaimResult> {
  const vhost = input.vhost ?? a.options.vhost
  const version = await a.serverVersion()
  const q = await readableQueue(a, vhost, input.queue)
  const own = await ownConnection(a)
  const details = q.consumer_details ?? []
  const channelNames = [...new Set(details.map((c) => c.channel_details.name))]
  const now = Date.now()
  const chans = await mapLimit(channelNames, 8, (n) =>
    getChannel(a, n).catch((err) => (err instanceof CgError && err.code === 'not_found' ? null : Promise.reject(err))),
  )
  const skipped: Skipped[] = []
  const stuck = new Map<string, Set<string>>() // connection -> stuck channels
  for (const ch of chans) {
    if (!ch) continue
    const conn = ch.connection_details?.name ?? ''
    const unacked = typeof ch.messages_unacknowledged === 'number' ? ch.messages_unacknowledged : null
    const idleMs = idleMsSince(ch.idle_since, now)
    const skip = (reason: Skipped['reason']) => skipped.push({channel: ch.name, connection: conn, unacked, idleMs, reason})
    if (conn === own) skip("cg's own connection")
    else if (!unacked) skip('no unacked messages')
    else if (idleMs === null) skip('active (not idle)')
    else if (idleMs < input.minIdleMs) skip('not idle long enough')
    else {
      if (!stuck.has(conn)) stuck.set(conn, new Set())
      stuck.get(conn)!.add(ch.name)
    }
  }
  const planned = await mapLimit([...stuck.keys()].sort(), 4, (conn) =>
    connectionPlan(a, conn, (c: ConsumerRef) => c.queue === q.name && c.vhost === q.vhost && stuck.get(conn)!.has(c.channel)),
  )
  const plan: ConnectionPlan[] = []
  for (const p of planned) {
    if (p.connectionName !== a.connectionName) plan.push(p)
    else
      for (const c of p.channels.filter((x) => x.target))
        skipped.push({channel: c.channel, connection: p.connection, unacked: c.unacked, idleMs: c.idleMs, reason: "cg's own connection"})
  }
  const requeues = plan.reduce((s, p) => s + p.requeues, 0)
  const limit = deliveryLimit(q, version)
  const warnings = [...(await clusterWarnings(a, q)), ...quorumWarnings(q, limit, version, requeues)]
  for (const p of plan) {
    if (p.alsoCloses.consumers.length || p.alsoCloses.channels.length) {
      warnings.push(
        `closing ${p.connectionName ?? p.connection} also closes ${p.alsoCloses.channels.length} other channel(s) and ${p.alsoCloses.consumers.length} other consumer(s)${p.alsoCloses.queues.length ? ` on ${p.alsoCloses.queues.join(', ')}` : ''}`,
      )
    }
  }
  const before = await queueCounts(a, q)
  const base = {
    broker: 'rabbitmq' as const,
    group: q.name,
    sources: [q.name],
    vhost,
    type: q.type ?? 'classic',
    minIdleMs: input.minIdleMs,
    dryRun: input.dryRun,
    serverVersion: version,
    deliveryLimit: limit,
    plan,
    requeues,
    skipped,
    warnings,
    before,
  }
  if (input.dryRun || plan.length === 0) {
    return {...base, closed: [], after: input.dryRun ? null : before, totals: {...bulkEnd(), claimed: 0, skipped: skippedMessages(skipped)}}
  }
  await assertMayClose(a, plan)
  // the plan took a moment: a channel that has since acked or received is no longer stuck, so it is left alone
  const still = await stillStuck(a, plan, input.minIdleMs, skipped)
  const reason = reasonText(`requeue unacked messages of queue ${q.name} (channel idle >= ${input.minIdleMs} ms)`)
  // one connection per step: Ctrl-C stops between two closes, and a lost broker ends the run in its totals
  const counts = bulkCounts()
  const closed: Closed[] = []
  const left = [...still]
  const steps = runBulk<Closed>(
    {
      step: async () => {
        const p = left.shift()
        return p ? [await closeOne(a, p, reason)] : null
      },
      status: (c) => (c.closed ? 'done' : 'failed'),
      limit: null,
      rate: null,
      batch: 1,
      signal: run.signal,
    },
    counts,
  )
  for await (const c of steps) closed.push(c)
  for (const c of closed.filter((x) => x.closed)) await waitGone(a, c.connection, 5000)
  const after = counts.error ? null : await settledCounts(a, vhost, q.name)
  const requeuesOf = (ok: boolean) =>
    closed.filter((c) => c.closed === ok).reduce((s, c) => s + (still.find((p) => p.connection === c.connection)?.requeues ?? 0), 0)
  const {done: _done, ...end} = counts
  return {...base, closed, after, totals: {...end, claimed: requeuesOf(true), skipped: skippedMessages(skipped), failed: requeuesOf(false)}}
}

/** The unacked messages of the channels left alone (unknown counts as none). */
function skippedMessages(skipped: Skipped[]): number {
  return skipped.reduce((s, x) => s + (x.unacked ?? 0), 0)
}

async function stillStuck(a: RabbitAdapter, plan: ConnectionPlan[], minIdleMs: number, skipped: Skipped[]): Promise<ConnectionPlan[]> {
  const out: ConnectionPlan[] = []
  for (const p of plan) {
    let ok = true
    for (const c of p.channels.filter((x) => x.target)) {
      const ch = await getChannel(a, c.channel).catch((err) => (err instanceof CgError && err.code === 'not_found' ? null : Promise.reject(err)))
      const idleMs = idleMsSince(ch?.idle_since)
      if (!ch?.messages_unacknowledged || idleMs === null || idleMs < minIdleMs) {
        ok = false
        skipped.push({
          channel: c.channel,
          connection: p.connection,
          unacked: ch?.messages_unacknowledged ?? null,
          idleMs,
          reason: 'became active before the close',
        })
      }
    }
    if (ok) out.push(p)
  }
  return out
}

/** Closes one planned connection; one that went away by itself since the plan counts as closed. */
async function closeOne(a: RabbitAdapter, p: ConnectionPlan, reason: string): Promise<Closed> {
  try {
    await close(a, p.connection, reason)
  } catch (err) {
    // gone by itself since the plan: its messages were requeued all the same
    if (err instanceof CgError && err.code === 'not_found') return {connection: p.connection, connectionName: p.connectionName, closed: true, error: null}
    // a lost broker or refused credentials end the run (recorded in its totals)
    if (err instanceof CgError && (err.code === 'unreachable' || err.code === 'auth' || err.code === 'timeout')) throw err
    return {connection: p.connection, connectionName: p.connectionName, closed: false, error: (err as Error).message}
  }
  return {connection: p.connection, connectionName: p.connectionName, closed: true, error: null}
}

/** The management name of cg's own AMQP connection (opened here if need be), so it is never closed. */
async function ownConnection(a: RabbitAdapter): Promise<string> {
  const conn = (await a.connection()) as unknown as {
    connection?: {stream?: {localAddress?: string; localPort?: number; remoteAddress?: string; remotePort?: number}}
  }
  const s = conn.connection?.stream
  if (!s?.localPort) return ''
  return `${s.localAddress}:${s.localPort} -> ${s.remoteAddress}:${s.remotePort}`
}

export interface RabbitConsumerDeleteResult extends ChangeResult {
  group: string
  sources: string[]
  vhost: string
  tag: string
  deliveryLimit: DeliveryLimit | null
  /** the connection that closes, with everything else it carries */
  connection: ConnectionPlan
  requeues: number
  warnings: string[]
  /** true once the connection is gone (false on a dry run) */
  closed: boolean
  after: QueueCounts | null
}

export async function consumerDeleteOp(a: RabbitAdapter, req: OpRequest<'consumer:delete'>): Promise<RabbitConsumerDeleteResult> {
  const [queue, tag] = queueAndTagArgs(req, 'cg consumer delete [QUEUE] TAG [--dry-run]')
  const result = await consumerDelete(a, {queue, tag, dryRun: req.flags['dry-run']})
  for (const w of result.warnings) req.run.warn(w)
  return result
}

/** `cg consumer delete QUEUE TAG`: close the consumer's connection, after saying what else it closes. */
export async function consumerDelete(
  a: RabbitAdapter,
  input: {queue: string; vhost?: string; tag: string; dryRun: boolean},
): Promise<RabbitConsumerDeleteResult> {
  const vhost = input.vhost ?? a.options.vhost
  const version = await a.serverVersion()
  const q = await readableQueue(a, vhost, input.queue)
  const c = (q.consumer_details ?? []).find((x) => x.consumer_tag === input.tag)
  if (!c) {
    const tags = (q.consumer_details ?? []).map((x) => x.consumer_tag)
    throw new CgError(
      'not_found',
      `no consumer with tag ${input.tag} on queue ${q.name} (vhost ${vhost})`,
      tags.length
        ? `Its consumers: ${tags.slice(0, 10).join(', ')}${tags.length > 10 ? ', ...' : ''} (see cg consumers ${q.name}).`
        : 'The queue has no consumers.',
    )
  }
  const connName = c.channel_details.connection_name ?? ''
  const ownName = (await getConnection(a, connName).catch(() => null))?.user_provided_name
  if (connName === (await ownConnection(a)) || ownName === a.connectionName)
    throw new CgError('refused', `consumer ${input.tag} is on cg's own connection`, 'Nothing to do.')
  const plan = await connectionPlan(a, connName, (x) => x.tag === input.tag && x.channel === c.channel_details.name)
  const limit = deliveryLimit(q, version)
  const warnings = quorumWarnings(q, limit, version, plan.requeues)
  if (plan.alsoCloses.consumers.length || plan.alsoCloses.channels.length) {
    warnings.push(
      `the connection also carries ${plan.alsoCloses.channels.length} other channel(s) and ${plan.alsoCloses.consumers.length} other consumer(s)${plan.alsoCloses.queues.length ? ` on ${plan.alsoCloses.queues.join(', ')}` : ''}: they close too`,
    )
  }
  const base = {
    broker: 'rabbitmq' as const,
    group: q.name,
    sources: [q.name],
    vhost,
    tag: input.tag,
    dryRun: input.dryRun,
    deliveryLimit: limit,
    connection: plan,
    requeues: plan.requeues,
    warnings,
  }
  if (input.dryRun) return {...base, closed: false, after: null}
  await assertMayClose(a, [plan])
  // one connection: a close the broker refuses is the command's error (nothing else was done)
  try {
    await close(a, plan.connection, reasonText(`consumer delete ${input.tag} on queue ${q.name}`))
  } catch (err) {
    if (!(err instanceof CgError && err.code === 'not_found')) throw err
  }
  await waitGone(a, plan.connection, 5000)
  return {...base, closed: true, after: await settledCounts(a, vhost, q.name)}
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
