// What a RabbitMQ cluster with a node down hides from cg, in words. The management API of any running
// node lists every node's queues and consumers; a stopped node takes with it the classic queues it holds
// (listed with state "down" and no counts), the quorum queues that lose their majority (no leader, no
// counts), and every connection (and so every consumer) that was connected to it.
import {CgError} from '../../errors/cg-error.js'
import type {RawQueue} from './rabbitmq-reads.js'
import type {RabbitAdapter} from './rabbitmq-types.js'

export interface ClusterNodes {
  /** every node of the cluster, running or not */
  nodes: string[]
  /** the nodes the cluster says are not running */
  down: string[]
}

const seen = new WeakMap<RabbitAdapter, Promise<ClusterNodes | null>>()

/**
 * The cluster's nodes (GET /api/nodes, once per run); null when the user may not list them (it needs the
 * monitoring or administrator tag): cg then cannot say which nodes are down.
 */
export function clusterNodes(a: RabbitAdapter): Promise<ClusterNodes | null> {
  let p = seen.get(a)
  if (!p) {
    p = a
      .management()
      .get<Array<{name: string; running?: boolean}>>('nodes', {columns: 'name,running'})
      .then(
        (list) => ({
          nodes: list.map((n) => n.name).sort(),
          down: list
            .filter((n) => n.running === false)
            .map((n) => n.name)
            .sort(),
        }),
        (err: unknown) => (err instanceof CgError && (err.code === 'refused' || err.code === 'not_found') ? null : Promise.reject(err)),
      )
    seen.set(a, p)
  }
  return p
}

/** One line per node down: what cg cannot see because of it. */
export function nodeWarnings(c: ClusterNodes | null): string[] {
  return (c?.down ?? []).map(
    (n) => `node ${n} is down: the queues it alone holds have no counts, and consumers connected to it are gone with their connections (not listed)`,
  )
}

export interface Availability {
  /** the node the queue lives on: a quorum or stream queue's leader, a classic queue's node; null when unknown or none */
  node: string | null
  /** quorum and stream queues: the nodes holding a replica; null for classic queues */
  members: string[] | null
  /** quorum and stream queues: the members running now; null for classic queues */
  online: string[] | null
  /** false when the queue's counts cannot be read (its node down, or no leader) */
  readable: boolean
  /** what a node down does to the queue, in words; null when nothing */
  note: string | null
}

/** Where a queue lives and whether a node down keeps it from being read (from the management API's listing). */
export function availability(q: RawQueue): Availability {
  const type = q.type ?? 'classic'
  if (type === 'classic') {
    const node = q.node ?? null
    if (q.state === 'down')
      return {node, members: null, online: null, readable: false, note: `its node ${node ?? '(unknown)'} is down: no counts until it is back`}
    return {node, members: null, online: null, readable: true, note: null}
  }
  const members = Array.isArray(q.members) ? [...q.members] : null
  const online = Array.isArray(q.online) ? [...q.online] : null
  // a stream queue (3.10) names its leader's node in `node`, with no `leader` field
  const node = q.leader ?? (type === 'stream' ? q.node : undefined) ?? null
  if (!members || !online) return {node, members, online, readable: true, note: null}
  const offline = members.filter((m) => !online.includes(m))
  const majority = Math.floor(members.length / 2) + 1
  if (!node || online.length < majority) {
    return {
      node,
      members,
      online,
      readable: false,
      note: `no leader: ${online.length} of ${members.length} member(s) running${offline.length ? ` (down: ${offline.join(', ')})` : ''}: no counts until a majority is back`,
    }
  }
  if (offline.length)
    return {node, members, online, readable: true, note: `${offline.length} of ${members.length} replica(s) down (${offline.join(', ')}); leader ${node}`}
  return {node, members, online, readable: true, note: null}
}

/** Exit 69 naming what is down, for commands that need one queue's live state. */
export function unreadable(q: RawQueue, av: Availability): CgError {
  return new CgError(
    'unreachable',
    `queue ${q.name} (vhost ${q.vhost}) cannot be read: ${av.note ?? 'its node is down'}`,
    'Start the node that is down (cg groups lists what can be read), or run this again once the queue has a leader.',
  )
}
