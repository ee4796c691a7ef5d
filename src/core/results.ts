// The common core of every command's result: the same concept under the same name on every broker
// (schemas/<command>.json requires these on all of them). A broker's own facts sit beside the core under
// their own names. Counts are numbers, ids are strings, unknown is null (never 0). Lists of any size may be
// async iterables: the output layer writes them while they are read.
import type {ErrorCode} from '../errors/cg-error.js'
import type {BrokerKind} from './broker.js'

export type Rows<R> = R[] | AsyncIterable<R>

export interface Result {
  broker: BrokerKind
}

/** A group: Redis a stream's consumer group, Kafka a consumer group, RabbitMQ a queue's consumers. */
export interface GroupCore {
  group: string
  /** stream keys, topics, or the queue */
  sources: string[]
  /** Kafka's group state; null where the broker has none */
  state: string | null
  /** the kind of group: Kafka's group type (classic, consumer, share, streams), RabbitMQ's queue type (classic, quorum, stream), "stream" on Redis */
  type: string
  consumers: number | null
  lag: number | null
  /** how old the oldest record the group has not read is (now minus its timestamp); null when nothing waits or the broker cannot tell */
  timeLagMs: number | null
  /** why timeLagMs is null while records wait, in words (the table says it too); else null */
  timeLagNote: string | null
}

export interface GroupsResult<R extends GroupCore = GroupCore> extends Result {
  groups: Rows<R>
}

export interface LagCore {
  group: string
  sources: string[]
  lag: number | null
  /** how old the oldest record the group has not read is (now minus its timestamp); null when nothing waits or the broker cannot tell */
  timeLagMs: number | null
  /** why timeLagMs is null while records wait, in words (the table says it too); else null */
  timeLagNote: string | null
}

export interface LagResult<R extends LagCore = LagCore> extends Result {
  groups: Rows<R>
}

export interface ConsumerCore {
  name: string
  pending: number | null
  idleMs: number | null
}

export interface ConsumersResult<R extends ConsumerCore = ConsumerCore> extends Result {
  group: string
  consumers: Rows<R>
}

export interface PendingResult extends Result {
  group: string
  /** what the group has not finished: Redis PEL entries, Kafka total lag, RabbitMQ ready + unacked */
  pending: number | null
}

/**
 * One group's health at one moment, the same facts on every broker: what cg check, cg metrics and the --watch
 * views read. Unknown is null (never 0); a broker that has no such notion says null too.
 */
export interface GroupStatus {
  group: string
  /** stream keys, topics, or the queue */
  sources: string[]
  /** records the group has not read yet (Redis lag, Kafka log-end minus committed, RabbitMQ ready messages) */
  lag: number | null
  /** now minus the timestamp of the oldest record the group has not read; null when nothing waits or unknown */
  timeLagMs: number | null
  /** why timeLagMs is null while lag is above zero, in words; else null */
  timeLagNote: string | null
  consumers: number | null
  /** what the group has not finished, as cg pending counts it: Redis PEL entries, Kafka total lag, RabbitMQ ready + unacked */
  pending: number | null
  /** age of the oldest entry read but not acknowledged (now minus its creation time): Redis; else null */
  oldestPendingMs: number | null
  /** the highest delivery count among entries read but not acknowledged, where the broker counts deliveries */
  maxDeliveries: number | null
  /** the group's dead letters: their queue / stream / topic and how many wait there; null when it has none */
  dlq: {name: string; depth: number | null} | null
  /** a counter that only grows: records the group has consumed (for a consumption rate); null when unknown */
  consumed: number | null
  /** a counter that only grows: records added to the group's sources (for a production rate); null when unknown */
  produced: number | null
  /** Kafka: each partition of the group (sources[] names the topics) */
  partitions: Array<{source: string; partition: number; lag: number | null; timeLagMs: number | null}> | null
}

export interface StatusResult extends Result {
  /** when the facts were read (ms since the epoch) */
  takenAt: number
  groups: GroupStatus[]
}

/** How a bulk run ended; the base command turns it into the exit code (3 failed, 130 interrupted, 69 lost broker). */
export interface BulkEnd {
  skipped: number
  failed: number
  interrupted: boolean
  /** the error that stopped the run early, else null */
  error: string | null
  /** that error's code (e.g. "unreachable" when the broker was lost), else null */
  errorCode: ErrorCode | null
}

export interface ClaimResult extends Result {
  dryRun: boolean
  totals: BulkEnd & {claimed: number}
}

export interface DlqMoveResult extends Result {
  dryRun: boolean
  totals: BulkEnd & {moved: number}
}

export interface DlqReplayResult extends Result {
  dryRun: boolean
  totals: BulkEnd & {replayed: number}
}

export interface DlqPurgeResult extends Result {
  dryRun: boolean
  totals: BulkEnd & {purged: number}
}

/** setid, reset, consumer delete, group create / delete, offsets delete: a plan, carried out unless a dry run. */
export interface ChangeResult extends Result {
  dryRun: boolean
}

export interface DlqListResult extends Result {
  dlq: string
}

/** What each operation returns. */
export interface OpResults {
  groups: GroupsResult
  consumers: ConsumersResult
  pending: PendingResult
  lag: LagResult
  status: StatusResult
  claim: ClaimResult
  setid: ChangeResult
  reset: ChangeResult
  'consumer:delete': ChangeResult
  'group:create': ChangeResult
  'group:delete': ChangeResult
  'offsets:delete': ChangeResult
  'dlq:list': DlqListResult
  'dlq:peek': DlqListResult
  'dlq:move': DlqMoveResult
  'dlq:replay': DlqReplayResult
  'dlq:purge': DlqPurgeResult
}

/** An empty BulkEnd, for a run about to start. */
export function bulkEnd(): BulkEnd {
  return {skipped: 0, failed: 0, interrupted: false, error: null, errorCode: null}
}

/** Rows -> rows, lazily: an async iterable stays one (read while written), an array stays an array. */
export function mapRows<A, B>(rows: Rows<A>, fn: (row: A) => B): Rows<B> {
  if (Array.isArray(rows)) return rows.map(fn)
  const source = rows as AsyncIterable<A>
  return (async function* () {
    for await (const r of source) yield fn(r)
  })()
}
