// Which Redis DLQ entries a command works on: the DLQ key, a replay's fallback target, --where on decoded
// entries, --ids as stream ids.
import {usage} from '../../errors/cg-error.js'
import type {WhereClause} from '../../services/dlq-select.js'
import type {DecodedDlqEntry} from './dlq-layout.js'
import {parseStreamId} from './stream-id.js'

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

/** Every clause must match some value of its field (meta fields, and for layout (b) the decoded data). */
export function matches(entry: DecodedDlqEntry, where: WhereClause[]): boolean {
  return where.every((w) => entry.valuesOf(w.field).some((v) => v.equals(w.value)))
}

export function parseIds(ids: string[] | undefined, what = '--ids'): string[] | undefined {
  if (!ids?.length) return undefined
  const out = ids
    .flatMap((s) => s.split(/[\s,]+/))
    .filter(Boolean)
    .map((s) => parseStreamId(s, what))
  return [...new Set(out)]
}
