// Selecting and pacing DLQ work on every broker: --where FIELD=VALUE, --rate, and reading a page ahead.
import {usage} from '../errors/cg-error.js'

export interface WhereClause {
  field: string
  value: Buffer
}

/** `FIELD=VALUE` (repeatable); the value is compared byte for byte with the field's value. */
export function parseWhere(exprs: string[] | undefined): WhereClause[] {
  return (exprs ?? []).map((e) => {
    const eq = e.indexOf('=')
    if (eq <= 0)
      throw usage(`--where ${JSON.stringify(e)} is not FIELD=VALUE`, 'For example: --where reason=max_deliveries_exceeded (repeat --where to require several).')
    return {field: e.slice(0, eq), value: Buffer.from(e.slice(eq + 1))}
  })
}

/** `--rate 500/s`, `500`, `30/m` -> entries per second. */
export function parseRate(s: string | undefined): number | null {
  if (s === undefined) return null
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:\/\s*(s|sec|m|min))?\s*$/.exec(s)
  const n = m ? Number(m[1]) / (m[2]?.startsWith('m') ? 60 : 1) : Number.NaN
  if (!(n > 0)) throw usage(`--rate ${JSON.stringify(s)} is not a rate`, 'Use N/s (for example --rate 500/s) or N/m.')
  return n
}

/**
 * Reads an async iterator one page ahead, so the next page is on its way while this one is written.
 * The producer only reads past what it already returned, so this is safe while entries are removed.
 */
export async function* prefetch<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]()
  let next = it.next()
  try {
    for (;;) {
      const r = await next
      if (r.done) return
      next = it.next()
      next.catch(() => undefined)
      yield r.value
    }
  } finally {
    next.catch(() => undefined)
  }
}
