// The Redis adapter's shape: plain data rows, the reads, and the repair I/O (one atomic step per call).
// The operations in redis-inspect.ts, redis-claim.ts, redis-position.ts ... drive it; the DLQ I/O has its
// own shape in redis-dlq-types.ts. Unknown values are null, never 0.
import type {Connection} from '../../core/driver.js'
import type {RedisConnection} from './redis-connection.js'
import type {DlqOps} from './redis-dlq-types.js'

export interface GroupRow {
  source: string
  group: string
  consumers: number | null
  pending: number | null
  lastDeliveredId: string | null
  entriesRead: number | null
  lag: number | null
}

export interface ConsumerRow {
  name: string
  pending: number
  idleMs: number
  /** ms since the last successful read; null where the server does not say (Redis < 7.2) or never read */
  inactiveMs: number | null
}

export interface PendingSummary {
  count: number
  minId: string | null
  maxId: string | null
  consumers: Array<{name: string; pending: number}>
}

export interface PendingEntry {
  id: string
  consumer: string
  idleMs: number
  deliveries: number
}

export interface PendingQuery {
  source: string
  group: string
  consumer?: string
  minIdleMs?: number
  start?: string
  end?: string
  /** null: all of them */
  count: number | null
}

/**
 * A group with its times, as cg groups, cg lag and the status read show it. Ages are taken against the
 * server's clock (see RedisAdapter.timedGroups) from the time part of stream ids: ids set by hand (XADD key
 * 1-1 ...) are ages too, as Redis holds them.
 */
export interface TimedGroupRow extends GroupRow {
  /** now minus the time part of the first entry after last-delivered-id; null when none is there */
  timeLagMs: number | null
  /** the smallest id of the PEL, its idle time and its age (now minus the id's time part); null when none pending */
  oldestPendingId: string | null
  oldestPendingIdleMs: number | null
  oldestPendingMs: number | null
  /** the highest delivery count among the oldest pending entries read (GroupQuery.pendingEntries of them) */
  maxDeliveries: number | null
}

/** A status row: a timed group and facts about its stream. */
export interface StatusRow extends TimedGroupRow {
  /** the DLQ key and its length; null when that key does not exist (or is not a stream) */
  dlq: {name: string; depth: number} | null
  /** entries ever added to the stream (XINFO STREAM entries-added); null where the server does not say */
  entriesAdded: number | null
}

export interface GroupQuery {
  /** one stream (not found when missing), else every stream */
  source?: string
  /** only the groups of this name */
  group?: string
  /** how many of the oldest pending entries are read per group (XPENDING - + N), at least 1 */
  pendingEntries: number
}

/** The Redis Streams adapter: a connection to a standalone server or a cluster and what cg reads there. */
export interface StreamsAdapter extends Connection {
  readonly conn: RedisConnection
  /** Fails with "not found" / "wrong type" unless the key is a stream. */
  assertStream(key: string): Promise<void>
  groups(source?: string): AsyncIterable<GroupRow>
  /** The groups with their times, in batches (one per SCAN batch): one round trip per batch (two without scripts). */
  timedGroups(q: GroupQuery): AsyncIterable<TimedGroupRow[]>
  /** timedGroups plus each stream's DLQ (key given by dlqOf) and entries-added: every row, once all are read. */
  statusRows(q: GroupQuery & {dlqOf: (stream: string) => string}): Promise<StatusRow[]>
  /** The group's row; not_found when the stream or the group is missing. */
  group(source: string, group: string): Promise<GroupRow>
  consumers(source: string, group: string): Promise<ConsumerRow[]>
  pendingSummary(source: string, group: string, consumer?: string): Promise<PendingSummary>
  pendingEntries(query: PendingQuery): AsyncIterable<PendingEntry>
  readonly repair: RepairOps
  readonly dlq: DlqOps
}

export interface ClaimQuery {
  source: string
  group: string
  /** the consumer that receives the entries (created if it does not exist) */
  to: string
  /** only entries idle at least this long; re-checked by the broker when it claims */
  minIdleMs: number
  /** only entries owned by this consumer */
  from?: string
  /** true: do not count a delivery (Redis JUSTID) */
  justId: boolean
}

export interface ClaimStep {
  claimed: string[]
  /** pending entries whose message is gone from the stream; the broker dropped them from the PEL */
  deleted: string[]
  /** entries looked at but left where they were (no longer idle enough, or taken meanwhile) */
  skipped: string[]
  /** where the next step starts; null when there is nothing left */
  next: string | null
}

export interface StreamInfo {
  source: string
  length: number
  firstId: string | null
  lastId: string | null
  /** the greatest id ever added, deleted or not ("0-0" for a fresh stream) */
  lastGeneratedId: string
  /** null where the server does not say (Redis < 7.0) */
  entriesAdded: number | null
  maxDeletedEntryId: string | null
}

export interface ShiftResult {
  /** the position after moving */
  id: string
  /** entries actually moved over (less than asked when the stream ends first) */
  moved: number
}

export interface GroupCreateSpec {
  source: string
  group: string
  start: string
  mkstream: boolean
  entriesRead: number | null
}

/** Repairs on consumer groups: plain data in and out, one atomic step per call. */
export interface RepairOps {
  /** One claim step of at most `max` entries, starting at `cursor` (null: the beginning). */
  claimStep(q: ClaimQuery, cursor: string | null, max: number): Promise<ClaimStep>
  streamInfo(source: string): Promise<StreamInfo>
  streamExists(source: string): Promise<boolean>
  setId(source: string, group: string, id: string, entriesRead: number | null): Promise<void>
  /** The id of the last entry strictly before the time `ms`, null when there is none. */
  idBefore(source: string, ms: number): Promise<string | null>
  /** Moves n entries forward (n > 0) or backward (n < 0) from the position `from`. */
  shift(source: string, from: string, n: number): Promise<ShiftResult>
  /** How many entries have an id greater than `id`; null when more than `limit` would have to be counted. */
  countAfter(source: string, id: string, limit: number): Promise<number | null>
  /** Deletes the consumer only if it holds no pending entries (atomically); else says how many it holds. */
  deleteIdleConsumer(source: string, group: string, consumer: string): Promise<{deleted: boolean; pending: number}>
  /** Deletes the consumer and its pending entries; returns how many entries were dropped. */
  deleteConsumer(source: string, group: string, consumer: string): Promise<number>
  createGroup(req: GroupCreateSpec): Promise<void>
  /** Destroys the group, unless (without force) it has consumers or pending entries: atomically checked. */
  destroyGroup(source: string, group: string, force: boolean): Promise<{destroyed: boolean; consumers: number; pending: number}>
}
