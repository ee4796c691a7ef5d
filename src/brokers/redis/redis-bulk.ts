import type {BulkEnd} from '../../core/results.js'
import type {BulkCounts} from '../../services/bulk.js'

/** How a bulk run ended (Ctrl-C, the error that stopped it): what every Redis report's totals take from the runner. */
export function ended(c: BulkCounts): Pick<BulkEnd, 'interrupted' | 'error' | 'errorCode'> {
  return {interrupted: c.interrupted, error: c.error, errorCode: c.errorCode}
}
