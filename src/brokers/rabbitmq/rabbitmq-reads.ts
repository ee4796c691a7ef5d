// Management API reads for inspection (queues, consumers, channels, connections) and the AMQP passive
// declare that confirms a queue's counts. Raw shapes are the API's (snake_case); rabbitmq-inspect.ts maps them.
import {CgError} from '../../errors/cg-error.js'
import {amqpError} from './rabbitmq-adapter.js'
import {seg} from './rabbitmq-management.js'
import {accessRefused, type Permission, permissionRefused} from './rabbitmq-permissions.js'
import type {RabbitAdapter} from './rabbitmq-types.js'
import {mapLimit} from '../../services/limit.js'

/** the list endpoints' largest page */
export const PAGE_SIZE = 500

export interface RawQueue {
  name: string
  vhost: string
  type?: string
  state?: string
  /** classic queues: the node holding the queue */
  node?: string
  /** quorum and stream queues: the leader (null while there is none), the replicas, and those running */
  leader?: string | null
  members?: string[]
  online?: string[]
  durable?: boolean
  consumers?: number
  messages?: number
  messages_ready?: number
  messages_unacknowledged?: number
  /** ready messages whose body is in memory (classic queues) */
  messages_ready_ram?: number
  /**
   * classic queues: the smallest AMQP `timestamp` property (whole seconds) among the head ready message and
   * the unacknowledged ones whose bodies are in memory; null when none has one; absent on quorum and stream queues
   */
  head_message_timestamp?: number | null
  /** counters since the queue's stats began; a counter appears after its first event; absent when there are no stats */
  message_stats?: {ack?: number; deliver_no_ack?: number; get_no_ack?: number; publish?: number}
  consumer_utilisation?: number | null
  consumer_capacity?: number | null
  arguments?: Record<string, unknown>
  policy?: string | null
  operator_policy?: string | null
  effective_policy_definition?: Record<string, unknown> | unknown[]
  consumer_details?: RawConsumer[]
}

export interface RawChannelRef {
  name: string
  number?: number
  connection_name?: string
  peer_host?: string
  peer_port?: number
  user?: string
}

export interface RawConsumer {
  consumer_tag: string
  ack_required?: boolean
  prefetch_count?: number
  active?: boolean
  exclusive?: boolean
  activity_status?: string
  channel_details: RawChannelRef
  queue: {name: string; vhost: string}
}

export interface RawChannel {
  name: string
  number?: number
  user?: string
  vhost?: string
  state?: string
  idle_since?: string
  messages_unacknowledged?: number
  prefetch_count?: number
  global_prefetch_count?: number
  consumer_count?: number
  connection_details?: {name?: string; peer_host?: string; peer_port?: number}
  consumer_details?: RawConsumer[]
}

export interface RawConnection {
  name: string
  user?: string
  vhost?: string
  peer_host?: string
  peer_port?: number
  channels?: number
  state?: string
  connected_at?: number
  user_provided_name?: string
  client_properties?: {connection_name?: string; product?: string}
}

interface Page<T> {
  items: T[]
  page: number
  page_count: number
}

/** The name the client gave its connection (connection_name client property), null when none. */
export function connectionName(c: RawConnection | null | undefined): string | null {
  return c?.user_provided_name ?? c?.client_properties?.connection_name ?? null
}

/** GET /api/whoami: the user and its tags ("administrator", "monitoring", "management", ...). */
export async function whoami(a: RabbitAdapter): Promise<{name: string; tags: string[]}> {
  const w = await a.management().get<{name: string; tags: string | string[]}>('whoami')
  const tags = Array.isArray(w.tags)
    ? w.tags
    : String(w.tags ?? '')
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean)
  return {name: w.name, tags}
}

/** Fails with not_found (5) naming the vhost when it does not exist. */
export async function checkVhost(a: RabbitAdapter, vhost: string): Promise<void> {
  try {
    await a.management().get(`vhosts/${seg(vhost)}`)
  } catch (err) {
    if (err instanceof CgError && err.code === 'not_found')
      throw new CgError('not_found', `vhost ${vhost} not found`, 'List the vhosts with `rabbitmqctl list_vhosts`, or fix `vhost:` in the profile / --vhost.')
    throw err
  }
}

/**
 * Every queue of one vhost, or of every vhost the user sees, page by page (page_size 500); `columns` keeps
 * only those fields (`message_stats.ack` picks one nested counter) so a large listing stays small.
 */
export async function* listQueues(a: RabbitAdapter, vhost?: string, columns?: readonly string[]): AsyncGenerator<RawQueue> {
  if (vhost !== undefined) await checkVhost(a, vhost)
  const path = vhost === undefined ? 'queues' : `queues/${seg(vhost)}`
  for (let page = 1; ; page++) {
    const p = await a.management().get<Page<RawQueue>>(path, {page, page_size: PAGE_SIZE, ...(columns ? {columns: columns.join(',')} : {})})
    for (const q of p.items) yield q
    if (page >= p.page_count || p.items.length === 0) return
  }
}

/**
 * One queue with its consumer_details (or only `columns`); a missing queue or vhost is not_found (5) with a
 * clear message.
 */
export async function getQueue(a: RabbitAdapter, vhost: string, name: string, columns?: readonly string[]): Promise<RawQueue> {
  try {
    return await a.management().get<RawQueue>(`queues/${seg(vhost)}/${seg(name)}`, columns ? {columns: columns.join(',')} : undefined)
  } catch (err) {
    if (err instanceof CgError && err.code === 'not_found') {
      await checkVhost(a, vhost)
      // a classic queue whose node is down answers 404 here but is still in the listing (state "down")
      const listed = await listedQueue(a, vhost, name)
      if (listed) return listed
      throw new CgError('not_found', `queue ${name} not found in vhost ${vhost}`, 'List the queues with `cg groups`.')
    }
    throw err
  }
}

