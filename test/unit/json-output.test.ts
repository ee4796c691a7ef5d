import {Writable} from 'node:stream'
import {describe, expect, it} from 'vitest'
import {writeJson} from '../../src/output/json.js'
import {Writer} from '../../src/output/writer.js'
import {registerSecret} from '../../src/profiles/redact.js'

/** A sink that records each chunk, optionally slow to drain to exercise back-pressure. */
function sink(highWaterMark = 16 * 1024) {
  const chunks: string[] = []
  const stream = new Writable({
    highWaterMark,
    write(chunk, _enc, cb) {
      chunks.push(String(chunk))
      setImmediate(cb)
    },
  })
  return {stream, chunks, text: () => chunks.join('')}
}

async function json(value: unknown, highWater?: number): Promise<{text: string; chunks: string[]}> {
  const s = sink()
  await writeJson(value, new Writer(s.stream, highWater))
  // the sink drains asynchronously: wait for every accepted chunk to reach it
  await new Promise<void>((resolve) => s.stream.end(resolve))
  return {text: s.text(), chunks: s.chunks}
}

async function* gen<T>(items: T[]): AsyncGenerator<T> {
  for (const i of items) {
    await new Promise((r) => setImmediate(r))
    yield i
  }
}

describe('writeJson', () => {
  it('an AsyncIterable inside an object becomes an array; the output is one JSON document', async () => {
    const {text} = await json({
      broker: 'redis',
      groups: gen([
        {group: 'a', lag: 1},
        {group: 'b', lag: null},
      ]),
      total: 2,
    })
    expect(JSON.parse(text)).toEqual({
      broker: 'redis',
      groups: [
        {group: 'a', lag: 1},
        {group: 'b', lag: null},
      ],
      total: 2,
    })
    expect(text.endsWith('}\n')).toBe(true)
    expect(
      text
        .trimEnd()
        .split('\n')
        .filter((l) => l.startsWith('{')),
    ).toHaveLength(1)
  })

  it('matches JSON.stringify(value, null, 2) for plain data', async () => {
    const value = {a: 1, b: 'x', c: [1, [2, 3], {d: null}], e: {}, f: [], g: true, h: {i: {j: 'k'}}}
    const {text} = await json(value)
    expect(text).toBe(JSON.stringify(value, null, 2) + '\n')
  })

  it('empty and nested iterables; iterables of iterables', async () => {
    const {text} = await json({empty: gen([]), nested: gen([gen([1, 2]), gen([])])})
    expect(JSON.parse(text)).toEqual({empty: [], nested: [[1, 2], []]})
  })

  it('a top-level iterable is an array', async () => {
    expect(JSON.parse((await json(gen(['a', 'b']))).text)).toEqual(['a', 'b'])
  })

  it('drops undefined fields, writes undefined array items as null, bigint as a number, Buffers as base64', async () => {
    const {text} = await json({skip: undefined, arr: [1, undefined], big: 1234567890123n, buf: Buffer.from('hi')})
    expect(JSON.parse(text)).toEqual({arr: [1, null], big: 1234567890123, buf: 'aGk='})
  })

  it('escapes strings and keys so the document stays valid', async () => {
    const value = {'we"ird\nkey': 'line1\nline2 "q" \\ \u0001 ✓'}
    expect(JSON.parse((await json(value)).text)).toEqual(value)
  })

  it('redacts secrets and URL credentials in string values', async () => {
    registerSecret('json-secret-99')
    const {text} = await json({url: 'redis://u:pw@h:1', note: 'has json-secret-99 inside', rows: gen(['json-secret-99'])})
    expect(JSON.parse(text)).toEqual({url: 'redis://u:***@h:1', note: 'has *** inside', rows: ['***']})
  })

  it('items of a streamed array are one compact line each', async () => {
    const {text} = await json({
      rows: gen([
        {id: '1-0', n: 1},
        {id: '2-0', n: 2},
      ]),
    })
    expect(text).toBe('{\n  "rows": [\n    {"id":"1-0","n":1},\n    {"id":"2-0","n":2}\n  ]\n}\n')
  })

  it('streams a large iterable in bounded chunks as it is read, not all at once at the end', async () => {
    const n = 20000
    async function* many() {
      for (let i = 0; i < n; i++) yield {id: `${i}-0`, n: i}
    }
    const {text, chunks} = await json({entries: many()}, 4096)
    expect(chunks.length).toBeGreaterThan(50)
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThan(8192)
    const parsed = JSON.parse(text)
    expect(parsed.entries).toHaveLength(n)
    expect(parsed.entries[n - 1]).toEqual({id: `${n - 1}-0`, n: n - 1})
  })
})
