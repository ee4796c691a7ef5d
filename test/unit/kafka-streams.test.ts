// The pure rules of kafka-streams.ts: a StreamsGroupDescribe answer read as StreamsGroupCommand reads it.
import {describe, expect, it} from 'vitest'
import type {StreamsGroupDescribed} from '../../src/brokers/kafka/apis/index.js'
import {activePartitions, isInternalTopic, streamsDescription, streamsInfo} from '../../src/brokers/kafka/kafka-streams.js'

const R = 'app-KSTREAM-AGGREGATE-STATE-STORE-0000000002-repartition'
const C = 'app-KSTREAM-AGGREGATE-STATE-STORE-0000000002-changelog'
const topic = (name: string) => ({name, partitions: 0, replicationFactor: 0})
const tasks = (active: Array<[string, number[]]>) => ({
  activeTasks: active.map(([subtopologyId, partitions]) => ({subtopologyId, partitions})),
  standbyTasks: [],
  warmupTasks: [{subtopologyId: '1', partitions: [2]}],
})

const answer: StreamsGroupDescribed = {
  errorCode: 0,
  errorMessage: null,
  groupId: 'app',
  groupState: 'Stable',
  groupEpoch: 5,
  assignmentEpoch: 5,
  topology: {
    epoch: 0,
    subtopologies: [
      // in any order: cg sorts them by id
      {subtopologyId: '1', sourceTopics: [], repartitionSinkTopics: [], stateChangelogTopics: [topic(C)], repartitionSourceTopics: [topic(R)]},
      {subtopologyId: '0', sourceTopics: ['in'], repartitionSinkTopics: [R], stateChangelogTopics: [topic('other-changelog')], repartitionSourceTopics: []},
    ],
  },
  members: [
    {
      memberId: 'm1',
      memberEpoch: 5,
      instanceId: null,
      rackId: null,
      clientId: 'app-1-StreamThread-1-consumer',
      clientHost: '/127.0.0.1',
      topologyEpoch: 0,
      processId: 'p1',
      userEndpoint: null,
      clientTags: [],
      taskOffsets: [],
      taskEndOffsets: [],
      assignment: tasks([
        ['1', [1, 0]],
        ['0', [2]],
      ]),
      targetAssignment: tasks([['0', [2, 0]]]),
      isClassic: false,
    },
  ],
}

describe('streams groups (kafka-streams.ts)', () => {
  const info = streamsInfo(answer)

  it('merges repartition source topics into the source topics; input topics leave repartition topics out', () => {
    expect(info.subtopologies.map((s) => [s.subtopology, s.sourceTopics])).toEqual([
      ['0', ['in']],
      ['1', [R]],
    ])
    expect(info.inputTopics).toEqual(['in'])
  })

  it('internal topics: repartition and changelog topics named after the application id only', () => {
    expect(info.internalTopics).toEqual([C, R])
    expect(isInternalTopic('app', 'app-x-repartition')).toBe(true)
    expect(isInternalTopic('app', 'app2-x-changelog')).toBe(false)
    expect(isInternalTopic('app', 'app-x-store')).toBe(false)
  })

  it("a member's active tasks are partitions of its sub-topology's source topics", () => {
    const m = info.members[0]
    expect(m.tasks).toEqual({
      active: [
        {subtopology: '0', partitions: [2]},
        {subtopology: '1', partitions: [0, 1]},
      ],
      standby: [],
      warmup: [{subtopology: '1', partitions: [2]}],
    })
    expect(activePartitions(info, m.tasks.active)).toEqual([
      {topic: R, partitions: [0, 1]},
      {topic: 'in', partitions: [2]},
    ])
    const d = streamsDescription(info)
    expect(d).toMatchObject({protocol: 'streams', state: 'Stable', groupEpoch: 5, assignmentEpoch: 5})
    expect(d.members[0]).toMatchObject({memberId: 'm1', memberEpoch: 5, subscribedTopics: [R, 'in'], targetAssignment: [{topic: 'in', partitions: [0, 2]}]})
  })
})
