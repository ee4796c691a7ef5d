// Kafka state for the benchmarks, on the local broker `npm run brokers:up` starts (127.0.0.1:9092), and the
// Java tools (kafka-consumer-groups.sh's class, from the cached Maven jars) run beside cg.
//
// Seeding is idempotent: the state is kept between runs (topics and groups named cgbench-lag-*), checked
// on every run and repaired where it differs, so a second run starts timing within seconds.
import '../../src/compat/node20.js' // @platformatic/kafka on Node 20 (see src/compat/node20.js)
import {fileURLToPath} from 'node:url'
import {Admin, Producer} from '@platformatic/kafka'

export const KAFKA_BOOTSTRAP = process.env.BENCH_KAFKA_BOOTSTRAP ?? '127.0.0.1:9092'
export const KAFKA_URL = `kafka://${KAFKA_BOOTSTRAP}`
/** The broker version whose jars run the Java tools (scripts/kafka/versions.env names it too). */
export const KAFKA_TOOLS_VERSION = process.env.BENCH_KAFKA_VERSION ?? '4.3.1'
export const KAFKA_TOOL = fileURLToPath(new URL('../../scripts/kafka/kafka-tool.sh', import.meta.url))

/** argv of `kafka-consumer-groups.sh ARGS` (ConsumerGroupCommand from the jars, a fresh JVM each time) */
export const consumerGroupsTool = (args) => [KAFKA_TOOL, KAFKA_TOOLS_VERSION, 'consumer-groups', '--bootstrap-server', KAFKA_BOOTSTRAP, ...args]

/** The lag benchmark's names: every topic and group it owns starts with this. */
export const LAG_PREFIX = 'cgbench-lag-'
export const LAG_TOPIC = `${LAG_PREFIX}orders`
export const lagGroup = (i) => `${LAG_PREFIX}g${String(i).padStart(4, '0')}`
/** records per partition of the lag topic; committed offsets are spread over 0..RECORDS-1, so every lag is 1..RECORDS */
export const LAG_RECORDS_PER_PARTITION = 20
/** committed offset of group i on partition p (deterministic, so a rerun can check it) */
export const lagCommitted = (i, p) => (i * 7 + p * 3) % LAG_RECORDS_PER_PARTITION

export function admin() {
  return new Admin({clientId: 'cgbench', bootstrapBrokers: [KAFKA_BOOTSTRAP], timeout: 30_000, retries: 3})
}

async function logEndOffsets(a, topic, partitions) {
  const res = await a.listOffsets({topics: [{name: topic, partitions: Array.from({length: partitions}, (_, p) => ({partitionIndex: p, timestamp: -1n}))}]})
  const out = new Array(partitions).fill(0)
  for (const t of res) for (const p of t.partitions) out[p.partitionIndex] = Number(p.offset)
  return out
}

/** The topic with exactly `partitions` partitions (recreated if it has another count); returns whether it was created. */
async function ensureTopic(a, topic, partitions) {
  const meta = await a.metadata({topics: [topic]}).catch(() => null)
  const have = meta?.topics?.get(topic)?.partitionsCount ?? meta?.topics?.get(topic)?.partitions?.length
  if (have === partitions) return false
  if (have !== undefined) {
    await a.deleteTopics({topics: [topic]})
    await new Promise((r) => setTimeout(r, 2000))
  }
  await a.createTopics({topics: [topic], partitions, replicas: 1})
  // wait until every partition has a leader (listOffsets answers for all of them)
  for (let i = 0; i < 50; i++) {
    try {
      await logEndOffsets(a, topic, partitions)
      return true
    } catch {
      await new Promise((r) => setTimeout(r, 200))
    }
  }
  return true
}

/** Produces until every partition holds `perPartition` records. */
async function fillPartitions(topic, partitions, perPartition, have) {
  const messages = []
  for (let p = 0; p < partitions; p++) {
    for (let n = have[p]; n < perPartition; n++)
      messages.push({topic, partition: p, key: Buffer.from(`k${p}-${n}`), value: Buffer.from(JSON.stringify({order: n, partition: p}))})
  }
  if (!messages.length) return 0
  const producer = new Producer({clientId: 'cgbench-seed', bootstrapBrokers: [KAFKA_BOOTSTRAP], timeout: 30_000, retries: 3})
  try {
    for (let i = 0; i < messages.length; i += 2000) await producer.send({messages: messages.slice(i, i + 2000), acks: -1})
  } finally {
    await producer.close()
  }
  return messages.length
}

/**
 * groups x one topic of `partitions` partitions: LAG_RECORDS_PER_PARTITION records per partition, every group
 * Empty (no members) with a committed offset on every partition (lagCommitted), so every partition lags.
 * Groups cgbench-lag-* beyond `groups` (left by a run of another size) are deleted. Returns what it did and
 * the expected lag of the seeded groups.
 */
