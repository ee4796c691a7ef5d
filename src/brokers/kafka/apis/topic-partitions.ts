// What the KIP-848, KIP-932 and KIP-1071 describe requests and responses share: the request, each group's first
// fields, and the TopicPartitions struct (topic id, name, partitions).
import type {Reader, Writer} from '@platformatic/kafka'
import type {TopicPartitions} from '../kafka-groups.js'

/** [TopicPartitions] as flexible versions write it: topic_id topic_name [partitions] TAG_BUFFER each. */
export function readTopicPartitions(r: Reader): TopicPartitions[] {
  return r.readArray((t) => {
    t.readUUID()
    const topic = t.readString()
    return {topic, partitions: t.readArray(() => t.readInt32(), true, false)}
  })
}

/** An Assignment struct holding only TopicPartitions: the list, then the struct's TAG_BUFFER. */
export function readAssignment(r: Reader): TopicPartitions[] {
  const list = readTopicPartitions(r)
  r.readTaggedFields()
  return list
}

/**
 * The request of ConsumerGroupDescribe, ShareGroupDescribe and StreamsGroupDescribe: the group ids, and
 * include_authorized_operations false.
 */
export const describeGroupsRequest = (w: Writer, _version: number, groups: string[]): Writer =>
  w
    .appendArray(groups, (x, g) => x.appendString(g), true, false)
    .appendBoolean(false)
    .appendTaggedFields()

/** The fields each described group of those three responses starts with, in their order. */
export interface DescribedGroupHead {
  /** 0, or the group's error (69 GROUP_ID_NOT_FOUND: not a group of this API's type) */
  errorCode: number
  errorMessage: string | null
  groupId: string
  groupState: string
  groupEpoch: number
  assignmentEpoch: number
}

export function readDescribedGroupHead(r: Reader): DescribedGroupHead {
  const errorCode = r.readInt16()
  const errorMessage = r.readNullableString()
  const groupId = r.readString()
  const groupState = r.readString()
  const groupEpoch = r.readInt32()
  const assignmentEpoch = r.readInt32()
  return {errorCode, errorMessage, groupId, groupState, groupEpoch, assignmentEpoch}
}
