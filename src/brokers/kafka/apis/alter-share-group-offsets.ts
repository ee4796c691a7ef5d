// AlterShareGroupOffsets (API 91 v0, KIP-932): sets share-partition start offsets of a group without members (the
// broker answers NON_EMPTY_GROUP otherwise). The top-level and per-partition errors are returned, never thrown.
import type {Reader, Writer} from '@platformatic/kafka'
import type {ApiDef} from './coordinator.js'

export interface AlterShareOffsetsResponse {
  errorCode: number
  errorMessage: string | null
  topics: Array<{topic: string; partitions: Array<{partition: number; errorCode: number; errorMessage: string | null}>}>
}

type Offsets = Array<{topic: string; partitions: Array<{partition: number; startOffset: number}>}>

export const alterShareGroupOffsets: ApiDef<[group: string, topics: Offsets], AlterShareOffsetsResponse> = {
  key: 91,
  name: 'AlterShareGroupOffsets',
  versions: [0],
  request: (w: Writer, _version: number, group: string, topics: Offsets) =>
    w
      .appendString(group)
      .appendArray(
        topics,
        (x, t) => x.appendString(t.topic).appendArray(t.partitions, (y, p) => y.appendInt32(p.partition).appendInt64(BigInt(p.startOffset)), true, true),
        true,
        true,
      )
      .appendTaggedFields(),
  response(reader: Reader) {
    reader.readInt32() // throttle_time_ms
    const errorCode = reader.readInt16()
    const errorMessage = reader.readNullableString()
    const topics = reader.readArray((t) => {
      const topic = t.readString()
      t.readUUID()
      const partitions = t.readArray((p) => ({partition: p.readInt32(), errorCode: p.readInt16(), errorMessage: p.readNullableString()}))
      return {topic, partitions}
    })
    reader.readTaggedFields()
    return {errorCode, errorMessage, topics}
  },
}
