// The status read on RabbitMQ: each queue's health facts (GroupStatus) from ONE management API listing of
// the queues (`columns=` keeps each row to the fields below), plus, only when queues dead-letter through a
// named exchange, that exchange's bindings to find the dead-letter queue. No AMQP and no per-queue calls:
// cg check, cg metrics and the --watch views read it every few seconds over hundreds of queues. Every figure
// is the management API's sample (refreshed every ~5 s by the broker), not a passive declare.
import type {OpRequest} from '../../core/requests.js'
import type {GroupStatus, StatusResult} from '../../core/results.js'
import {CgError} from '../../errors/cg-error.js'
import {optionalQueueArg} from './rabbitmq-args.js'
import {bindingsFrom, type Binding} from './rabbitmq-dlq-io.js'
import {deadLetterTargets} from './rabbitmq-dlq-resolve.js'
import {deadLetter, num, timeLag} from './rabbitmq-inspect.js'
import {seg} from './rabbitmq-management.js'
import {getQueue, listQueues, type RawQueue} from './rabbitmq-reads.js'
import {streamConsumersOf, streamPositions, type RawStreamConsumer} from './rabbitmq-streams.js'
import type {RabbitAdapter} from './rabbitmq-types.js'
import {mapLimit} from '../../services/limit.js'

/** what a status row needs of a queue: counts, the head timestamp, the counters, the dead-letter settings */
const COLUMNS = [
  'name',
  'vhost',
  'type',
  'consumers',
  'messages',
  'messages_ready',
  'messages_unacknowledged',
  'messages_ready_ram',
  'head_message_timestamp',
  'message_stats.ack',
  'message_stats.deliver_no_ack',
  'message_stats.get_no_ack',
  'message_stats.publish',
  'arguments',
  'policy',
  'operator_policy',
  'effective_policy_definition',
] as const

/** more distinct dead-letter exchanges than this: one listing of all bindings instead of one call per exchange */
const EXCHANGE_CALLS_MAX = 8

/** A queue's status: the common facts, and the queue's vhost and type (two vhosts may hold the same name). */
export interface RabbitGroupStatus extends GroupStatus {
  vhost: string
  type: string
}

export interface RabbitStatusResult extends StatusResult {
  groups: RabbitGroupStatus[]
}

/**
 * `status [QUEUE] [--vhost V]`: no QUEUE = every queue of --vhost, else of every vhost the user sees; QUEUE =
 * that queue of --vhost, else of the connection's vhost (not_found, exit 5, when it or the vhost is missing).
 *
 * - lag: ready messages; pending: ready + unacked (as `cg pending` counts them); consumers: the sample's. A
 *   stream queue keeps its messages, so they are no backlog: its lag, pending and time behind are those of
 *   its furthest-behind named consumer (streamLag: the connected ones, and the profile's `consumer:` when
 *   the queue is named), read over the stream protocol as cg lag STREAM reads them; null, with a note, when
 *   it has none or the stream protocol does not answer.
 * - timeLagMs / timeLagNote: the head message's age from `head_message_timestamp` (timeLag() says when it
 *   is null and why; cg never peeks at a message to find out, as that has side effects).
 * - oldestPendingMs: null (RabbitMQ keeps no age per unacknowledged message).
 * - maxDeliveries: null. Quorum queues count deliveries per message (`x-delivery-count`), but the
 *   management API shows no per-queue maximum; reading it would mean fetching messages.
 * - dlq: the queue that the queue's dead-letter exchange and routing key (arguments or policy) lead to,
 *   with its depth (ready + unacked), when exactly one queue other than itself is reached; else null.
 * - consumed: acknowledged plus auto-ack deliveries and gets (`message_stats` ack + deliver_no_ack +
 *   get_no_ack), so consumers without acknowledgements count too; produced: messages published into the
 *   queue (`message_stats.publish`). Both only grow while the queue exists (a node restart resets them); null
 *   when the management API has no stats for the queue.
 */
