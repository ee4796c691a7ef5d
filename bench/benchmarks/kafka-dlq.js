// Row "Kafka DLQ replay 100,000 records": `cg dlq replay` (transactions: every batch produced and the
// replay group's offsets committed in one Kafka transaction) against a plain consume-and-produce loop with
// the same client and no transactions (bench/baselines/kafka-dlq-replay-raw.js), in the same run.
// One DLQ of 100,000 records with Spring headers (3 partitions) is seeded per run; every repetition
// replays it into a fresh target topic (cg's replay group is deleted between repetitions, so each cg run
// replays everything), and the target is counted afterwards.
import {Admin, Producer} from '@platformatic/kafka'
import {BASELINES_DIR, QUICK, scale} from '../lib/config.js'
import {cg, node} from '../lib/proc.js'
import {pair} from '../lib/pair.js'
import {row} from '../lib/report.js'

export const name = 'kafka-dlq'
const BOOTSTRAP = process.env.BENCH_KAFKA_BOOTSTRAP ?? '127.0.0.1:9092'
const URL = `kafka://${BOOTSTRAP}`
const RECORDS = scale(100_000)
const PARTITIONS = 3
const REPS = Number(process.env.BENCH_KAFKA_DLQ_REPS ?? (QUICK ? 3 : 5))
const TARGET = 0.7
const PREFIX = `cgbench-kdlq-${process.pid}-`
const opts = {clientId: 'cgbench-kdlq', bootstrapBrokers: [BOOTSTRAP], timeout: 30_000, retries: 3}

async function seed(admin, source, dlq) {
  await admin.createTopics({topics: [source, dlq], partitions: PARTITIONS, replicas: 1})
  const producer = new Producer({...opts, idempotent: true})
  try {
    for (let i = 0; i < RECORDS; i += 2000) {
      const messages = []
      for (let j = i; j < Math.min(RECORDS, i + 2000); j++) {
        const p = j % PARTITIONS
        const part = Buffer.alloc(4)
        part.writeInt32BE(p)
        messages.push({
          topic: dlq,
          partition: p,
          key: Buffer.from(`order-${j % 1000}`),
          value: Buffer.from(JSON.stringify({id: j, sku: `sku-${j % 97}`, qty: (j % 5) + 1, note: 'x'.repeat(40)})),
          headers: new Map([
            [Buffer.from('kafka_dlt-original-topic'), Buffer.from(source)],
            [Buffer.from('kafka_dlt-original-partition'), part],
            [Buffer.from('kafka_dlt-exception-message'), Buffer.from('java.lang.IllegalStateException: downstream timeout')],
          ]),
        })
      }
      await producer.send({messages})
    }
  } finally {
    await producer.close()
  }
}

async function countTopic(admin, topic) {
  const res = await admin.listOffsets({
    topics: [{name: topic, partitions: Array.from({length: PARTITIONS}, (_, p) => ({partitionIndex: p, timestamp: -1n}))}],
    isolationLevel: 1,
  })
  return res[0].partitions.reduce((n, p) => n + Number(p.offset), 0)
}

export async function run({log}) {
  const admin = new Admin(opts)
  const source = `${PREFIX}orders`
  const dlq = `${source}.DLT`
  const group = `cg-replay.${dlq}`
  const made = [source, dlq]
  try {
    const t0 = Date.now()
    await seed(admin, source, dlq)
    log(`  seeded ${RECORDS} records in ${dlq} (${PARTITIONS} partitions; ${Date.now() - t0} ms)`)
    let n = 0
    const res = await pair({
      reps: REPS,
      prepare: async (side) => {
        const target = `${PREFIX}t${n++}-${side}`
        await admin.createTopics({topics: [target], partitions: PARTITIONS, replicas: 1})
        made.push(target)
        if (side === 'cg') await admin.deleteGroups({groups: [group]}).catch(() => undefined)
        return {target}
      },
      cg: (s) => cg(['dlq', 'replay', '--dlq', dlq, '--to', s.target, '--json', '--url', URL]),
      baseline: (s) => node([BASELINES_DIR + 'kafka-dlq-replay-raw.js', BOOTSTRAP, dlq, s.target]),
      verify: async (side, s) => {
        // cg's target also holds one transaction marker per partition per transaction: count records, not offsets
        const offsets = await countTopic(admin, s.target)
        if (side === 'baseline' ? offsets !== RECORDS : offsets < RECORDS)
          throw new Error(`${side}: target ${s.target} holds ${offsets} offsets, expected ${RECORDS}${side === 'cg' ? ' records plus markers' : ''}`)
        await admin.deleteTopics({topics: [s.target]}).catch(() => undefined)
      },
      log,
    })
    const perSec = (ms) => (RECORDS * 1000) / ms
    return [
      row({
        benchmark: name,
        name: QUICK ? 'kafka-dlq-replay-10k' : 'kafka-dlq-replay-100k',
        kind: 'throughput',
        unit: 'records/s',
        target: TARGET,
        iterations: REPS,
        size: {records: RECORDS, partitions: PARTITIONS},
        cg: perSec(res.cgMs),
        baseline: perSec(res.baselineMs),
        timeMs: {cg: res.cgMs, baseline: res.baselineMs},
        command: `cg dlq replay --dlq DLQ --to TARGET --json --url ${URL} > /dev/null`,
        baselineCommand:
          'node bench/baselines/kafka-dlq-replay-raw.js BOOTSTRAP DLQ TARGET (@platformatic/kafka Consumer stream from earliest + Producer.send of 2,000-record batches; no transactions, no offsets committed)',
        method: `wall time of the whole process, node startup included on both sides; runs alternate which side goes first; median of ${REPS}; throughput = records / median wall time; ratio = cg throughput / baseline throughput (>= ${TARGET})`,
        peakRssMb: {cg: res.cgRssMb, baseline: res.baselineRssMb},
        samples: res.samples,
      }),
    ]
  } finally {
    await admin.deleteTopics({topics: made}).catch(() => undefined)
    await admin.deleteGroups({groups: [group]}).catch(() => undefined)
    await admin.close()
  }
}
