// cg groups, consumers, pending and lag on Redis: each names its arguments (STREAM GROUP ...), reads through
// the adapter, and returns the common core with Redis's own facts beside it.
import type {OpRequest, Request} from '../../core/requests.js'
import {
  mapRows,
  type ConsumersResult,
  type GroupCore,
  type GroupsResult,
  type LagCore,
  type LagResult,
  type PendingResult,
  type Rows,
} from '../../core/results.js'
import {notFound, usage} from '../../errors/cg-error.js'
import {namedArgs, optionalArg, profileValue, type ArgSpec} from '../../services/args.js'
import type {ConsumerRow, GroupRow, PendingEntry, StreamsAdapter} from './redis-types.js'
import {parseStreamId} from './stream-id.js'

/** STREAM GROUP, each from the profile when left out. */
export const STREAM_GROUP: readonly ArgSpec[] = [
  {name: 'STREAM', profile: 'stream'},
  {name: 'GROUP', profile: 'group'},
]

/** An argument that may be left out (`[STREAM GROUP] ID`): given, else the profile's, else a usage error. */
export function orProfile(req: Request<unknown>, value: string | undefined, spec: ArgSpec): string {
  const v = value ?? (spec.profile ? profileValue(req, spec.profile) : undefined)
  if (v === undefined)
    throw usage(`missing ${spec.name}`, `Give ${spec.name} on the command line${spec.profile ? `, or set \`${spec.profile}:\` in the profile` : ''}.`)
  return v
}

/** A group's position as XINFO GROUPS reports it (what cg group create shows after creating one). */
export interface RedisGroupPosition {
  group: string
  sources: string[]
  state: null
  consumers: number | null
  lag: number | null
  pending: number | null
  lastDeliveredId: string | null
  entriesRead: number | null
}

export function groupRow(r: GroupRow): RedisGroupPosition {
  return {
    group: r.group,
    sources: [r.source],
    state: null,
    consumers: r.consumers,
    lag: r.lag,
    pending: r.pending,
    lastDeliveredId: r.lastDeliveredId,
    entriesRead: r.entriesRead,
  }
}

/** A group as cg groups shows it: the core (timeLagMs included), Redis's position and PEL, and the PEL's age. */
export interface RedisGroupRow extends GroupCore {
  pending: number | null
  lastDeliveredId: string | null
  entriesRead: number | null
  /** now minus the time part of the PEL's smallest id; null when nothing is pending */
  oldestPendingMs: number | null
}

export async function groups(conn: StreamsAdapter, req: OpRequest<'groups'>): Promise<GroupsResult<RedisGroupRow>> {
  const rows = conn.timedGroups({source: optionalArg(req, 0), pendingEntries: 1})
  return {
    broker: 'redis',
    groups: mapRows(flatten(rows), (r) => ({
      group: r.group,
      sources: [r.source],
      state: null,
      type: 'stream',
      consumers: r.consumers,
      lag: r.lag,
      timeLagMs: r.timeLagMs,
      timeLagNote: timeLagNote(r.lag, r.timeLagMs),
      pending: r.pending,
      lastDeliveredId: r.lastDeliveredId,
      entriesRead: r.entriesRead,
      oldestPendingMs: r.oldestPendingMs,
    })),
  }
}

/** Why a row's timeLagMs is null while its lag is above zero; null otherwise. */
export function timeLagNote(lag: number | null, timeLagMs: number | null): string | null {
  return timeLagMs === null && lag !== null && lag > 0 ? 'no entry left after the group position (the lag counts entries deleted or trimmed since)' : null
}

async function* flatten<R>(batches: AsyncIterable<R[]>): AsyncGenerator<R> {
  for await (const batch of batches) yield* batch
}

export interface RedisConsumersResult extends ConsumersResult<ConsumerRow> {
  sources: string[]
}

export async function consumers(conn: StreamsAdapter, req: OpRequest<'consumers'>): Promise<RedisConsumersResult> {
  const [source, group] = namedArgs(req, STREAM_GROUP, 'cg consumers [STREAM] [GROUP]')
  return {broker: 'redis', group, sources: [source], consumers: await conn.consumers(source, group)}
}

export interface RedisPendingResult extends PendingResult {
  pending: number
  sources: string[]
  /** only this consumer's entries (the CONSUMER argument), else null */
  consumer: string | null
  minId: string | null
  maxId: string | null
  /** pending entries per consumer */
  consumers: Array<{name: string; pending: number}>
  /** the entry limit applied (null: all) */
  limit: number | null
  entries: Rows<PendingEntry>
}

/** The summary first (it also proves the stream and group exist), then the entries, streamed. */
export async function pending(conn: StreamsAdapter, req: OpRequest<'pending'>): Promise<RedisPendingResult> {
  const usageLine = 'cg pending [STREAM] [GROUP] [CONSUMER]'
  const [source, group] = namedArgs({...req, args: req.args.slice(0, 2)}, STREAM_GROUP, usageLine)
  const consumer = optionalArg(req, 2)
  const f = req.flags
  const start = f.start === undefined ? undefined : parseStreamId(f.start, '--start', ['-', '+'])
  const end = f.end === undefined ? undefined : parseStreamId(f.end, '--end', ['-', '+'])
  const limit = f.all ? null : (f.count ?? 100)
  const s = await conn.pendingSummary(source, group, consumer)
  const entries = conn.pendingEntries({source, group, consumer, minIdleMs: f['min-idle'], start, end, count: limit})
  return {
    broker: 'redis',
    group,
    sources: [source],
    consumer: consumer ?? null,
    pending: s.count,
    minId: s.minId,
    maxId: s.maxId,
    consumers: s.consumers,
    limit,
    entries,
  }
}

export interface RedisLagRow extends LagCore {
  pending: number | null
  oldestPendingId: string | null
  oldestPendingIdleMs: number | null
  /** now minus the time part of oldestPendingId (how long ago the entry was added); null when nothing is pending */
  oldestPendingMs: number | null
}

export async function lag(conn: StreamsAdapter, req: OpRequest<'lag'>): Promise<LagResult<RedisLagRow>> {
  const group = optionalArg(req, 0)
  const it = flatten(conn.timedGroups({group, source: req.flags.stream, pendingEntries: 1}))
  // the first row is read now: a group named on the command line that no stream has is not found (exit 5)
  const first = await it.next()
  if (first.done && group !== undefined) {
    const where = req.flags.stream === undefined ? 'on any stream' : `on stream ${req.flags.stream}`
    throw notFound(`no consumer group ${group} ${where}`, 'cg groups lists the groups of every stream.')
  }
  const rows = (async function* () {
    if (first.done) return
    yield first.value
    yield* it
  })()
  return {
    broker: 'redis',
    groups: mapRows(rows, (r) => ({
      group: r.group,
      sources: [r.source],
      lag: r.lag,
      timeLagMs: r.timeLagMs,
      timeLagNote: timeLagNote(r.lag, r.timeLagMs),
      pending: r.pending,
      oldestPendingId: r.oldestPendingId,
      oldestPendingIdleMs: r.oldestPendingIdleMs,
      oldestPendingMs: r.oldestPendingMs,
    })),
  }
}