export async function statusOp(a: RabbitAdapter, req: OpRequest<'status'>): Promise<RabbitStatusResult> {
  const queue = optionalQueueArg(req, '[QUEUE] [--vhost V]')
  const queues: RawQueue[] = []
  if (queue !== undefined) queues.push(await getQueue(a, req.flags.vhost ?? a.options.vhost, queue, COLUMNS))
  else for await (const q of listQueues(a, req.flags.vhost, COLUMNS)) queues.push(q)
  const takenAt = Date.now()
  const dlqs = await deadLetterQueues(a, queues, queue === undefined)
  const given = queue !== undefined && req.profile.consumer ? [req.profile.consumer] : []
  // the stream consumers of a vhost: one listing for all its streams
  const listings = new Map<string, Promise<RawStreamConsumer[]>>()
  const listingOf = (vhost: string) => listings.get(vhost) ?? listings.set(vhost, streamConsumersOf(a, vhost)).get(vhost)!
  const streams = new Map(
    await mapLimit(
      queues.filter((q) => q.type === 'stream'),
      4,
      async (q) => [key(q.vhost, q.name), await streamLag(a, q, given, takenAt, listingOf(q.vhost))] as const,
    ),
  )
  const groups = queues.map((q): RabbitGroupStatus => {
    const stream = streams.get(key(q.vhost, q.name))
    const lag = num(q.messages_ready)
    const unacked = num(q.messages_unacknowledged)
    const stats = q.message_stats
    return {
      group: q.name,
      sources: [q.name],
      vhost: q.vhost,
      type: q.type ?? 'classic',
      ...(stream ?? {
        lag,
        ...timeLag(q, lag, takenAt),
        pending: lag !== null && unacked !== null ? lag + unacked : null,
      }),
      consumers: num(q.consumers),
      oldestPendingMs: null,
      maxDeliveries: null,
      dlq: dlqs.get(key(q.vhost, q.name)) ?? null,
      consumed: stats ? (stats.ack ?? 0) + (stats.deliver_no_ack ?? 0) + (stats.get_no_ack ?? 0) : null,
      produced: stats ? (stats.publish ?? 0) : null,
      partitions: null,
    }
  })
  return {broker: 'rabbitmq', takenAt, groups}
}

const key = (vhost: string, name: string): string => JSON.stringify([vhost, name])

/**
 * A stream queue's lag, pending (the same) and time behind: those of its furthest-behind named consumer (by
 * lag, then time behind). A stream keeps its messages, so without a named consumer there is nothing behind to
 * speak of: null, with a note saying how to name one.
 */
async function streamLag(
  a: RabbitAdapter,
  q: RawQueue,
  given: string[],
  takenAt: number,
  listing: Promise<RawStreamConsumer[]>,
): Promise<Pick<GroupStatus, 'lag' | 'pending' | 'timeLagMs' | 'timeLagNote'>> {
  const none = (timeLagNote: string) => ({lag: null, pending: null, timeLagMs: null, timeLagNote})
  let positions: Awaited<ReturnType<typeof streamPositions>>['positions']
  try {
    ;({positions} = await streamPositions(a, q, given, takenAt, listing))
  } catch (err) {
    // the management API answered for the queue: one stream that cannot be read does not sink the whole read
    if (!(err instanceof CgError)) throw err
    return none(`the stream protocol did not answer (${err.message}): cg lag ${q.name} --consumer NAME reads one consumer`)
  }
  const known = positions.filter((p) => p.lag !== null)
  if (known.length === 0)
    return none(
      positions.length === 0
        ? 'a stream keeps its messages: the lag is per named consumer, and none is connected (cg lag STREAM --consumer NAME)'
        : "no offset is stored under the connected consumers' names",
    )
  const worst = known.reduce((w, p) => (p.lag! > w.lag! || (p.lag === w.lag && (p.timeLagMs ?? -1) > (w.timeLagMs ?? -1)) ? p : w))
  return {lag: worst.lag, pending: worst.lag, timeLagMs: worst.lag ? worst.timeLagMs : null, timeLagNote: worst.lag ? worst.timeLagNote : null}
}

