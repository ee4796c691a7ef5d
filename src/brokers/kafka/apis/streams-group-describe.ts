// StreamsGroupDescribe (API 89, KIP-1071), v0. Request: [group_ids] include_authorized_operations.
// Response per the protocol's StreamsGroupDescribeResponse.json: the topology (nullable), and per member its
// process, endpoint, task offsets and the current and target task assignments.
import {type DescribedGroupHead, describeGroupsRequest, readDescribedGroupHead} from './topic-partitions.js'
import type {Reader} from '@platformatic/kafka'
import type {ApiDef} from './coordinator.js'

/** Tasks of one sub-topology: the partitions of its input topics. */
export interface StreamsTasks {
  subtopologyId: string
  partitions: number[]
}

export interface StreamsAssignment {
  activeTasks: StreamsTasks[]
  standbyTasks: StreamsTasks[]
  warmupTasks: StreamsTasks[]
}

export interface StreamsTopicInfo {
  name: string
  partitions: number
  replicationFactor: number
}

export interface StreamsSubtopology {
  subtopologyId: string
  sourceTopics: string[]
  repartitionSinkTopics: string[]
  stateChangelogTopics: StreamsTopicInfo[]
  repartitionSourceTopics: StreamsTopicInfo[]
}

export interface StreamsTaskOffset {
  subtopologyId: string
  partition: number
  offset: bigint
}

export interface StreamsGroupMember {
  memberId: string
  memberEpoch: number
  instanceId: string | null
  rackId: string | null
  clientId: string
  clientHost: string
  topologyEpoch: number
  processId: string
  userEndpoint: {host: string; port: number} | null
  clientTags: Array<{key: string; value: string}>
  taskOffsets: StreamsTaskOffset[]
  taskEndOffsets: StreamsTaskOffset[]
  assignment: StreamsAssignment
  targetAssignment: StreamsAssignment
  isClassic: boolean
}

export interface StreamsGroupDescribed extends DescribedGroupHead {
  /** null: not initialized (or a describe error) */
  topology: {epoch: number; subtopologies: StreamsSubtopology[] | null} | null
  members: StreamsGroupMember[]
}

const keyValues = (r: Reader) => r.readArray((k) => ({key: k.readString(), value: k.readString()}))
const strings = (r: Reader) => r.readArray(() => r.readString(), true, false)
const topicInfos = (r: Reader) =>
  r.readArray((t) => {
    const info = {name: t.readString(), partitions: t.readInt32(), replicationFactor: t.readInt16()}
    keyValues(t) // topic_configs
    return info
  })
const taskOffsets = (r: Reader) => r.readArray((t) => ({subtopologyId: t.readString(), partition: t.readInt32(), offset: t.readInt64()}))
const taskIds = (r: Reader) => r.readArray((t) => ({subtopologyId: t.readString(), partitions: t.readArray(() => t.readInt32(), true, false)}))
function assignment(r: Reader): StreamsAssignment {
  const a = {activeTasks: taskIds(r), standbyTasks: taskIds(r), warmupTasks: taskIds(r)}
  r.readTaggedFields()
  return a
}

export const streamsGroupDescribe: ApiDef<[groups: string[]], {groups: StreamsGroupDescribed[]}> = {
  key: 89,
  name: 'StreamsGroupDescribe',
  versions: [0],
  request: describeGroupsRequest,
  response(reader: Reader) {
    reader.readInt32() // throttle_time_ms
    const groups = reader.readArray((r) => {
      const head = readDescribedGroupHead(r)
      const topology = r.readNullableStruct(() => {
        const epoch = r.readInt32()
        const subtopologies = r.readNullableArray((s) => ({
          subtopologyId: s.readString(),
          sourceTopics: strings(s),
          repartitionSinkTopics: strings(s),
          stateChangelogTopics: topicInfos(s),
          repartitionSourceTopics: topicInfos(s),
        }))
        r.readTaggedFields()
        return {epoch, subtopologies}
      })
      const members = r.readArray((m) => {
        const memberId = m.readString()
        const memberEpoch = m.readInt32()
        const instanceId = m.readNullableString()
        const rackId = m.readNullableString()
        const clientId = m.readString()
        const clientHost = m.readString()
        const topologyEpoch = m.readInt32()
        const processId = m.readString()
        const userEndpoint = m.readNullableStruct(() => {
          const e = {host: m.readString(), port: m.readUnsignedInt16()}
          m.readTaggedFields()
          return e
        })
        return {
          memberId,
          memberEpoch,
          instanceId,
          rackId,
          clientId,
          clientHost,
          topologyEpoch,
          processId,
          userEndpoint,
          clientTags: keyValues(m),
          taskOffsets: taskOffsets(m),
          taskEndOffsets: taskOffsets(m),
          assignment: assignment(m),
          targetAssignment: assignment(m),
          isClassic: m.readBoolean(),
        }
      })
      r.readInt32() // authorized_operations
      return {...head, topology, members}
    })
    reader.readTaggedFields()
    return {groups}
  },
}
