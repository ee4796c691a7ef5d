// Fixtures of the Kafka DLQ tests: topics made with the client library, DLQ records with the headers
// Spring Kafka and Kafka Connect write, and a read_committed reader of a whole topic.
import {Admin, Consumer, Producer} from '@platformatic/kafka'
import {committedRecords, type DlqRecord} from '../../../src/brokers/kafka/kafka-dlq.js'

import {randomBytes} from 'node:crypto'

/** A unique topic-safe name (Kafka topics allow [a-zA-Z0-9._-] only). */
export function uniq(name = 't'): string {
  return `cgtest-${name}-${randomBytes(4).toString('hex')}`
}

const clientOpts = (bootstrap: string) => ({clientId: 'cg-test-dlq', bootstrapBrokers: bootstrap.split(','), timeout: 10_000, retries: 3})

export interface DlqInput {
  partition?: number
  key?: Buffer | null
  value: Buffer
  headers?: Array<[string, Buffer | string]>
}

/** Spring's DeadLetterPublishingRecoverer headers for a record of `topic` partition `partition`. */
export function springHeaders(topic: string, partition: number, offset: number, message = 'boom'): Array<[string, Buffer | string]> {
  const p = Buffer.alloc(4)
  p.writeInt32BE(partition)
  const o = Buffer.alloc(8)
  o.writeBigInt64BE(BigInt(offset))
  return [
    ['kafka_dlt-original-topic', topic],
    ['kafka_dlt-original-partition', p],
    ['kafka_dlt-original-offset', o],
    ['kafka_dlt-exception-message', message],
  ]
}

/** Kafka Connect's errors.deadletterqueue.context.headers. */
export function connectHeaders(topic: string, partition: number, offset: number): Array<[string, Buffer | string]> {
  return [
    ['__connect.errors.topic', topic],
    ['__connect.errors.partition', String(partition)],
    ['__connect.errors.offset', String(offset)],
    ['__connect.errors.exception.message', 'conversion failed'],
  ]
}

export class KafkaDlqFixture {
  readonly admin: Admin
  private readonly producer: Producer<Buffer, Buffer, Buffer, Buffer>
  private readonly topics = new Set<string>()
  private readonly groups = new Set<string>()

  constructor(readonly bootstrap: string) {
    this.admin = new Admin(clientOpts(bootstrap))
    this.producer = new Producer({...clientOpts(bootstrap), idempotent: true})
  }

  async topic(name: string, partitions = 1, replicas = 1): Promise<string> {
    await this.admin.createTopics({topics: [name], partitions, replicas})
    this.topics.add(name)
    this.groups.add(`cg-replay.${name}`)
    return name
  }

  async produce(topic: string, records: DlqInput[]): Promise<void> {
    for (let i = 0; i < records.length; i += 2000) {
      await this.producer.send({
        messages: records.slice(i, i + 2000).map((r) => ({
          topic,
          partition: r.partition ?? 0,
          key: r.key ?? undefined,
          value: r.value,
          headers: new Map((r.headers ?? []).map(([k, v]) => [Buffer.from(k), Buffer.isBuffer(v) ? v : Buffer.from(v)])),
        })),
      })
    }
  }

  /**
   * Every committed record of the topic (read_committed: aborted transactions left out), partition by
   * partition; with `isolation` 0 (read_uncommitted) aborted and open transactions' records are included.
   */
  async readAll(topic: string, isolation: 0 | 1 = 1): Promise<DlqRecord[]> {
    const meta = await this.admin.metadata({topics: [topic], forceUpdate: true})
    const t = meta.topics.get(topic)!
    const consumer = new Consumer<Buffer, Buffer, Buffer, Buffer>({...clientOpts(this.bootstrap), groupId: 'cg-test-reader-unused'})
    const out: DlqRecord[] = []
    try {
      for (let partition = 0; partition < t.partitionsCount; partition++) {
        const endAt = async (level: 0 | 1) =>
          (await this.admin.listOffsets({topics: [{name: topic, partitions: [{partitionIndex: partition, timestamp: -1n}]}], isolationLevel: level}))[0]!
            .partitions[0]!.offset
        // A committed transaction's markers reach the partitions just after EndTxn returns: until they do, the
        // last stable offset stays below the high watermark. Wait for it (at most 10 s: an open transaction of
        // a killed producer keeps it there until that transaction is fenced or times out).
        let end = await endAt(isolation)
        if (isolation === 1) {
          const high = await endAt(0)
          for (let i = 0; i < 100 && end < high; i++) {
            await new Promise((r) => setTimeout(r, 100))
            end = await endAt(1)
          }
        }
        const starts = await this.admin.listOffsets({topics: [{name: topic, partitions: [{partitionIndex: partition, timestamp: -2n}]}]})
        let offset = starts[0]!.partitions[0]!.offset
        while (offset < end) {
          const res = await consumer.fetch({
            node: t.partitions[partition]!.leader,
            isolationLevel: isolation,
            maxWaitTime: 50,
            maxBytes: 8 << 20,
            topics: [{topicId: t.id, partitions: [{partition, currentLeaderEpoch: -1, fetchOffset: offset, lastFetchedEpoch: -1, partitionMaxBytes: 8 << 20}]}],
          })
          const {records, next} = committedRecords(res.responses[0]!.partitions[0]!, offset)
          out.push(...records.filter((r) => r.offset < end))
          if (next === null) break
          offset = next
        }
      }
    } finally {
      await consumer.close(true)
    }
    return out
  }

  /** The replay group's committed offsets summed over partitions (0 when it has none). */
  async committedTotal(group: string, topic: string, partitions: number): Promise<number> {
    const res = await this.admin.listConsumerGroupOffsets({
      groups: [{groupId: group, topics: [{name: topic, partitionIndexes: [...Array(partitions).keys()]}]}],
    })
    let n = 0
    for (const g of res) for (const t of g.topics) for (const p of t.partitions) if (p.committedOffset > 0n) n += Number(p.committedOffset)
    return n
  }

  async groupExists(group: string): Promise<boolean> {
    const groups = await this.admin.listGroups({types: ['classic', 'consumer']})
    return groups.has(group)
  }

  async close(): Promise<void> {
    if (this.topics.size) await this.admin.deleteTopics({topics: [...this.topics]}).catch(() => undefined)
    const existing = await this.admin.listGroups({types: ['classic', 'consumer']}).catch(() => new Map())
    const mine = [...this.groups].filter((g) => existing.has(g))
    if (mine.length) await this.admin.deleteGroups({groups: mine}).catch(() => undefined)
    await this.producer.close(true)
    await this.admin.close()
  }
}

export const header = (r: DlqRecord, name: string): string | null => {
  for (const [k, v] of r.headers) if (k.toString() === name) return v === null ? null : v.toString()
  return null
}
