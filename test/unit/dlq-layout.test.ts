import calculateSlot from 'cluster-key-slot'
import {describe, expect, it} from 'vitest'
import {decodeEntry, failedAtMs, showBytes} from '../../src/brokers/redis/dlq-layout.js'
import {journalKey} from '../../src/brokers/redis/redis-dlq.js'
import {batchSize, TokenBucket} from '../../src/services/dlq-rate.js'
import {dlqKey, fallbackTarget, matches, parseIds} from '../../src/brokers/redis/redis-dlq-select.js'
import {parseRate, parseWhere} from '../../src/services/dlq-select.js'

const b = (s: string) => Buffer.from(s)
const entry = (flat: Array<string | Buffer>) => {
  const bufs = flat.map((x) => (Buffer.isBuffer(x) ? x : b(x)))
  const fields: Array<[Buffer, Buffer]> = []
  for (let i = 0; i < bufs.length; i += 2) fields.push([bufs[i], bufs[i + 1]])
  return {id: '1-1', fields}
}

describe('dlq layouts', () => {
  it('(a): original fields in order minus the meta names, binary kept', () => {
    const bin = Buffer.from([0, 255, 254])
    const e = decodeEntry(
      entry(['task', 'x', 'blob', bin, 'original_id', '5-0', 'original_stream', 'tasks', 'delivery_count', '3', 'reason', 'max_deliveries_exceeded']),
    )
    expect(e).toMatchObject({
      layout: 'a',
      originalId: '5-0',
      originalStream: 'tasks',
      deliveryCount: 3,
      reason: 'max_deliveries_exceeded',
      failedAt: null,
      consumer: null,
      replayError: null,
    })
    expect(e.replayFields).toEqual([b('task'), b('x'), b('blob'), bin])
  })

  it('(b): the JSON of original_data, values as strings; bad JSON cannot be replayed', () => {
    const e = decodeEntry(entry(['original_id', '5-0', 'original_data', '{"a": "1", "n": 2, "o": {"x": true}}', 'failed_at', '1700000000.5', 'consumer', 'c']))
    expect(e).toMatchObject({layout: 'b', failedAt: 1700000000500, consumer: 'c', originalStream: null})
    expect(e.replayFields?.map(String)).toEqual(['a', '1', 'n', '2', 'o', '{"x":true}'])
    expect(matches(e, parseWhere(['a=1', 'consumer=c']))).toBe(true)
    expect(matches(e, parseWhere(['a=2']))).toBe(false)
    const bad = decodeEntry(entry(['original_id', '5-0', 'original_data', 'not json']))
    expect(bad).toMatchObject({layout: 'b', replayFields: null, replayError: 'original_data is not a JSON object'})
  })

  it('failed_at: Python seconds and Node ms both become ms', () => {
    expect(failedAtMs('1700000000.123456')).toBe(1700000000123)
    expect(failedAtMs('1700000000')).toBe(1700000000000)
    expect(failedAtMs('1700000000456')).toBe(1700000000456)
    expect(failedAtMs('soon')).toBeNull()
    expect(failedAtMs(null)).toBeNull()
  })

  it('shows text when valid UTF-8, else base64', () => {
    expect(showBytes(b('é'))).toEqual({value: 'é', encoding: 'utf8'})
    expect(showBytes(Buffer.from([0xff]))).toEqual({value: '/w==', encoding: 'base64'})
  })
})

describe('dlq selection, keys and rates', () => {
  it('DLQ key and replay target', () => {
    expect(dlqKey({stream: 'tasks'})).toBe('tasks:dlq')
    expect(dlqKey({flag: 'x', profile: 'y', stream: 'tasks'})).toBe('x')
    expect(dlqKey({profile: 'y', stream: 'tasks'})).toBe('y')
    expect(() => dlqKey({})).toThrow(/missing/)
    expect(fallbackTarget('tasks:dlq')).toBe('tasks')
    expect(fallbackTarget('dead', 'src')).toBe('src')
    expect(fallbackTarget('dead')).toBeNull()
  })

  it('journal keys live in the slot of their key', () => {
    expect(journalKey('orders:dlq')).toBe('{orders:dlq}:cg:journal')
    expect(journalKey('{orders}:dlq')).toBe('{orders}:cg:journal')
    for (const k of ['a{}b', 'x}y', '{orders', 'o{r}', 'plain']) expect(calculateSlot(journalKey(k))).toBe(calculateSlot(k))
  })

  it('parses --ids, --where and --rate', () => {
    expect(parseIds(['1', '2-3,4-5'])).toEqual(['1-0', '2-3', '4-5'])
    expect(() => parseIds(['x'])).toThrow(/not a stream id/)
    expect(parseWhere(['a=b=c'])).toEqual([{field: 'a', value: b('b=c')}])
    expect(() => parseWhere(['=x'])).toThrow(/FIELD=VALUE/)
    expect(parseRate('500/s')).toBe(500)
    expect(parseRate('60/m')).toBe(1)
    expect(() => parseRate('fast')).toThrow(/not a rate/)
    expect(batchSize(null)).toBe(1000)
    expect(batchSize(50)).toBe(5)
  })

  it('the token bucket holds the rate', async () => {
    const bucket = new TokenBucket(200, 20)
    const t0 = performance.now()
    for (let i = 0; i < 5; i++) await bucket.take(20)
    const ms = performance.now() - t0
    expect(ms).toBeGreaterThan(350) // 100 tokens at 200/s with 20 up front: ~400 ms
    expect(ms).toBeLessThan(1000)
  })
})
