import {needsRedaction, redact} from '../profiles/redact.js'
import {isAsyncIterable, Writer} from './writer.js'

/**
 * Writes exactly one JSON document. Any AsyncIterable inside the value is written as an array while it is
 * being read, one compact item per line, so a million-entry result never sits in memory. Undefined fields
 * are left out; Buffers are written as base64; every string passes through redaction.
 */
export async function writeJson(value: unknown, writer = new Writer()): Promise<void> {
  await writeValue(value, writer, '')
  await writer.write('\n')
  await writer.flush()
}

async function writeValue(value: unknown, w: Writer, indent: string): Promise<void> {
  if (isAsyncIterable(value)) {
    let first = true
    await w.write('[')
    const sep = ',\n' + indent + '  '
    for await (const item of value) {
      const lead = first ? '\n' + indent + '  ' : sep
      first = false
      // one line per item; flat items of safe values (nothing async inside) skip the replacer (JSON.stringify's
      // fast path)
      if (isFlatSafe(item)) {
        const pending = w.write(lead + JSON.stringify(item))
        if (pending) await pending
      } else if (hasAsync(item)) {
        await w.write(lead)
        await writeValue(item, w, indent + '  ')
      } else {
        const pending = w.write(lead + stringify(item, ''))
        if (pending) await pending
      }
    }
    await w.write(first ? ']' : '\n' + indent + ']')
    return
  }
  if (!hasAsync(value)) return w.write(stringify(value, '  ', indent))
  if (Array.isArray(value)) {
    await w.write('[')
    for (let i = 0; i < value.length; i++) {
      await w.write((i ? ',\n' : '\n') + indent + '  ')
      await writeValue(value[i] === undefined ? null : value[i], w, indent + '  ')
    }
    await w.write('\n' + indent + ']')
    return
  }
  const entries = Object.entries(value as object).filter(([, v]) => v !== undefined)
  await w.write('{')
  for (let i = 0; i < entries.length; i++) {
    const [k, v] = entries[i]
    await w.write((i ? ',\n' : '\n') + indent + '  ' + JSON.stringify(k) + ': ')
    await writeValue(v, w, indent + '  ')
  }
  await w.write('\n' + indent + '}')
}

/** A flat object of numbers, booleans, nulls and strings that need no redaction (not an async iterable). */
function isFlatSafe(v: unknown): boolean {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || Buffer.isBuffer(v) || isAsyncIterable(v)) return false
  for (const k in v) {
    const x = (v as Record<string, unknown>)[k]
    const t = typeof x
    if (t === 'string') {
      if (needsRedaction(x as string)) return false
    } else if (x !== null && t !== 'number' && t !== 'boolean') return false
  }
  return true
}

function hasAsync(v: unknown): boolean {
  if (v === null || typeof v !== 'object' || Buffer.isBuffer(v)) return false
  if (isAsyncIterable(v)) return true
  if (Array.isArray(v)) return v.some(hasAsync)
  for (const k in v) if (hasAsync((v as Record<string, unknown>)[k])) return true
  return false
}

/** JSON.stringify with redaction and Buffers as base64; `step` '' gives one compact line. */
function stringify(value: unknown, step: string, indent = ''): string {
  const text = JSON.stringify(value ?? null, replacer, step || undefined)
  return indent && step ? text.replaceAll('\n', '\n' + indent) : text
}

function replacer(this: unknown, key: string, value: unknown): unknown {
  const raw = (this as Record<string, unknown>)[key]
  if (Buffer.isBuffer(raw)) return raw.toString('base64')
  if (typeof value === 'string') return redact(value)
  if (typeof value === 'bigint') return Number(value)
  return value
}
