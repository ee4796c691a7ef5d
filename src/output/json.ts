import {redact} from '../profiles/redact.js'
import {isAsyncIterable, Writer} from './writer.js'

/**
 * Writes exactly one JSON document. Any AsyncIterable inside the value is written as an array while it is
 * being read, so a million-entry result never sits in memory. Undefined fields are left out.
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
    for await (const item of value) {
      await w.write(first ? '\n' + indent + '  ' : ',\n' + indent + '  ')
      await writeValue(item, w, indent + '  ')
      first = false
    }
    await w.write(first ? ']' : '\n' + indent + ']')
    return
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return void (await w.write('[]'))
    await w.write('[')
    for (let i = 0; i < value.length; i++) {
      await w.write((i ? ',\n' : '\n') + indent + '  ')
      await writeValue(value[i] === undefined ? null : value[i], w, indent + '  ')
    }
    await w.write('\n' + indent + ']')
    return
  }
  if (value && typeof value === 'object' && !(value instanceof Date) && !Buffer.isBuffer(value)) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined)
    if (entries.length === 0) return void (await w.write('{}'))
    await w.write('{')
    for (let i = 0; i < entries.length; i++) {
      const [k, v] = entries[i]
      await w.write((i ? ',\n' : '\n') + indent + '  ' + JSON.stringify(k) + ': ')
      await writeValue(v, w, indent + '  ')
    }
    await w.write('\n' + indent + '}')
    return
  }
  if (Buffer.isBuffer(value)) return void (await w.write(JSON.stringify(value.toString('base64'))))
  if (typeof value === 'string') return void (await w.write(JSON.stringify(redact(value))))
  if (typeof value === 'bigint') return void (await w.write(value.toString()))
  await w.write(value === undefined ? 'null' : JSON.stringify(value))
}
