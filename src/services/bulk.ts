// The one bulk runner: claim, dlq move, replay and purge on every broker go through it. It runs atomic
// steps of a batch each, holds --rate and --limit, counts progress, stops between steps on Ctrl-C, and
// records the error that ended a run early in the totals (the report is already being written), so the
// base command can exit 3 (some failed), 130 (interrupted) or 69 (broker lost).
import type {Progress} from '../core/requests.js'
import {bulkEnd, type BulkEnd} from '../core/results.js'
import {CgError} from '../errors/cg-error.js'
import {toCgError} from '../errors/error-map.js'
import {batchSize, TokenBucket} from './dlq-rate.js'

/** How an item ended: done (claimed, moved, replayed, purged), skipped, or failed. */
export type BulkStatus = 'done' | 'skipped' | 'failed'

export interface BulkCounts extends BulkEnd {
  done: number
}

export interface BulkRun<O> {
  /**
   * One atomic step over at most `max` items: their outcomes, or null when nothing is left. A step either
   * happens whole or not at all, so stopping between steps loses nothing.
   */
  step(max: number): Promise<O[] | null>
  status(outcome: O): BulkStatus
  /** at most this many items done or failed (skipped ones do not count); null: no limit */
  limit: number | null
  /** at most this many items a second; null: as fast as the broker takes them */
  rate: number | null
  /** items per step (default: large without a rate, about a tenth of a second's worth with one) */
  batch?: number
  signal: AbortSignal
  progress?: Progress
}

export function bulkCounts(): BulkCounts {
  return {...bulkEnd(), done: 0}
}

/**
 * Runs the steps and yields every outcome as it comes; `counts` is complete once the generator is done.
 * Errors do not escape: the first one stops the run and is recorded in `counts.error` / `counts.errorCode`;
 * except a refusal or bad input (exit 4 or 2) before any item was done, which is thrown as it is.
 */
export async function* runBulk<O>(run: BulkRun<O>, counts: BulkCounts): AsyncGenerator<O> {
  const size = run.batch ?? batchSize(run.rate)
  const bucket = run.rate ? new TokenBucket(run.rate, size) : null
  let left = run.limit ?? Number.POSITIVE_INFINITY
  try {
    while (left > 0) {
      if (run.signal.aborted) {
        counts.interrupted = true
        return
      }
      const max = Math.min(size, left)
      if (bucket && !(await bucket.take(max, run.signal))) {
        counts.interrupted = true
        return
      }
      const outcomes = await run.step(max)
      if (outcomes === null) return
      for (const o of outcomes) {
        const s = run.status(o)
        if (s === 'done') counts.done++
        else if (s === 'skipped') counts.skipped++
        else counts.failed++
        if (s !== 'skipped') left--
        yield o
      }
      run.progress?.add(outcomes.length)
    }
  } catch (error) {
    const e = error instanceof CgError ? error : toCgError(error)
    // refused before anything was done (an ACL user that may not write, bad input the broker saw): no
    // report to finish, the command fails as it would have up front (one line and a hint, exit 2 or 4)
    if (e.fromInput && counts.done + counts.skipped + counts.failed === 0) throw e
    counts.error = e.message
    counts.errorCode = e.code
  } finally {
    run.progress?.done()
  }
}

/**
 * A step function over items that come in pages (SCAN batches, XRANGE pages, fetches): each call takes up to
 * `max` items and hands them to `work` as one atomic step, awaiting the next page only when the one in hand is
 * used up (an await per item costs about 5% more CPU over a 100,000-entry move or replay). Items already taken
 * when the run stops are not lost: the next run reads them again.
 */
export function pagedBatches<I, O>(pages: AsyncIterable<I[]>, work: (batch: I[]) => Promise<O[]>): (max: number) => Promise<O[] | null> {
  const it = pages[Symbol.asyncIterator]()
  let page: I[] = []
  let at = 0
  let done = false
  return async (max) => {
    const batch: I[] = []
    while (batch.length < max) {
      if (at >= page.length) {
        if (done) break
        const next = await it.next()
        if (next.done) {
          done = true
          break
        }
        page = next.value
        at = 0
        continue
      }
      const take = Math.min(max - batch.length, page.length - at)
      for (let i = 0; i < take; i++) batch.push(page[at + i])
      at += take
    }
    if (batch.length === 0) return null
    return work(batch)
  }
}
