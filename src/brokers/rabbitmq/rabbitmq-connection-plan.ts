// What closing a connection would take down (its channels, consumers and queues), and the close itself.
import {CgError} from '../../errors/cg-error.js'
import {closeConnection, connectionChannels, connectionName, getConnection, idleMsSince, whoami} from './rabbitmq-reads.js'
import {isServerError} from './rabbitmq-management.js'
import type {RabbitAdapter} from './rabbitmq-types.js'

export interface ConsumerRef {
  tag: string
  queue: string
  vhost: string
  channel: string
}

export interface ChannelPlan {
  channel: string
  number: number | null
  unacked: number | null
  idleMs: number | null
  consumers: ConsumerRef[]
  /** a channel the command aims at (the others close with it, being on the same connection) */
  target: boolean
}

export interface ConnectionPlan {
  connection: string
  connectionName: string | null
  user: string | null
  peer: string | null
  channels: ChannelPlan[]
  /** unacked messages of every channel of the connection: all of them go back to their queues */
  requeues: number
  /** what else the close takes down besides the targets */
  alsoCloses: {channels: string[]; consumers: ConsumerRef[]; queues: string[]}
}

/**
 * Everything on one connection. `isTarget(consumer)` marks the consumers the command is about; a channel
 * is a target when it carries one. Channels and consumers that are not targets are listed in alsoCloses.
 */
export async function connectionPlan(a: RabbitAdapter, name: string, isTarget: (c: ConsumerRef) => boolean): Promise<ConnectionPlan> {
  const conn = await getConnection(a, name)
  const raw = await connectionChannels(a, name)
  const now = Date.now()
  const channels: ChannelPlan[] = raw.map((ch) => {
    const consumers = (ch.consumer_details ?? []).map((c) => ({tag: c.consumer_tag, queue: c.queue.name, vhost: c.queue.vhost, channel: ch.name}))
    return {
      channel: ch.name,
      number: ch.number ?? null,
      unacked: typeof ch.messages_unacknowledged === 'number' ? ch.messages_unacknowledged : null,
      idleMs: idleMsSince(ch.idle_since, now),
      consumers,
      target: consumers.some(isTarget),
    }
  })
  channels.sort((x, y) => (x.number ?? 0) - (y.number ?? 0))
  const others = channels.flatMap((c) => c.consumers.filter((x) => !isTarget(x)))
  return {
    connection: name,
    connectionName: connectionName(conn),
    user: conn.user ?? null,
    peer: conn.peer_host ? `${conn.peer_host}:${conn.peer_port ?? '?'}` : null,
    channels,
    requeues: channels.reduce((s, c) => s + (c.unacked ?? 0), 0),
    alsoCloses: {
      channels: channels.filter((c) => !c.target).map((c) => c.channel),
      consumers: others,
      queues: [...new Set(others.map((c) => c.queue))].sort(),
    },
  }
}

/** Refuses (exit 4), before anything is closed, when the user may not close every one of these connections. */
export async function assertMayClose(a: RabbitAdapter, plans: ConnectionPlan[]): Promise<void> {
  const foreign = plans.filter((p) => p.user !== null && p.user !== a.options.username)
  if (foreign.length === 0) return
  const me = await whoami(a)
  if (me.tags.includes('administrator')) return
  const list = foreign.map((p) => `${p.connectionName ?? p.connection} (user ${p.user})`).join(', ')
  throw new CgError(
    'refused',
    `user ${me.name} may not close connections of other users: ${list}; that needs the administrator tag (${me.name} has ${me.tags.length ? `tags ${me.tags.join(', ')}` : 'no tags'})`,
    "Nothing was closed. Run cg as a user with the administrator tag, or as the connection's user (rabbitmqctl set_user_tags USER administrator).",
  )
}

export async function close(a: RabbitAdapter, name: string, reason: string): Promise<void> {
  await closeConnection(a, name, reason)
}

/** Waits (up to timeoutMs) until the broker no longer lists the connection. */
export async function waitGone(a: RabbitAdapter, name: string, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs
  while (Date.now() < until) {
    try {
      await getConnection(a, name)
    } catch (err) {
      if (err instanceof CgError && err.code === 'not_found') return true
      // a connection asked about while it closes can make the management API answer 500: ask again
      if (!isServerError(err)) throw err
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  return false
}