/** The listing's row of one queue (name matched exactly), null when it is not there. */
async function listedQueue(a: RabbitAdapter, vhost: string, name: string): Promise<RawQueue | null> {
  const exact = `^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`
  const p = await a.management().get<Page<RawQueue>>(`queues/${seg(vhost)}`, {page: 1, page_size: PAGE_SIZE, name: exact, use_regex: true})
  return p.items.find((q) => q.name === name) ?? null
}

export async function getChannel(a: RabbitAdapter, name: string): Promise<RawChannel> {
  return a.management().get<RawChannel>(`channels/${seg(name)}`)
}

export async function getConnection(a: RabbitAdapter, name: string): Promise<RawConnection> {
  return a.management().get<RawConnection>(`connections/${seg(name)}`)
}

/** The channels of one connection, each with its consumer_details (one GET per channel). */
export async function connectionChannels(a: RabbitAdapter, name: string): Promise<RawChannel[]> {
  const list = await a.management().get<RawChannel[]>(`connections/${seg(name)}/channels`)
  return mapLimit(list, 8, (c) => getChannel(a, c.name).catch((err) => (err instanceof CgError && err.code === 'not_found' ? c : Promise.reject(err))))
}

/** DELETE /api/connections/{name} with an X-Reason header the client sees in its connection.close. */
export async function closeConnection(a: RabbitAdapter, name: string, reason: string): Promise<void> {
  await a.management().delete(`connections/${seg(name)}`, {'X-Reason': reason})
}

/** AMQP passive declares, each on a fresh channel (a failed declare closes its channel). */
export interface QueueCheck {
  /** ready messages (what a passive declare reports) */
  messageCount: number
  consumerCount: number
}

/** Passive declare: the queue's ready count; not_found (exit 5) when it does not exist. */
export async function checkQueue(rabbit: RabbitAdapter, queue: string): Promise<QueueCheck> {
  const ch = await rabbit.channel()
  try {
    const ok = await ch.checkQueue(queue)
    return {messageCount: ok.messageCount, consumerCount: ok.consumerCount}
  } catch (err) {
    throw channelError(err, rabbit, `queue ${queue}`)
  } finally {
    await ch.close().catch(() => undefined)
  }
}

/** Passive exchange check: true when it exists (the default exchange always does). */
export async function exchangeExists(rabbit: RabbitAdapter, exchange: string): Promise<boolean> {
  if (exchange === '') return true
  const ch = await rabbit.channel()
  try {
    await ch.checkExchange(exchange)
    return true
  } catch (err) {
    const e = channelError(err, rabbit, `exchange ${exchange}`)
    if (e.code === 'not_found') return false
    throw e
  } finally {
    await ch.close().catch(() => undefined)
  }
}

/**
 * A channel's error (a failed declare, consume or publish) as a CgError with the exit code of the spec.
 * `need` is the permission the operation needs and what it was doing, to name them in an ACCESS_REFUSED.
 */
export function channelError(err: unknown, rabbit: RabbitAdapter, what: string, need?: {permission: Permission; action: string}): CgError {
  const msg = (err as Error)?.message ?? String(err)
  // a durable classic queue whose node is down (a cluster): it exists, it cannot be reached
  const home = /home node '([^']+)' of durable queue .* is down or inaccessible/.exec(msg)
  if (home)
    return new CgError(
      'unreachable',
      `${what} cannot be read: its node ${home[1]} is down`,
      'Start the node that is down (cg groups lists what can be read), then run this again.',
    )
  if (/NOT_FOUND|404/.test(msg))
    return new CgError('not_found', `${what} not found in vhost ${rabbit.options.vhost}`, 'Check the name and the vhost (cg groups lists the queues).')
  // an exclusive queue of another connection: not even a passive declare may touch it
  if (/RESOURCE_LOCKED|405/.test(msg))
    return new CgError(
      'refused',
      `${what} is exclusive to another connection`,
      'Only that connection may use it; cg groups and cg lag show its counts from the management API.',
    )
  if (/ACCESS_REFUSED|403/.test(msg)) {
    const r = accessRefused(err)
    if (r && need) return permissionRefused(rabbit, r.permission ?? need.permission, r.kind, r.name, need.action)
    const said = /ACCESS_REFUSED - ([^"]*)/.exec(msg)?.[1]
    return new CgError(
      'refused',
      `user ${rabbit.options.username} may not access ${what} in vhost ${rabbit.options.vhost}${said ? ` (ACCESS_REFUSED: ${said})` : ''}`,
      'The user needs configure/read/write permissions on the vhost that match the names used (rabbitmqctl list_user_permissions USER shows them).',
    )
  }
  return amqpError(err, rabbit.options)
}

/** Millisecond age of an idle_since stamp ("2026-11-23T20:45:50.851+00:00" on 3.10+, "2020-01-01 10:00:00" UTC before). */
export function idleMsSince(idleSince: string | undefined | null, now = Date.now()): number | null {
  if (!idleSince) return null
  const iso = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(idleSince) ? idleSince.replace(' ', 'T') + 'Z' : idleSince
  const t = Date.parse(iso)
  return Number.isNaN(t) ? null : Math.max(0, now - t)
}
