import {parseStreamId} from '../brokers/redis/stream-id.js'
import type {DecodedDlqEntry} from '../brokers/redis/dlq-layout.js'
import {usage} from '../errors/cg-error.js'

/** `--dlq KEY`, else the profile's `dlq`, else `<stream>:dlq`. */
export function dlqKey(opts: {flag?: string; profile?: string; stream?: string}): string {
  const key = opts.flag ?? opts.profile ?? (opts.stream ? `${opts.stream}:dlq` : undefined)
  if (!key) throw usage('missing the dead-letter stream', 'Give STREAM (its DLQ is STREAM:dlq), --dlq KEY, or set `dlq:` or `stream:` in the profile.')
  return key
}

/** Where a replayed entry goes: its original_stream, else SOURCE, else the DLQ key without ":dlq". */
export function fallbackTarget(dlq: string, source?: string): string | null {
  if (source) return source
  return dlq.endsWith(':dlq') && dlq.length > 4 ? dlq.slice(0, -4) : null
}

export interface WhereClause {
  field: string
  value: Buffer
}

/** `FIELD=VALUE` (repeatable); the value is compared byte for byte with the field's value. */
export function parseWhere(exprs: string[] | undefined): WhereClause[] {
  return (exprs ?? []).map((e) => {
    const eq = e.indexOf('=')
    if (eq <= 0) throw usage(`--where ${JSON.stringify(e)} is not FIELD=VALUE`, 'For example: --where reason=max_deliveries_exceeded (repeat --where to require several).')
    return {field: e.slice(0, eq), value: Buffer.from(e.slice(eq + 1))}
  })
}

/** Every clause must match some value of its field (meta fields, and for layout (b) the decoded data). */
export function matches(entry: DecodedDlqEntry, where: WhereClause[]): boolean {
  return where.every((w) => entry.valuesOf(w.field).some((v) => v.equals(w.value)))
}

export function parseIds(ids: string[] | undefined, what = '--ids'): string[] | undefined {
  if (!ids?.length) return undefined
  const out = ids.flatMap((s) => s.split(/[\s,]+/)).filter(Boolean).map((s) => parseStreamId(s, what))
  return [...new Set(out)]
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
