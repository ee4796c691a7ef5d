import {describe, expect, it} from 'vitest'
import {sortAssignment, stateName, subscriptionTopics} from '../../src/brokers/kafka/kafka-groups.js'

/** ConsumerProtocolSubscription v1 bytes: version, [topic], user_data, [owned partitions] */
function subscription(topics: string[], userData: Buffer | null): Buffer {
  const parts: Buffer[] = [Buffer.from([0, 1])]
  const n = Buffer.alloc(4)
  n.writeInt32BE(topics.length)
  parts.push(n)
  for (const t of topics) {
    const len = Buffer.alloc(2)
    len.writeInt16BE(Buffer.byteLength(t))
    parts.push(len, Buffer.from(t))
  }
  const ud = Buffer.alloc(4)
  ud.writeInt32BE(userData ? userData.length : -1)
  parts.push(ud, ...(userData ? [userData] : []), Buffer.alloc(4))
  return Buffer.concat(parts)
}

describe('subscriptionTopics (classic member metadata)', () => {
  it("reads the subscribed topics; a Java member's null user data is fine", () => {
    expect(subscriptionTopics(subscription(['orders', 'bills'], null))).toEqual(['orders', 'bills'])
    expect(subscriptionTopics(subscription(['orders'], Buffer.from('xyz')))).toEqual(['orders'])
  })
  it('empty, cut or missing metadata is no subscription, never a crash', () => {
    expect(subscriptionTopics(null)).toEqual([])
    expect(subscriptionTopics(Buffer.alloc(0))).toEqual([])
    expect(subscriptionTopics(subscription(['orders', 'bills'], null).subarray(0, 9))).toEqual([])
  })
})

describe('stateName (both the inspection and the repair spellings)', () => {
  it("maps upper snake case, squashed and camel case names to the Java tool's names", () => {
    expect(stateName('PREPARING_REBALANCE')).toBe('PreparingRebalance')
    expect(stateName('COMPLETING_REBALANCE')).toBe('CompletingRebalance')
    expect(stateName('NOT_READY')).toBe('NotReady')
    expect(stateName('EMPTY')).toBe('Empty')
    expect(stateName('Stable')).toBe('Stable')
    expect(stateName('SOME_NEW_STATE')).toBe('SomeNewState')
    expect(stateName('')).toBe('Unknown')
  })
})

describe('sortAssignment', () => {
  it('sorts topics and partitions and merges a topic listed twice', () => {
    expect(
      sortAssignment([
        {topic: 'b', partitions: [2, 0]},
        {topic: 'a', partitions: [1]},
        {topic: 'b', partitions: [1]},
      ]),
    ).toEqual([
      {topic: 'a', partitions: [1]},
      {topic: 'b', partitions: [0, 1, 2]},
    ])
  })
})