export async function seedLag({groups, partitions, log = () => {}}) {
  const a = admin()
  try {
    const t0 = Date.now()
    const created = await ensureTopic(a, LAG_TOPIC, partitions)
    let ends = await logEndOffsets(a, LAG_TOPIC, partitions)
    const produced = await fillPartitions(LAG_TOPIC, partitions, LAG_RECORDS_PER_PARTITION, ends)
    if (produced) ends = await logEndOffsets(a, LAG_TOPIC, partitions)
    if (ends.some((e) => e < LAG_RECORDS_PER_PARTITION))
      throw new Error(`seeding ${LAG_TOPIC}: log-end offsets ${ends.join(',')} (want >= ${LAG_RECORDS_PER_PARTITION} each)`)

    // groups of ours that should not be there (another size), and which of ours are missing or differ
    const listed = await a.listGroups({types: ['classic', 'consumer']})
    const ours = [...listed.keys()].filter((g) => g.startsWith(LAG_PREFIX))
    const want = Array.from({length: groups}, (_, i) => lagGroup(i))
    const wantSet = new Set(want)
    const extra = ours.filter((g) => !wantSet.has(g))
    if (extra.length) {
      for (let i = 0; i < extra.length; i += 100) await a.deleteGroups({groups: extra.slice(i, i + 100)})
    }
    const committed = new Map()
    for (let i = 0; i < want.length; i += 50) {
      const res = await a.listConsumerGroupOffsets({
        groups: want.slice(i, i + 50).map((g) => ({groupId: g, topics: [{name: LAG_TOPIC, partitionIndexes: Array.from({length: partitions}, (_, p) => p)}]})),
      })
      for (const g of res) {
        const offs = new Map()
        for (const t of g.topics ?? []) if (t.name === LAG_TOPIC) for (const p of t.partitions) offs.set(p.partitionIndex, Number(p.committedOffset))
        committed.set(g.groupId, offs)
      }
    }
    let altered = 0
    const todo = want
      .map((g, i) => [g, i])
      .filter(([g, i]) => {
        const offs = committed.get(g)
        for (let p = 0; p < partitions; p++) if (offs?.get(p) !== lagCommitted(i, p)) return true
        return false
      })
    const states = new Map([...listed].map(([g, d]) => [g, d.state]))
    for (let k = 0; k < todo.length; k += 20) {
      await Promise.all(
        todo.slice(k, k + 20).map(async ([g, i]) => {
          if (states.get(g) && !['EMPTY', 'DEAD', 'Empty', 'Dead'].includes(states.get(g)))
            throw new Error(`seeding: group ${g} is ${states.get(g)} (has members), not Empty`)
          await a.alterConsumerGroupOffsets({
            groupId: g,
            topics: [{name: LAG_TOPIC, partitionOffsets: Array.from({length: partitions}, (_, p) => ({partition: p, offset: BigInt(lagCommitted(i, p))}))}],
          })
          altered++
        }),
      )
    }
    let totalLag = 0
    for (let i = 0; i < groups; i++) for (let p = 0; p < partitions; p++) totalLag += ends[p] - lagCommitted(i, p)
    const did = {
      topicCreated: created,
      recordsProduced: produced,
      groupsCommitted: altered,
      extraGroupsDeleted: extra.length,
      reused: !created && !produced && !altered && !extra.length,
      seedMs: Date.now() - t0,
    }
    log(
      `  seeded ${groups} groups x ${partitions} partitions on ${LAG_TOPIC} (${did.reused ? 'reused the state of an earlier run' : `topic ${created ? 'created' : 'kept'}, ${produced} records produced, ${altered} groups committed, ${extra.length} extra groups deleted`}; ${did.seedMs} ms); expected total lag ${totalLag}`,
    )
    return {...did, groups: want, topic: LAG_TOPIC, partitions, logEndOffsets: ends, expectedTotalLag: totalLag}
  } finally {
    await a.close()
  }
}

/** Every group on the broker with its state (both protocols), e.g. to count what --all-groups covers. */
export async function listAllGroups() {
  const a = admin()
  try {
    return await a.listGroups({types: ['classic', 'consumer']})
  } finally {
    await a.close()
  }
}

/**
 * Parses `kafka-consumer-groups.sh --describe` output (the GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET
 * LAG ... table, one block per group) into rows; `-` (no committed offset / unknown) becomes null.
 */
export function parseDescribe(text) {
  const rows = []
  let cols = null
  for (const line of text.split('\n')) {
    const cells = line.trim().split(/\s+/)
    if (cells[0] === 'GROUP' && cells.includes('LAG')) {
      cols = Object.fromEntries(cells.map((c, i) => [c, i]))
      continue
    }
    if (!cols || cells.length < 6 || line.trim() === '') continue
    const num = (c) => (cells[cols[c]] === undefined || cells[cols[c]] === '-' ? null : Number(cells[cols[c]]))
    const partition = num('PARTITION')
    if (partition === null || !Number.isInteger(partition)) continue
    rows.push({group: cells[cols.GROUP], topic: cells[cols.TOPIC], partition, current: num('CURRENT-OFFSET'), logEnd: num('LOG-END-OFFSET'), lag: num('LAG')})
  }
  return rows
}

/**
 * Total lag per group from `cg lag --json` output. Accepts the per-group/topic rows the command prints
 * ({groups: [{group, lag, ...}]}), with or without nested partitions; a row whose lag is null counts as unknown.
 */
export function cgLagByGroup(doc) {
  const rows = Array.isArray(doc) ? doc : (doc.groups ?? doc.rows ?? doc.lag ?? [])
  const out = new Map()
  for (const r of rows) {
    const g = r.group ?? r.groupId ?? r.name
    let lag = r.lag ?? r.totalLag ?? null
    if (lag === null && Array.isArray(r.partitions)) lag = r.partitions.reduce((s, p) => s + (p.lag ?? 0), 0)
    if (lag === null && Array.isArray(r.topics)) lag = r.topics.reduce((s, t) => s + (t.lag ?? 0), 0)
    out.set(g, (out.get(g) ?? 0) + (lag ?? 0))
  }
  return out
}
