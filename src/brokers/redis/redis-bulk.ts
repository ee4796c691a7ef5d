import type {BulkEnd} from '../../core/results.js'
import type {BulkCounts} from '../../services/bulk.js'

/** How a bulk run ended (Ctrl-C, the error that stopped it): what every Redis report's totals take from the runner. */
export function ended(c: BulkCounts): Pick<BulkEnd, 'interrupted' | 'error' | 'errorCode'> {
  return {interrupted: c.interrupted, error: c.error, errorCode: c.errorCode}
}

/**
 * batchesOf (src/services/bulk.ts) for items that come in pages: each call takes up to `max` items and
 * awaits the next page only when the one in hand is used up. Reading a page of a million-entry PEL item by
 * item costs an await each; a DLQ move or replay of 100,000 entries spends about 5% more CPU that way.
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
