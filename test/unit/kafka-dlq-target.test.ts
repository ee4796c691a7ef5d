// The pure rules of Kafka DLQ replay: DLQ names, target resolution, partitions, headers, --where.
import {describe, expect, it} from 'vitest'
import {committedRecords, type DlqRecord} from '../../src/brokers/kafka/kafka-dlq.js'
import {parseWhere} from '../../src/services/dlq-select.js'
import {byteChunks} from '../../src/brokers/kafka/kafka-dlq-replay.js'
import {
  matchesWhere,
  originalPartition,
  parseRecordId,
  pickDlq,
  replayHeaders,
  resolveTarget,
  showBytes,
  stripDlqSuffix,
  targetPartition,
} from '../../src/brokers/kafka/kafka-dlq-target.js'

const rec = (headers: Array<[string, string | Buffer]> = [], key: string | null = null, over: Partial<DlqRecord> = {}): DlqRecord => ({
  partition: 0,
  offset: 7n,
  timestamp: 0n,
  key: key === null ? null : Buffer.from(key),
  value: Buffer.from('v'),
  headers: headers.map(([k, v]) => [Buffer.from(k), Buffer.isBuffer(v) ? v : Buffer.from(v)]),
  ...over,
})
const int32 = (n: number) => {
  const b = Buffer.alloc(4)
  b.writeInt32BE(n)
  return b
}

describe('DLQ topic', () => {
  it('--dlq, else the profile, else the first existing of .dlq, -dlq, .DLT', () => {
    const has = (names: string[]) => (t: string) => names.includes(t)
    expect(pickDlq({flag: 'x', profile: 'y', source: 's'}, has(['x']))).toEqual({dlq: 'x', tried: ['x']})
    expect(pickDlq({profile: 'y', source: 's'}, has([]))).toEqual({dlq: null, tried: ['y']})
    expect(pickDlq({source: 'orders'}, has(['orders-dlq', 'orders.DLT'])).dlq).toBe('orders-dlq')
    expect(pickDlq({source: 'orders'}, has(['orders.DLT'])).dlq).toBe('orders.DLT')
    expect(pickDlq({source: 'orders'}, has(['orders.dlq', 'orders.DLT'])).dlq).toBe('orders.dlq')
    expect(pickDlq({source: 'orders'}, has([])).tried).toEqual(['orders.dlq', 'orders-dlq', 'orders.DLT'])
    expect(() => pickDlq({}, has([]))).toThrow(/missing the dead-letter topic/)
  })
  it('strips the suffix', () => {
    expect(stripDlqSuffix('orders.dlq')).toBe('orders')
    expect(stripDlqSuffix('orders-dlq')).toBe('orders')
    expect(stripDlqSuffix('orders.DLT')).toBe('orders')
    expect(stripDlqSuffix('orders.dlt')).toBeNull()
    expect(stripDlqSuffix('.dlq')).toBeNull()
  })
})

describe('target', () => {
  it('--to, then Spring, then Connect, then cg, then the DLQ name', () => {
    const all = rec([
      ['cg-original-topic', 'c'],
      ['__connect.errors.topic', 'b'],
      ['kafka_dlt-original-topic', 'a'],
    ])
    expect(resolveTarget(all, 'x.dlq', 'forced')).toEqual({topic: 'forced', from: 'flag'})
    expect(resolveTarget(all, 'x.dlq')).toEqual({topic: 'a', from: 'spring'})
    expect(
      resolveTarget(
        rec([
          ['cg-original-topic', 'c'],
          ['__connect.errors.topic', 'b'],
        ]),
        'x.dlq',
      ),
    ).toEqual({topic: 'b', from: 'connect'})
    expect(resolveTarget(rec([['cg-original-topic', 'c']]), 'x.dlq')).toEqual({topic: 'c', from: 'cg'})
    expect(resolveTarget(rec(), 'x-dlq')).toEqual({topic: 'x', from: 'dlq-name'})
    expect(resolveTarget(rec(), 'plain')).toEqual({topic: null, from: null})
  })
  it('partition: the original one when going back to its topic, else Java murmur2 of the key, else none', () => {
    const m = (b: Buffer) => (b.toString() === 'neg' ? -5 : 11)
    const spring = rec(
      [
        ['kafka_dlt-original-topic', 'orders'],
        ['kafka_dlt-original-partition', int32(2)],
      ],
      'k',
    )
    expect(originalPartition(spring)).toEqual({topic: 'orders', partition: 2})
    expect(targetPartition(spring, 'orders', 3, m)).toBe(2)
    expect(targetPartition(spring, 'other', 3, m)).toBe(11 % 3) // --to elsewhere: by key
    expect(targetPartition(spring, 'orders', 2, m)).toBe(11 % 2) // partition 2 no longer exists
    expect(targetPartition(rec([], 'neg'), 't', 4, m)).toBe((-5 & 0x7fffffff) % 4)
    expect(targetPartition(rec(), 't', 4, m)).toBeUndefined()
    const connect = rec([
      ['__connect.errors.topic', 'orders'],
      ['__connect.errors.partition', '1'],
    ])
    expect(targetPartition(connect, 'orders', 3, m)).toBe(1)
  })
})

