// ConsumerGroupDescribe (API 69, KIP-848), v0 and v1 (KIP-1099: v1 adds each member's MemberType).
// The client library's own v0 parser is not used: cg keeps per-group errors (it throws on them) and reads v1.
import type {Reader} from '@platformatic/kafka'
import type {TopicPartitions} from '../kafka-groups.js'
import type {ApiDef} from './coordinator.js'
import {type DescribedGroupHead, describeGroupsRequest, readAssignment, readDescribedGroupHead} from './topic-partitions.js'

export interface ConsumerGroupMember {
  memberId: string
  instanceId: string | null
  rackId: string | null
  memberEpoch: number
  clientId: string
  clientHost: string
  subscribedTopicNames: string[]
  subscribedTopicRegex: string | null
  assignment: TopicPartitions[]
  targetAssignment: TopicPartitions[]
  /** v1+: 0 a classic member (joined with JoinGroup), 1 a consumer member; -1 unknown (or v0) */
  memberType: number
}

export interface ConsumerGroupDescribed extends DescribedGroupHead {
  assignorName: string
  members: ConsumerGroupMember[]
}

export const consumerGroupDescribe: ApiDef<[groups: string[]], {groups: ConsumerGroupDescribed[]}> = {
  key: 69,
  name: 'ConsumerGroupDescribe',
  versions: [0, 1],
  request: describeGroupsRequest,
  response(reader: Reader, version: number) {
    reader.readInt32() // throttle_time_ms
    const groups = reader.readArray((r) => {
      const head = readDescribedGroupHead(r)
      const assignorName = r.readString()
      const members = r.readArray((m) => ({
        memberId: m.readString(),
        instanceId: m.readNullableString(),
        rackId: m.readNullableString(),
        memberEpoch: m.readInt32(),
        clientId: m.readString(),
        clientHost: m.readString(),
        subscribedTopicNames: m.readArray(() => m.readString(), true, false),
        subscribedTopicRegex: m.readNullableString(),
        assignment: readAssignment(m),
        targetAssignment: readAssignment(m),
        memberType: version >= 1 ? m.readInt8() : -1,
      }))
      r.readInt32() // authorized_operations
      return {...head, assignorName, members}
    })
    reader.readTaggedFields()
    return {groups}
  },
}
