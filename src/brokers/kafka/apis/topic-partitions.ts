// The TopicPartitions struct the KIP-848 and KIP-932 describe responses share (topic id, name, partitions).
import type {Reader} from '@platformatic/kafka'
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