describe('replay headers', () => {
  it("keeps every header in order, replaces cg's own, counts replays", () => {
    const r = rec(
      [
        ['a', '1'],
        ['cg-replay-count', '4'],
        ['a', '2'],
        ['cg-replayed-from', 'old'],
      ],
      null,
      {partition: 3, offset: 42n},
    )
    const h = [...replayHeaders(r, 'o.DLT', 'o')].map(([k, v]) => [k.toString(), v.toString()])
    expect(h).toEqual([
      ['a', '1'],
      ['a', '2'],
      ['cg-replay-count', '5'],
      ['cg-replayed-from', 'o.DLT:3:42'],
      ['cg-original-topic', 'o'],
    ])
  })
})

describe('--where', () => {
  const r = rec(
    [
      ['kind', 'timeout'],
      ['x', 'y'],
    ],
    'k1',
    {partition: 2},
  )
  it('key, partition, target, header.NAME and NAME', () => {
    expect(matchesWhere(r, parseWhere(['key=k1']), 't')).toBe(true)
    expect(matchesWhere(r, parseWhere(['key=k2']), 't')).toBe(false)
    expect(matchesWhere(r, parseWhere(['partition=2']), 't')).toBe(true)
    expect(matchesWhere(r, parseWhere(['target=t']), 't')).toBe(true)
    expect(matchesWhere(r, parseWhere(['header.kind=timeout', 'x=y']), 't')).toBe(true)
    expect(matchesWhere(r, parseWhere(['kind=parse']), 't')).toBe(false)
    expect(matchesWhere(rec(), parseWhere(['key=']), 't')).toBe(false)
  })
})

describe('bytes and ids', () => {
  it('text when UTF-8, else base64', () => {
    expect(showBytes(Buffer.from('héllo\n'))).toEqual({value: 'héllo\n', encoding: 'utf8'})
    expect(showBytes(Buffer.from([0xff, 0]))).toEqual({value: '/wA=', encoding: 'base64'})
    expect(showBytes(Buffer.from([1, 2]))).toEqual({value: 'AQI=', encoding: 'base64'})
    expect(showBytes(null)).toEqual({value: null, encoding: null})
  })
  it('PARTITION:OFFSET', () => {
    expect(parseRecordId('1:42')).toEqual({partition: 1, offset: 42n})
    expect(parseRecordId('42')).toBeNull()
  })
  it('byte chunks stay under the limit; a big record goes alone', () => {
    const planned = (n: number) => ({record: rec([], null, {value: Buffer.alloc(n)}), target: 't', partition: 0})
    const chunks = [...byteChunks([planned(300), planned(300), planned(2000), planned(10)], 1000)]
    expect(chunks.map((c) => c.length)).toEqual([2, 1, 1])
  })
})

describe('read_committed', () => {
  const batch = (firstOffset: bigint, producerId: bigint, attributes: number, records: Array<{key?: Buffer; value?: string}>) => ({
    firstOffset,
    length: 0,
    partitionLeaderEpoch: 0,
    magic: 2,
    crc: 0,
    attributes,
    lastOffsetDelta: records.length - 1,
    firstTimestamp: 0n,
    maxTimestamp: 0n,
    producerId,
    producerEpoch: 0,
    firstSequence: 0,
    records: records.map((r, i) => ({
      length: 0,
      attributes: 0,
      timestampDelta: 0n,
      offsetDelta: i,
      key: r.key ?? null,
      value: r.value ? Buffer.from(r.value) : null,
      headers: [],
    })),
  })
  const marker = (type: number) => {
    const k = Buffer.alloc(4)
    k.writeInt16BE(0, 0)
    k.writeInt16BE(type, 2)
    return {key: k}
  }
  it('drops aborted transactions and control batches', () => {
    const part = {
      partitionIndex: 0,
      errorCode: 0,
      highWatermark: 7n,
      lastStableOffset: 7n,
      logStartOffset: 0n,
      preferredReadReplica: -1,
      abortedTransactions: [{producerId: 5n, firstOffset: 2n}],
      records: [
        batch(0n, 5n, 0x10, [{value: 'a'}]),
        batch(1n, 5n, 0x30, [marker(1)]), // commit
        batch(2n, 5n, 0x10, [{value: 'aborted'}, {value: 'aborted2'}]),
        batch(4n, 5n, 0x30, [marker(0)]), // abort
        batch(5n, 5n, 0x10, [{value: 'b'}]),
        batch(6n, 9n, 0, [{value: 'c'}]),
      ],
    }
    const {records, next} = committedRecords(part as never, 0n)
    expect(records.map((r) => r.value!.toString())).toEqual(['a', 'b', 'c'])
    expect(records.map((r) => r.offset)).toEqual([0n, 5n, 6n])
    expect(next).toBe(7n)
    expect(committedRecords(part as never, 6n).records.map((r) => r.value!.toString())).toEqual(['c'])
  })
})
