// A streams-group (KIP-1071) member for the integration tests without a JVM: StreamsGroupHeartbeat (API 88 v0)
// sent from here, with a one-subtopology topology reading `topic`, heartbeating until stop() (then it leaves).
// It makes the broker hold a real streams group (its type, state, epochs, members), which is what listing and
// describing need; it processes no records.
import {randomUUID} from 'node:crypto'
import type {Reader, Writer} from '@platformatic/kafka'
import {type ApiDef, callGroupCoordinator} from '../../src/brokers/kafka/apis/index.js'
import {KAFKA, kafkaAdmin, sleep} from './kafka.js'

interface Beat {
  group: string
  memberId: string
  memberEpoch: number
  topic?: string
  processId?: string
}

interface BeatAnswer {
  errorCode: number
  errorMessage: string | null
  memberEpoch: number
  heartbeatIntervalMs: number
}

const empty = (w: Writer) => w.appendArray([], () => {}, true, false)

const streamsGroupHeartbeat: ApiDef<[beat: Beat], BeatAnswer> = {
  key: 88,
  name: 'StreamsGroupHeartbeat',
  versions: [0],
  request(w, _version, b) {
    w.appendString(b.group).appendString(b.memberId).appendInt32(b.memberEpoch).appendInt32(0)
    w.appendString(null).appendString(null) // instance id, rack id
    w.appendInt32(b.topic ? 30_000 : -1) // rebalance timeout
    if (b.topic) {
      // topology: present, epoch 0, one subtopology "0" reading the topic
      w.appendInt8(1).appendInt32(0)
      w.appendArray([b.topic], (s, topic) => {
        s.appendString('0')
        s.appendArray([topic], (x, t) => x.appendString(t), true, false)
        empty(s) // source topic regex
        s.appendArray([], () => {}) // state changelog topics
        empty(s) // repartition sink topics
        s.appendArray([], () => {}) // repartition source topics
        s.appendArray([], () => {}) // copartition groups
      })
      w.appendTaggedFields()
      // owned tasks: none yet
      w.appendArray([], () => {})
      w.appendArray([], () => {})
      w.appendArray([], () => {})
      w.appendString(b.processId ?? null)
      w.appendInt8(-1) // user endpoint
      w.appendArray([], () => {}) // client tags
      w.appendArray(null, () => {}) // task offsets: null (the broker does not take them yet)
      w.appendArray(null, () => {}) // task end offsets
    } else {
      w.appendInt8(-1) // topology: unchanged
      w.appendArray(null, () => {})
      w.appendArray(null, () => {})
      w.appendArray(null, () => {})
      w.appendString(null)
      w.appendInt8(-1)
      w.appendArray(null, () => {})
      w.appendArray(null, () => {})
      w.appendArray(null, () => {})
    }
    return w.appendBoolean(false).appendTaggedFields()
  },
  response(r: Reader) {
    r.readInt32()
    const errorCode = r.readInt16()
    const errorMessage = r.readNullableString()
    r.readString() // member id
    const memberEpoch = r.readInt32()
    const heartbeatIntervalMs = r.readInt32()
    return {errorCode, errorMessage, memberEpoch, heartbeatIntervalMs}
  },
}

export interface StreamsMemberHandle {
  memberId: string
  stop: () => Promise<void>
}

/** A member of streams group `group` (subscribed to `topic`); resolves once the group has it at a positive epoch. */
export async function streamsMember(opts: {bootstrap?: string; group: string; topic: string; timeoutMs?: number}): Promise<StreamsMemberHandle> {
  const admin = kafkaAdmin(opts.bootstrap ?? KAFKA.bootstrap)
  const memberId = randomUUID()
  const processId = randomUUID()
  const beat = (b: Omit<Beat, 'group' | 'memberId'>) => callGroupCoordinator(admin, opts.group, streamsGroupHeartbeat, {group: opts.group, memberId, ...b})
  let answer = await beat({memberEpoch: 0, topic: opts.topic, processId})
  if (answer.errorCode !== 0) {
    await admin.close()
    throw new Error(`StreamsGroupHeartbeat of ${opts.group}: error ${answer.errorCode} ${answer.errorMessage ?? ''}`)
  }
  let epoch = answer.memberEpoch
  let stopped = false
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000)
  const loop = (async () => {
    while (!stopped) {
      await sleep(Math.min(answer.heartbeatIntervalMs || 1000, 1000))
      if (stopped) break
      answer = await beat({memberEpoch: epoch}).catch(() => answer)
      if (answer.errorCode === 0) epoch = answer.memberEpoch
    }
  })()
  while (epoch <= 0 && Date.now() < deadline) await sleep(100)
  const stop = async () => {
    stopped = true
    await loop
    await beat({memberEpoch: -1}).catch(() => {})
    await admin.close()
  }
  if (epoch <= 0) {
    await stop()
    throw new Error(`streams member of ${opts.group} has no epoch after ${opts.timeoutMs ?? 30_000} ms`)
  }
  return {memberId, stop}
}
