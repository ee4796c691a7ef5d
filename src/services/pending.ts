import type {BrokerAdapter, PendingEntry, PendingQuery, PendingSummary} from '../brokers/types.js'
import {parseStreamId} from '../brokers/redis/stream-id.js'

export interface PendingReport {
  source: string
  group: string
  consumer: string | null
  summary: PendingSummary
  /** the entry limit applied (null: all) */
  limit: number | null
  entries: AsyncIterable<PendingEntry>
}

/** The summary first (it also proves the stream and group exist), then the entries, streamed. */
export async function pendingReport(adapter: BrokerAdapter, q: PendingQuery): Promise<PendingReport> {
  const start = q.start === undefined ? undefined : parseStreamId(q.start, '--start', ['-', '+'])
  const end = q.end === undefined ? undefined : parseStreamId(q.end, '--end', ['-', '+'])
  const summary = await adapter.pendingSummary(q.source, q.group, q.consumer)
  const entries = adapter.pendingEntries({...q, start, end})
  return {source: q.source, group: q.group, consumer: q.consumer ?? null, summary, limit: q.count, entries}
}
