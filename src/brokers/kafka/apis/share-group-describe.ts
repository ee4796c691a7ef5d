// ShareGroupDescribe (API 77, KIP-932), v1 (v0 was the early access of Kafka 4.0, removed in 4.1).
// Request: [group_ids] include_authorized_operations. Response per the protocol's ShareGroupDescribeResponse.json.
import type {Reader} from '@platformatic/kafka'
import type {TopicPartitions} from '../kafka-groups.js'
import type {ApiDef} from './coordinator.js'
import {type DescribedGroupHead, describeGroupsRequest, readAssignment, readDescribedGroupHead} from './topic-partitions.js'

export interface ShareGroupMember {
  memberId: string
  rackId: string | null
  memberEpoch: number
  clientId: string
  clientHost: string
  subscribedTopicNames: string[]
  assignment: TopicPartitions[]
}

export interface ShareGroupDescribed extends DescribedGroupHead {
  assignorName: string
  members: ShareGroupMember[]
}

export const shareGroupDescribe: ApiDef<[groups: string[]], {groups: ShareGroupDescribed[]}> = {
  key: 77,
  name: 'ShareGroupDescribe',
  versions: [1],
  request: describeGroupsRequest,
  response(reader: Reader) {
    reader.readInt32() // throttle_time_ms
    const groups = reader.readArray((r) => {
      const head = readDescribedGroupHead(r)
      const assignorName = r.readString()
      const members = r.readArray((m) => {
        const memberId = m.readString()
        const rackId = m.readNullableString()
        const memberEpoch = m.readInt32()
        const clientId = m.readString()
        const clientHost = m.readString()
        const subscribedTopicNames = m.readArray(() => m.readString(), true, false)
        const assignment = readAssignment(m)
        return {memberId, rackId, memberEpoch, clientId, clientHost, subscribedTopicNames, assignment}
      })
      r.readInt32() // authorized_operations
      return {...head, assignorName, members}
    })
    reader.readTaggedFields()
    return {groups}
  },
}
