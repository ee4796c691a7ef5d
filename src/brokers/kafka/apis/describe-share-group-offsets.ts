// DescribeShareGroupOffsets (API 90, KIP-932): per partition the share-partition start offset, and from v1
// (KIP-1226, Kafka 4.3) the lag the broker computes for it (-1: unknown). Topics null asks for every partition the
// group has state for. Per-group and per-partition errors are returned, never thrown.
import type {Reader, Writer} from '@platformatic/kafka'
import type {ApiDef} from './coordinator.js'

export interface ShareOffsetsPartition {
  partition: number
  /** -1 while the partition has no share state */
  startOffset: number
  leaderEpoch: number
  /** v1+; -1 when the broker does not know it (always -1 in v0) */
  lag: number
  errorCode: number
  errorMessage: string | null
}

export interface ShareOffsetsGroup {
  groupId: string
  /** 0, or the group's error (69 GROUP_ID_NOT_FOUND) */
  errorCode: number
  errorMessage: string | null
  topics: Array<{topic: string; partitions: ShareOffsetsPartition[]}>
}

type Ask = Array<{group: string; topics: Array<{topic: string; partitions: number[]}> | null}>

export const describeShareGroupOffsets: ApiDef<[groups: Ask], {groups: ShareOffsetsGroup[]}> = {
  key: 90,
  name: 'DescribeShareGroupOffsets',
  versions: [0, 1],
  request: (w: Writer, _version: number, groups: Ask) =>
    w
      .appendArray(
        groups,
        (x, g) =>
          x
            .appendString(g.group)
            .appendArray(g.topics, (y, t) => y.appendString(t.topic).appendArray(t.partitions, (z, p) => z.appendInt32(p), true, false), true, true),
        true,
        true,
      )
      .appendTaggedFields(),
  response(reader: Reader, version: number) {
    reader.readInt32() // throttle_time_ms
    const groups = reader.readArray((g) => {
      const groupId = g.readString()
      const topics = g.readArray((t) => {
        const topic = t.readString()
        t.readUUID()
        const partitions = t.readArray((p) => {
          const partition = p.readInt32()
          const startOffset = Number(p.readInt64())
          const leaderEpoch = p.readInt32()
          const lag = version >= 1 ? Number(p.readInt64()) : -1
          const errorCode = p.readInt16()
          const errorMessage = p.readNullableString()
          return {partition, startOffset, leaderEpoch, lag, errorCode, errorMessage}
        })
        return {topic, partitions}
      })
      const errorCode = g.readInt16()
      const errorMessage = g.readNullableString()
      return {groupId, errorCode, errorMessage, topics}
    })
    reader.readTaggedFields()
    return {groups}
  },
}
