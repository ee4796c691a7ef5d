// Dead-letter streams: list, peek, move, replay, purge. Plain data in and out.
// RedisDlq (redis-dlq.ts) does the broker I/O in batches; selection, plans and reports live in redis-dlq-*.ts.

/** One field of an entry, raw bytes (binary-safe). */
export type RawField = [name: Buffer, value: Buffer]

/** A DLQ entry as read from the broker, undecoded. */
export interface RawDlqEntry {
  id: string
  fields: RawField[]
}

/** What a replay needs of a DLQ entry when no --where has to look at its fields. */
export interface DlqSummary {
  id: string
  /** a: fields + meta; b: original_data JSON; null: no original fields at all */
  layout: 'a' | 'b' | null
  originalStream: string | null
}

/** A pending entry that may move to the DLQ. */
export interface MoveCandidate {
  id: string
  consumer: string
  idleMs: number
  deliveries: number
}

export interface MoveTarget {
  stream: string
  group: string
  dlq: string
  reason: string
}

export type MoveStatus = 'moved' | 'deleted' | 'skipped' | 'failed'

export interface MoveOutcome {
  id: string
  status: MoveStatus
  /** the new DLQ entry id (moved), else null */
  dlqId: string | null
  /** why it was skipped or failed, else null */
  note: string | null
}

/** One DLQ entry to put back: its target stream and the exact fields to XADD. */
export interface ReplayItem {
  dlqId: string
  target: string
  fields: Buffer[]
  /** the fields are the entry's own minus the meta names (layout a): the broker may rebuild them itself */
  ownFields: boolean
}

export type ReplayStatus = 'replayed' | 'skipped' | 'failed'

export interface ReplayOutcome {
  dlqId: string
  target: string
  status: ReplayStatus
  /** the new id on the target stream (replayed), else null */
  newId: string | null
  note: string | null
}

/** "atomic": one script per batch (keys share a slot); "two-step": journaled write, then ack/delete. */
export type MoveMode = 'atomic' | 'two-step'

export interface DlqOps {
  /** Fails with not_found (5) when the key does not exist, wrong_type (2) when it is not a stream. */
  assertDlq(dlq: string): Promise<void>
  /** Fails with wrong_type (2) when the key exists and is not a stream; a missing key is fine. */
  assertStreamOrAbsent(key: string): Promise<void>
  /** Entries from `start` (exclusive when prefixed with "("), page by page. */
  entries(dlq: string, opts?: {start?: string; pageSize?: number}): AsyncIterable<RawDlqEntry[]>
  /** Like entries(), but only id, layout and original_stream: the fields stay on the server. */
  summaries(dlq: string, opts?: {pageSize?: number}): AsyncIterable<DlqSummary[]>
  /** The entries with these ids that exist (in the order given). */
  entriesByIds(dlq: string, ids: string[]): Promise<RawDlqEntry[]>
  length(dlq: string): Promise<number>
  /** Pending entries of the group, pages of the PEL (IDLE filter on the server). */
  pendingPages(stream: string, group: string, minIdleMs?: number): AsyncIterable<MoveCandidate[]>
  /** The given ids that are pending in the group (others are left out). */
  pendingByIds(stream: string, group: string, ids: string[]): Promise<MoveCandidate[]>
  moveMode(stream: string, dlq: string): MoveMode
  replayMode(dlq: string, target: string): MoveMode
  /** Moves a batch; each id is moved at most once even when a run is killed and re-run. */
  moveBatch(t: MoveTarget, ids: string[], failedAtMs: number): Promise<MoveOutcome[]>
  /** Finishes two-step moves a killed run left half done; returns how many it completed. */
  resumeMoves(t: MoveTarget): Promise<number>
  /** Finishes two-step replays onto `target` a killed run left half done; returns the DLQ ids it finished. */
  resumeReplays(dlq: string, target: string): Promise<string[]>
  /** Replays a batch; each DLQ entry lands on its target exactly once across kills and re-runs. */
  replayBatch(dlq: string, items: ReplayItem[]): Promise<ReplayOutcome[]>
  /** Deletes these DLQ entries; returns how many existed. */
  deleteIds(dlq: string, ids: string[]): Promise<number>
  /** Deletes every entry (the key and its groups stay); returns how many went. */
  truncate(dlq: string): Promise<number>
}
