import {isUtf8} from 'node:buffer'
import type {RawDlqEntry, RawField} from './redis-dlq-types.js'

/**
 * The two DLQ entry layouts found in the field:
 * (a) the original fields followed by meta fields (seed 001's dlq_handler.py, and what cg writes);
 * (b) original_id + original_data (JSON object of the fields) + failed_at + consumer (seed 004's
 *     StreamConsumer; failed_at in seconds from Python, ms from Node).
 */
export type DlqLayout = 'a' | 'b'

/** Field names that are metadata, not part of the original message. */
export const META_FIELDS = ['original_id', 'original_stream', 'original_group', 'consumer', 'delivery_count', 'reason', 'failed_at'] as const
const META = new Set<string>(META_FIELDS)

export interface DecodedDlqEntry {
  dlqId: string
  layout: DlqLayout
  originalId: string | null
  originalStream: string | null
  originalGroup: string | null
  consumer: string | null
  deliveryCount: number | null
  reason: string | null
  /** epoch ms (seconds from Python normalised), null when absent */
  failedAt: number | null
  /** the flat [name, value, ...] fields to put back; null when they cannot be rebuilt */
  replayFields: Buffer[] | null
  /** why replayFields is null */
  replayError: string | null
  /** the DLQ entry's own fields, raw */
  raw: RawField[]
  /** the values of a field, for --where: the entry's own fields plus, for layout (b), the decoded original_data */
  valuesOf(name: string): Buffer[]
}

export function decodeEntry(raw: RawDlqEntry): DecodedDlqEntry {
  // One pass, no per-entry maps: a replay decodes every entry of the DLQ.
  const meta: Record<string, string | undefined> = {}
  let data: Buffer | undefined
  const originals: Buffer[] = []
  for (const [n, v] of raw.fields) {
    const name = n.toString()
    if (META.has(name)) meta[name] ??= v.toString()
    else {
      if (name === 'original_data' && data === undefined) data = v
      originals.push(n, v)
    }
  }
  const dc = meta.delivery_count
  let decoded: Buffer[] | undefined
  let lookup: Map<string, Buffer[]> | undefined
  const base = {
    dlqId: raw.id,
    originalId: meta.original_id ?? null,
    originalStream: meta.original_stream ?? null,
    originalGroup: meta.original_group ?? null,
    consumer: meta.consumer ?? null,
    deliveryCount: dc !== undefined && /^\d+$/.test(dc) ? Number(dc) : null,
    reason: meta.reason ?? null,
    failedAt: failedAtMs(meta.failed_at ?? null),
    raw: raw.fields,
    valuesOf(name: string): Buffer[] {
      if (!lookup) {
        lookup = new Map()
        const add = (k: string, v: Buffer) => {
          const list = lookup!.get(k)
          if (list) list.push(v)
          else lookup!.set(k, [v])
        }
        for (const [n, v] of raw.fields) add(n.toString(), v)
        if (decoded) for (let i = 0; i + 1 < decoded.length; i += 2) add(decoded[i].toString(), decoded[i + 1])
      }
      return lookup.get(name) ?? []
    },
  }

  if (data !== undefined) {
    const parsed = parseObject(data.toString())
    if (!parsed) return {...base, layout: 'b', replayFields: null, replayError: 'original_data is not a JSON object'}
    const fields: Buffer[] = []
    for (const [k, v] of Object.entries(parsed)) fields.push(Buffer.from(k), Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)))
    decoded = fields
    return {...base, layout: 'b', replayFields: fields.length ? fields : null, replayError: fields.length ? null : 'original_data has no fields'}
  }

  if (!originals.length) return {...base, layout: 'a', replayFields: null, replayError: 'the entry has no original fields'}
  return {...base, layout: 'a', replayFields: originals, replayError: null}
}

function parseObject(s: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(s)
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null
  } catch {
    return null
  }
}

/** "1700000000.123456" (Python time.time()) and "1700000000123" (Node Date.now()) both -> epoch ms. */
export function failedAtMs(s: string | null): number | null {
  if (s === null || !/^\s*\d+(\.\d+)?([eE][+-]?\d+)?\s*$/.test(s)) return null
  const n = Number(s)
  if (!Number.isFinite(n)) return null
  // Below 1e11 it can only be seconds (1e11 ms is 1973; 1e11 s is the year 5138).
  return Math.round(n < 1e11 ? n * 1000 : n)
}

/** A value for JSON output: text when it is valid UTF-8, else base64, saying which. */
export function showBytes(b: Buffer): {value: string; encoding: 'utf8' | 'base64'} {
  return isUtf8(b) ? {value: b.toString('utf8'), encoding: 'utf8'} : {value: b.toString('base64'), encoding: 'base64'}
}

export interface ShownField {
  name: string
  value: string
  encoding: 'utf8' | 'base64'
  /** present only when the name itself is not valid UTF-8 */
  nameEncoding?: 'base64'
}

export function showFields(fields: RawField[] | Buffer[]): ShownField[] {
  const pairs: RawField[] = fields.length && Buffer.isBuffer(fields[0]) ? pairsOf(fields as Buffer[]) : (fields as RawField[])
  return pairs.map(([n, v]) => {
    const name = showBytes(n)
    const value = showBytes(v)
    return {name: name.value, value: value.value, encoding: value.encoding, ...(name.encoding === 'base64' ? {nameEncoding: 'base64' as const} : {})}
  })
}

export function pairsOf(flat: Buffer[]): RawField[] {
  const out: RawField[] = []
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i], flat[i + 1]])
  return out
}
