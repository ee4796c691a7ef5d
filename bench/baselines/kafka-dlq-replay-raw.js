// Baseline for `cg dlq replay` on Kafka: a plain consume-and-produce loop with the same client
// (@platformatic/kafka), no transactions and no replay group: a Consumer stream reads the DLQ from the
// earliest offset (a throwaway group, nothing committed), and each batch of up to 2,000 records is sent
// to the target with key, value and headers as read (one awaited send per batch, default acks).
// Stops when every partition reached the log end it had at the start. Prints how many it replayed.
// usage: node kafka-dlq-replay-raw.js BOOTSTRAP DLQ TARGET
import '../../src/compat/node20.js' // @platformatic/kafka on Node 20 (see src/compat/node20.js)
import {Admin, Consumer, Producer} from '@platformatic/kafka'

const [bootstrap, dlq, target] = process.argv.slice(2)
const opts = {clientId: 'cgbench-kdlq-raw', bootstrapBrokers: [bootstrap], timeout: 30_000, retries: 3}
const BATCH = 2000
try {
  const admin = new Admin(opts)
  const meta = await admin.metadata({topics: [dlq]})
  const partitions = meta.topics.get(dlq).partitionsCount
  const ends = await admin.listOffsets({topics: [{name: dlq, partitions: Array.from({length: partitions}, (_, p) => ({partitionIndex: p, timestamp: -1n}))}]})
  const end = new Map(ends[0].partitions.map((p) => [p.partitionIndex, p.offset]))
  const total = [...end.values()].reduce((n, o) => n + Number(o), 0)
  await admin.close()

  const consumer = new Consumer({...opts, groupId: `cgbench-kdlq-raw-${process.pid}-${Date.now()}`})
  const producer = new Producer(opts)
  const stream = await consumer.consume({topics: [dlq], mode: 'earliest', autocommit: false, maxWaitTime: 50})
  let replayed = 0
  let batch = []
  const flush = async () => {
    if (!batch.length) return
    const messages = batch
    batch = []
    await producer.send({messages})
    replayed += messages.length
  }
  for await (const m of stream) {
    batch.push({topic: target, key: m.key, value: m.value, headers: m.headers, partition: m.partition})
    if (batch.length >= BATCH) await flush()
    if (replayed + batch.length >= total) break
  }
  await flush()
  await stream.close()
  await consumer.close(true)
  await producer.close()
  process.stdout.write(JSON.stringify({replayed}) + '\n')
} catch (e) {
  process.stderr.write(String(e?.stack ?? e) + '\n')
  process.exit(1)
}
