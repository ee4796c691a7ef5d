// DeleteShareGroupOffsets (API 92 v0, KIP-932): removes a group's share-partition state of whole topics (the group
// must have no members: NON_EMPTY_GROUP otherwise). The top-level and per-topic errors are returned, never thrown.
import type {Reader, Writer} from '@platformatic/kafka'
import type {ApiDef} from './coordinator.js'

export interface DeleteShareOffsetsResponse {
  errorCode: number
  errorMessage: string | null
  topics: Array<{topic: string; errorCode: number; errorMessage: string | null}>
}

export const deleteShareGroupOffsets: ApiDef<[group: string, topics: string[]], DeleteShareOffsetsResponse> = {
  key: 92,
  name: 'DeleteShareGroupOffsets',
  versions: [0],
  request: (w: Writer, _version: number, group: string, topics: string[]) =>
    w
      .appendString(group)
      .appendArray(topics, (x, t) => x.appendString(t), true, true)
      .appendTaggedFields(),
  response(reader: Reader) {
    reader.readInt32() // throttle_time_ms
    const errorCode = reader.readInt16()
    const errorMessage = reader.readNullableString()
    const topics = reader.readArray((t) => {
      const topic = t.readString()
      t.readUUID()
      return {topic, errorCode: t.readInt16(), errorMessage: t.readNullableString()}
    })
    reader.readTaggedFields()
    return {errorCode, errorMessage, topics}
  },
}
