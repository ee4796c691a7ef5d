import {Reader, Writer} from '@platformatic/kafka'
import {describe, expect, it} from 'vitest'
import {shareGroupDescribe, streamsGroupDescribe} from '../../src/brokers/kafka/apis/index.js'
import type {MemberInfo} from '../../src/brokers/kafka/kafka-inspect.js'
import {reconciling} from '../../src/brokers/kafka/kafka-lag.js'

const TOPIC_ID = '0b7ba1c3-5b2f-4a43-9d5e-5f3a3f1d2c10'
const member = (over: Partial<MemberInfo>): MemberInfo => ({
  memberId: 'm',
  clientId: 'c',
  host: '/127.0.0.1',
  instanceId: null,
  assignment: [{topic: 't', partitions: [0, 1]}],
  memberEpoch: 5,
  targetAssignment: [{topic: 't', partitions: [0, 1]}],
  memberType: 'consumer',
  ...over,
})

describe('reconciling', () => {
  it('false when the member holds its target at the group epoch', () => {
    expect(reconciling(member({}), 5)).toBe(false)
  })
  it('true when its assignment differs from its target, or its epoch is behind the group epoch', () => {
    expect(reconciling(member({targetAssignment: [{topic: 't', partitions: [0]}]}), 5)).toBe(true)
    expect(reconciling(member({memberEpoch: 4}), 5)).toBe(true)
  })
  it('null for a classic member; a share member (no target) by its epoch alone', () => {
    expect(reconciling(member({memberEpoch: null, targetAssignment: null, memberType: null}), null)).toBeNull()
    expect(reconciling(member({targetAssignment: null, memberType: null}), 5)).toBe(false)
    expect(reconciling(member({targetAssignment: null, memberType: null, memberEpoch: 3}), 5)).toBe(true)
  })
})

// Response bodies written field by field from the protocol's JSON schemas (flexible versions: compact
// strings and arrays, a tag buffer after every struct), read back by cg's definitions.
const strings = (w: Writer, list: string[]) => w.appendArray(list, (x, s) => x.appendString(s), true, false)
const tasks = (w: Writer, list: Array<[string, number[]]>) =>
  w.appendArray(list, (x, [id, ps]) => x.appendString(id).appendArray(ps, (y, p) => y.appendInt32(p), true, false))

describe('StreamsGroupDescribe v0 response', () => {
  it('reads the topology, a member with endpoint, tags, task offsets, and current and target tasks', () => {
    const w = Writer.create().appendInt32(0) // throttle
    w.appendArray(
      [0],
      (g) => {
        g.appendInt16(0).appendString(null).appendString('app').appendString('Stable').appendInt32(7).appendInt32(6)
        // topology: present (int8 1), epoch, [subtopology]
        g.appendInt8(1).appendInt32(2)
        g.appendArray([0], (s) => {
          s.appendString('0')
          strings(s, ['input'])
          strings(s, ['app-repartition'])
          s.appendArray([0], (t) => {
            t.appendString('app-store-changelog').appendInt32(0).appendInt16(1)
            t.appendArray([['cleanup.policy', 'compact']], (k, [key, value]) => k.appendString(key).appendString(value))
          })
          s.appendArray([], () => {})
        })
        g.appendTaggedFields()
        g.appendArray([0], (m) => {
          m.appendString('member-1').appendInt32(6).appendString(null).appendString('rack-a').appendString('client-1').appendString('/10.0.0.1')
          m.appendInt32(2).appendString('process-1')
          m.appendInt8(1).appendString('host-1').appendUnsignedInt16(8080).appendTaggedFields()
          m.appendArray([['zone', 'a']], (k, [key, value]) => k.appendString(key).appendString(value))
          m.appendArray([0], (o) => o.appendString('0').appendInt32(1).appendInt64(42n))
          m.appendArray([], () => {})
          tasks(m, [['0', [0, 1]]])
          tasks(m, [])
          tasks(m, [])
          m.appendTaggedFields()
          tasks(m, [['0', [0]]])
          tasks(m, [['0', [1]]])
          tasks(m, [])
          m.appendTaggedFields()
          m.appendBoolean(false)
        })
        g.appendInt32(-2147483648)
      },
      true,
      true,
    )
    w.appendTaggedFields()
    const res = streamsGroupDescribe.response(Reader.from(w), 0)
    expect(res.groups).toHaveLength(1)
    const [g] = res.groups
    expect(g).toMatchObject({errorCode: 0, groupId: 'app', groupState: 'Stable', groupEpoch: 7, assignmentEpoch: 6})
    expect(g.topology?.epoch).toBe(2)
    expect(g.topology?.subtopologies?.[0]).toMatchObject({
      subtopologyId: '0',
      sourceTopics: ['input'],
      repartitionSinkTopics: ['app-repartition'],
      stateChangelogTopics: [{name: 'app-store-changelog', partitions: 0, replicationFactor: 1}],
      repartitionSourceTopics: [],
    })
    expect(g.members[0]).toMatchObject({
      memberId: 'member-1',
      memberEpoch: 6,
      rackId: 'rack-a',
      clientHost: '/10.0.0.1',
      processId: 'process-1',
      userEndpoint: {host: 'host-1', port: 8080},
      clientTags: [{key: 'zone', value: 'a'}],
      taskOffsets: [{subtopologyId: '0', partition: 1, offset: 42n}],
      assignment: {activeTasks: [{subtopologyId: '0', partitions: [0, 1]}], standbyTasks: [], warmupTasks: []},
      targetAssignment: {activeTasks: [{subtopologyId: '0', partitions: [0]}], standbyTasks: [{subtopologyId: '0', partitions: [1]}], warmupTasks: []},
      isClassic: false,
    })
  })
})

describe('ShareGroupDescribe v1 response', () => {
  it('reads a member and its assignment, and a per-group error without throwing', () => {
    const w = Writer.create().appendInt32(0)
    w.appendArray(
      [0, 1],
      (g, i) => {
        if (i === 1) {
          g.appendInt16(69).appendString('not a share group').appendString('other').appendString('Dead').appendInt32(0).appendInt32(0).appendString('')
          g.appendArray([], () => {})
          g.appendInt32(-2147483648)
          return
        }
        g.appendInt16(0).appendString(null).appendString('pickers').appendString('Stable').appendInt32(3).appendInt32(3).appendString('simple')
        g.appendArray([0], (m) => {
          m.appendString('member-1').appendString(null).appendInt32(3).appendString('client-1').appendString('/127.0.0.1')
          strings(m, ['orders'])
          m.appendArray([0], (t) =>
            t
              .appendUUID(TOPIC_ID)
              .appendString('orders')
              .appendArray([2, 0, 1], (x, p) => x.appendInt32(p), true, false),
          )
          m.appendTaggedFields()
        })
        g.appendInt32(-2147483648)
      },
      true,
      true,
    )
    w.appendTaggedFields()
    const res = shareGroupDescribe.response(Reader.from(w), 1)
    expect(res.groups[0]).toMatchObject({groupId: 'pickers', groupState: 'Stable', groupEpoch: 3, assignorName: 'simple'})
    expect(res.groups[0].members[0]).toMatchObject({
      memberId: 'member-1',
      memberEpoch: 3,
      subscribedTopicNames: ['orders'],
      assignment: [{topic: 'orders', partitions: [2, 0, 1]}],
    })
    expect(res.groups[1]).toMatchObject({errorCode: 69, errorMessage: 'not a share group', groupId: 'other'})
  })
})