/**
 * Each queue's dead-letter queue and its depth (by key(vhost, queue)); queues without one are left out.
 * `wholeVhosts`: the listing holds every queue of the vhosts it covers, so a target not in it does not exist.
 */
async function deadLetterQueues(a: RabbitAdapter, queues: RawQueue[], wholeVhosts: boolean): Promise<Map<string, {name: string; depth: number | null}>> {
  const listed = new Map(queues.map((q) => [key(q.vhost, q.name), q]))
  const settings = queues.flatMap((q) => {
    const d = deadLetter(q)
    // without an exchange RabbitMQ dead-letters nothing (a routing key alone does not do it)
    return d?.exchange == null ? [] : [{q, exchange: d.exchange, routingKey: d.routingKey}]
  })
  const exchanges = [
    ...new Map(settings.filter((s) => s.exchange !== '').map((s) => [key(s.q.vhost, s.exchange), [s.q.vhost, s.exchange] as [string, string]])).values(),
  ]
  const bindings = await exchangeBindings(a, exchanges)
  const targets = new Map<string, string>()
  for (const s of settings) {
    const found = deadLetterTargets(s, bindings.get(key(s.q.vhost, s.exchange)) ?? [])
    if (found.length === 1 && found[0] !== s.q.name) targets.set(key(s.q.vhost, s.q.name), found[0])
  }
  // the status of one queue: its dead-letter queue's depth, one more call
  const missing = wholeVhosts ? [] : [...new Set([...targets].map(([k, t]) => key(listed.get(k)!.vhost, t)))].filter((k) => !listed.has(k))
  const fetched = await mapLimit(missing, 8, async (k) => {
    const [vhost, name] = JSON.parse(k) as [string, string]
    return getQueue(a, vhost, name, ['name', 'vhost', 'messages']).catch((err) =>
      err instanceof CgError && err.code === 'not_found' ? null : Promise.reject(err),
    )
  })
  for (const q of fetched) if (q) listed.set(key(q.vhost, q.name), q)
  const out = new Map<string, {name: string; depth: number | null}>()
  for (const [k, t] of targets) {
    const target = listed.get(key(listed.get(k)!.vhost, t))
    // the default exchange names a queue that does not exist: those dead letters are dropped
    if (target) out.set(k, {name: t, depth: num(target.messages)})
  }
  return out
}

/** The bindings from each [vhost, exchange] (a missing exchange has none): one call each, or one listing of all. */
async function exchangeBindings(a: RabbitAdapter, exchanges: Array<[string, string]>): Promise<Map<string, Binding[]>> {
  const out = new Map<string, Binding[]>()
  if (exchanges.length === 0) return out
  if (exchanges.length <= EXCHANGE_CALLS_MAX) {
    const lists = await mapLimit(exchanges, EXCHANGE_CALLS_MAX, ([vhost, x]) =>
      bindingsFrom(a, x, vhost).catch((err) => (err instanceof CgError && err.code === 'not_found' ? [] : Promise.reject(err))),
    )
    exchanges.forEach(([vhost, x], i) => out.set(key(vhost, x), lists[i]))
    return out
  }
  const vhosts = [...new Set(exchanges.map(([v]) => v))]
  const rows = await a
    .management()
    .get<Array<{vhost: string; source: string; destination: string; destination_type: string; routing_key: string}>>(
      vhosts.length === 1 ? `bindings/${seg(vhosts[0])}` : 'bindings',
      {columns: 'vhost,source,destination,destination_type,routing_key'},
    )
  for (const b of rows) {
    const k = key(b.vhost, b.source)
    const list = out.get(k) ?? []
    out.set(k, list)
    list.push({destination: b.destination, destinationType: b.destination_type, routingKey: b.routing_key})
  }
  return out
}
