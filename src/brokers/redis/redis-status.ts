// The status read on Redis: each group's health facts (GroupStatus), what cg check, cg metrics and the
// --watch views read every few seconds. Per SCAN batch of 1,000 streams: one read-only script call that
// returns every fact but the DLQ's as ids and numbers (where scripts are refused, XINFO GROUPS pipelined, then
// one more pipelined round trip for the rest; see RedisAdapter.statusRows); the DLQs' lengths at the end.
import type {OpRequest} from '../../core/requests.js'
import type {GroupStatus, StatusResult} from '../../core/results.js'
import {notFound, usage} from '../../errors/cg-error.js'
import {dlqKey} from './redis-dlq-select.js'
import {timeLagNote} from './redis-inspect.js'
import type {StatusRow, StreamsAdapter} from './redis-types.js'

/**
 * How many of a group's oldest pending entries are read for maxDeliveries (XPENDING key group - + 100): the
 * highest delivery count among those, not over the whole PEL, which may hold millions.
 */
export const DELIVERIES_SAMPLE = 100

/**
 * `cg ... [[STREAM] GROUP]`: no argument, every group of every stream; GROUP, that group on every stream that
 * has it; STREAM GROUP, that one. A named group that no stream has is not found (exit 5).
 *
 * Per group: lag (XINFO GROUPS), timeLagMs (now minus the time part of the first entry after the group's
 * last-delivered-id), consumers, pending (the PEL's size), oldestPendingMs (now minus the time part of the
 * PEL's smallest id), maxDeliveries (the highest delivery count among the 100 oldest pending entries),
 * dlq (the stream's DLQ key, as cg dlq names it, and its XLEN; null when that key does not exist),
 * consumed (the group's entries-read, else entries-added minus lag; null when Redis knows neither), produced (the stream's
 * entries-added). Ages are on the server's clock; an id set by hand (1-1) gives the age its time part says.
 */
export async function status(conn: StreamsAdapter, req: OpRequest<'status'>): Promise<StatusResult> {
  const given = req.args.filter((a) => a !== '')
  if (given.length > 2) throw usage('too many arguments: [[STREAM] GROUP]', 'Give GROUP, or STREAM GROUP, or nothing for every group.')
  const [source, group] = given.length === 2 ? given : [undefined, given[0]]
  const takenAt = Date.now()
  const rows = (await conn.statusRows({source, group, pendingEntries: DELIVERIES_SAMPLE, dlqOf: dlqFor(req, source)})).map(groupStatus)
  if (group !== undefined && rows.length === 0) {
    if (source !== undefined) throw notFound(`group ${group} does not exist on stream ${source}`, `List the groups with: cg groups ${source}.`)
    throw notFound(`no consumer group ${group} on any stream`, 'cg groups lists the groups of every stream.')
  }
  return {broker: 'redis', takenAt, groups: rows}
}

/**
 * The DLQ key of a stream, as cg dlq names it: the profile's `dlq` for the profile's stream (or, when the
 * profile names no stream, for the STREAM given); `<stream>:dlq` for every other stream.
 */
function dlqFor(req: OpRequest<'status'>, named: string | undefined): (stream: string) => string {
  const p = req.profile
  const own = p.dlq ? (p.stream ?? named) : undefined
  return (stream) => dlqKey({profile: stream === own ? p.dlq : undefined, stream})
}

function groupStatus(r: StatusRow): GroupStatus {
  return {
    group: r.group,
    sources: [r.source],
    lag: r.lag,
    timeLagMs: r.timeLagMs,
    timeLagNote: timeLagNote(r.lag, r.timeLagMs),
    consumers: r.consumers,
    pending: r.pending,
    oldestPendingMs: r.oldestPendingMs,
    maxDeliveries: r.maxDeliveries,
    dlq: r.dlq,
    // Redis's lag is entries-added minus entries-read: where it knows the lag but not entries-read (a group
    // created at 0 that has read nothing yet), the difference is what the group has read
    consumed: r.entriesRead ?? (r.entriesAdded !== null && r.lag !== null ? r.entriesAdded - r.lag : null),
    produced: r.entriesAdded,
    partitions: null,
  }
}
