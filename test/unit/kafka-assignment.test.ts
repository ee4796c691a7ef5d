import {describe, expect, it} from 'vitest'
import {decodeAssignment, stateName} from '../../src/brokers/kafka/kafka-inspect.js'

/** ConsumerProtocolAssignment v0 bytes: version, [topic, [partition]], user_data */
function encode(topics: Array<[string, number[]]>, userData: Buffer | null = null): Buffer {
  const parts: Buffer[] = [Buffer.from([0, 0])]
  const n = Buffer.alloc(4)
  n.writeInt32BE(topics.length)
  parts.push(n)
  for (const [t, ps] of topics) {
    const name = Buffer.from(t)
    const len = Buffer.alloc(2)
    len.writeInt16BE(name.length)
    const count = Buffer.alloc(4)
    count.writeInt32BE(ps.length)
    parts.push(
      len,
      name,
      count,
      ...ps.map((p) => {
        const b = Buffer.alloc(4)
        b.writeInt32BE(p)
        return b
      }),
    )
  }
  const ud = Buffer.alloc(4)
  ud.writeInt32BE(userData ? userData.length : -1)
  parts.push(ud, ...(userData ? [userData] : []))
  return Buffer.concat(parts)
}

describe('decodeAssignment (classic consumer protocol)', () => {
  it('reads topics and partitions, ignoring user data', () => {
    expect(
      decodeAssignment(
        encode(
          [
            ['orders', [0, 2]],
            ['bills', [1]],
          ],
          Buffer.from('x'),
        ),
      ),
    ).toEqual([
      {topic: 'orders', partitions: [0, 2]},
      {topic: 'bills', partitions: [1]},
    ])
  })
  it('an empty or cut assignment (a group mid-rebalance) is no assignment, never a crash', () => {
    expect(decodeAssignment(Buffer.alloc(0))).toEqual([])
    expect(decodeAssignment(null)).toEqual([])
    expect(decodeAssignment(encode([['orders', [0, 1, 2]]]).subarray(0, 12))).toEqual([])
  })
})

describe('stateName', () => {
  it('prints states as kafka-consumer-groups.sh does', () => {
    expect(stateName('PREPARINGREBALANCE')).toBe('PreparingRebalance')
    expect(stateName('stable')).toBe('Stable')
    expect(stateName('Assigning')).toBe('Assigning')
    expect(stateName('Whatever')).toBe('Whatever')
  })
})
