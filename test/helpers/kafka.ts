// Kafka fixtures for the integration tests: the brokers `npm run brokers:up` starts (scripts/kafka/).
// A test that cannot reach them fails; it never skips. Groups are made by real clients: classic members
// from @platformatic/kafka that join and commit, KIP-848 members from the Java console consumer.
import {execFileSync, spawn, type ChildProcess} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {fileURLToPath} from 'node:url'
import {Admin, Consumer, Producer, stringSerializers} from '@platformatic/kafka'
import {afterAll, beforeAll} from 'vitest'

export {uniq} from './redis.js'

/** The newest 4.x (primary) and 3.9.x (compatibility) brokers. */
export const KAFKA_TARGETS = [
  {name: 'kafka-4', url: 'kafka://127.0.0.1:9092', bootstrap: '127.0.0.1:9092', version: 'latest'},
  {name: 'kafka-3.9', url: 'kafka://127.0.0.1:9192', bootstrap: '127.0.0.1:9192', version: 'compat'},
] as const
export const KAFKA = KAFKA_TARGETS[0]
export const KAFKA_COMPAT = KAFKA_TARGETS[1]
export type KafkaTarget = (typeof KAFKA_TARGETS)[number]

/**
 * The 4.x broker's SASL_PLAINTEXT listener (scripts/kafka/kafka-up.sh): PLAIN user cg, SCRAM-SHA-256 and
 * SCRAM-SHA-512 user cg-scram, both with password cg-secret.
 */
export const KAFKA_SASL = {
  url: 'kafka://127.0.0.1:9094',
  bootstrap: '127.0.0.1:9094',
  plain: {username: 'cg', password: 'cg-secret'},
  scram: {username: 'cg-scram', password: 'cg-secret'},
} as const

/**
 * The 4.x broker's TLS and OAUTHBEARER listeners (scripts/kafka/kafka-up.sh), with the certificates of
 * scripts/certs.sh: SSL, SSL requiring a client certificate (mTLS), SASL_SSL (SCRAM-SHA-256/512 user
 * cg-scram/cg-secret), SASL_PLAINTEXT with OAUTHBEARER (Kafka's unsecured JWT validator: alg "none"
 * tokens with sub and exp; re-authentication on), and SSL with an expired server certificate.
 */
export const KAFKA_TLS = {
  ssl: '127.0.0.1:9095',
  mtls: '127.0.0.1:9096',
  saslSsl: '127.0.0.1:9097',
  oauth: '127.0.0.1:9098',
  expired: '127.0.0.1:9099',
} as const

/** The directory of the test certificates (made by scripts/certs.sh on first use). */
export function testCerts(): string {
  return execFileSync('bash', [fileURLToPath(new URL('../../scripts/certs.sh', import.meta.url))], {encoding: 'utf8'}).trim()
}

/** An unsecured JWT (alg "none") as Kafka's OAuthBearerUnsecuredValidatorCallbackHandler takes it. */
export function unsecuredJwt(sub: string, lifetimeSeconds: number): string {
  const b = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')
  const now = Math.floor(Date.now() / 1000)
  return `${b({alg: 'none'})}.${b({sub, iat: now, exp: now + lifetimeSeconds})}.`
}

export const KAFKA_TOOL = fileURLToPath(new URL('../../scripts/kafka/kafka-tool.sh', import.meta.url))

/** A unique name that is a legal topic name too (letters, digits, ".", "_", "-"). */
export function kname(prefix = 't'): string {
  return `cgtest.${prefix}.${randomBytes(4).toString('hex')}`
}

// a bootstrap may list several brokers (a cluster): host:port,host:port
const base = (bootstrap: string) => ({clientId: 'cg-test', bootstrapBrokers: bootstrap.split(','), timeout: 10_000, retries: 2, retryDelay: 250})

/** An admin client for setting up state; close it when done. */
export function kafkaAdmin(bootstrap: string = KAFKA.bootstrap): Admin {
  return new Admin(base(bootstrap))
}

/** Creates a topic with this many partitions (replication 1, or `replicas`) and waits until its leaders are known. */
export async function createTopic(admin: Admin, topic: string, partitions = 1, replicas = 1): Promise<void> {
  await admin.createTopics({topics: [topic], partitions, replicas})
  for (let i = 0; i < 50; i++) {
    const meta = await admin.metadata({topics: [topic], forceUpdate: true}).catch(() => undefined)
    const t = meta?.topics.get(topic)
    if (t && t.partitions.length === partitions && t.partitions.every((p) => p && p.leader >= 0)) return
    await sleep(100)
  }
  throw new Error(`topic ${topic} has no leaders after 5 s`)
}

export async function deleteTopics(admin: Admin, topics: string[]): Promise<void> {
  if (topics.length) await admin.deleteTopics({topics}).catch(() => {})
}

export async function deleteGroups(admin: Admin, groups: string[]): Promise<void> {
  for (const g of groups) await admin.deleteGroups({groups: [g]}).catch(() => {})
}

/**
 * Produces n records to a topic, record i to partition i % partitions (so each partition's count is
 * known), keys k<i>, values v<i>. Returns the count per partition. With `timestamp`, record i carries the
 * create time timestamp(i, partition, offset) (ms; offset = its offset when the partition was empty before).
 */
export async function produce(
  bootstrap: string,
  topic: string,
  n: number,
  partitions = 1,
  opts: {timestamp?: (i: number, partition: number, offset: number) => number} = {},
): Promise<number[]> {
  const producer = new Producer({...base(bootstrap), serializers: stringSerializers, idempotent: true})
  const counts = Array.from({length: partitions}, () => 0)
  try {
    for (let start = 0; start < n; start += 1000) {
      const messages = []
      for (let i = start; i < Math.min(n, start + 1000); i++) {
        const partition = i % partitions
        const timestamp = opts.timestamp ? {timestamp: BigInt(opts.timestamp(i, partition, counts[partition]))} : {}
        messages.push({topic, partition, key: `k${i}`, value: `v${i}`, ...timestamp})
        counts[partition]++
      }
      await producer.send({messages, acks: -1})
    }
  } finally {
    await producer.close()
  }
  return counts
}

/** Commits offsets for a group through the admin API (the group must be empty): {topic: [offset per partition]}. */
export async function commitOffsets(admin: Admin, group: string, offsets: Record<string, number[]>): Promise<void> {
  await admin.alterConsumerGroupOffsets({
    groupId: group,
    topics: Object.entries(offsets).map(([name, list]) => ({name, partitionOffsets: list.map((o, partition) => ({partition, offset: BigInt(o)}))})),
  })
}

/** Total committed offsets of a group per topic (raw OffsetFetch). */
export async function committedTotal(admin: Admin, group: string): Promise<number> {
  const [g] = await admin.listConsumerGroupOffsets({groups: [group]})
  let total = 0
  for (const t of g?.topics ?? []) for (const p of t.partitions) if (p.committedOffset >= 0n) total += Number(p.committedOffset)
  return total
}

export interface MemberHandle {
  memberId: string
  clientId: string
  /** how many records it committed */
  committed: () => number
  stop: () => Promise<void>
}

/**
 * A classic-protocol consumer from @platformatic/kafka that joins `group`, reads `topics` from the earliest
 * offset and commits the first `commit` records it reads (one commit per record, so the committed count is
 * exact), then stays in the group (heartbeating) without committing more, until stop().
 */
export async function classicMember(opts: {
  bootstrap?: string
  group: string
  topics: string[]
  commit: number
  clientId?: string
  instanceId?: string
  timeoutMs?: number
}): Promise<MemberHandle> {
  const clientId = opts.clientId ?? `cg-test-${randomBytes(3).toString('hex')}`
  const consumer = new Consumer({
    ...base(opts.bootstrap ?? KAFKA.bootstrap),
    clientId,
    groupId: opts.group,
    ...(opts.instanceId ? {groupInstanceId: opts.instanceId} : {}),
    sessionTimeout: 10_000,
    heartbeatInterval: 1000,
    autocommit: false,
  })
  let committed = 0
  let failure: unknown
  const stream = await consumer.consume({topics: opts.topics, mode: 'earliest', autocommit: false, maxWaitTime: 200})
  let chain = Promise.resolve()
  stream.on('data', (message) => {
    chain = chain.then(async () => {
      if (committed >= opts.commit) return
      try {
        await message.commit()
        committed++
      } catch (error) {
        failure = error
      }
    })
  })
  stream.on('error', (error) => (failure = error))
  // a failed rejoin (the broker closed the connection, a restart) is an 'error' event of the consumer: kept,
  // never an uncaught exception in the test process
  consumer.on('error', (error: unknown) => (failure ??= error))
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000)
  while ((committed < opts.commit || !consumer.memberId) && Date.now() < deadline && !failure) await sleep(50)
  if (failure || committed < opts.commit || !consumer.memberId) {
    await within(10_000, closeMember(stream, consumer))
    throw new Error(`classic member of ${opts.group}: committed ${committed}/${opts.commit}${failure ? `: ${String(failure)}` : ' (timed out)'}`)
  }
  return {
    memberId: consumer.memberId,
    clientId,
    committed: () => committed,
    // bounded: leaving the group waits for the coordinator, which a closed connection may never answer
    stop: () => within(10_000, closeMember(stream, consumer)),
  }
}

async function closeMember(stream: {close(): Promise<unknown>}, consumer: {close(force: boolean): unknown}): Promise<void> {
  await stream.close().catch(() => {})
  await Promise.resolve(consumer.close(true) as Promise<void>).catch(() => {})
}

/** `work`, or nothing more after `ms` (a stuck close must not hold a test's teardown). */
function within(ms: number, work: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer))
}

/**
 * A KIP-848 (group.protocol=consumer) member: Apache Kafka's console consumer (4.x jars) reading `topic`
 * from the beginning with auto-commit every 200 ms. Resolves once the group's committed offsets reach
 * `expectCommitted` (the records produced; default: any commit), and it keeps running until stop().
 */
export async function kip848Member(opts: {
  bootstrap?: string
  version?: string
  group: string
  topic: string
  expectCommitted?: number
  clientId?: string
  maxMessages?: number
  timeoutMs?: number
}): Promise<MemberHandle & {process: ChildProcess}> {
  const bootstrap = opts.bootstrap ?? KAFKA.bootstrap
  const clientId = opts.clientId ?? `cg-test-java-${randomBytes(3).toString('hex')}`
  const args = [
    opts.version ?? 'latest',
    'console-consumer',
    '--bootstrap-server',
    bootstrap,
    '--topic',
    opts.topic,
    '--group',
    opts.group,
    '--from-beginning',
    '--consumer-property',
    'group.protocol=consumer',
    '--consumer-property',
    `client.id=${clientId}`,
    '--consumer-property',
    'auto.commit.interval.ms=200',
    ...(opts.maxMessages !== undefined ? ['--consumer-property', `max.poll.records=${opts.maxMessages}`] : []),
  ]
  const {child, stderr, exited, stop} = backgroundTool(args)
  const admin = kafkaAdmin(bootstrap)
  let total = 0
  try {
    const deadline = Date.now() + (opts.timeoutMs ?? 60_000)
    for (;;) {
      total = await committedTotal(admin, opts.group).catch(() => 0)
      if (opts.expectCommitted === undefined ? total > 0 : total >= opts.expectCommitted) break
      if (exited()) throw new Error(`console consumer exited early:\n${stderr()}`)
      if (Date.now() > deadline) throw new Error(`console consumer of ${opts.group}: committed ${total} after ${opts.timeoutMs ?? 60_000} ms\n${stderr()}`)
      await sleep(250)
    }
  } catch (error) {
    await stop()
    throw error
  } finally {
    await admin.close()
  }
  return {memberId: '', clientId, committed: () => total, stop, process: child}
}

/** Runs one of Apache Kafka's tools from the Maven jars (scripts/kafka/kafka-tool.sh); resolves with its output. */
/**
 * A Kafka tool of the cached jars (scripts/kafka/kafka-tool.sh ARGS) running in the background: what it wrote to
 * stderr, whether it has exited, and stop() (SIGTERM, SIGKILL after 8 s).
 */
export function backgroundTool(args: string[]): {child: ChildProcess; stderr: () => string; exited: () => boolean; stop: () => Promise<void>} {
  const child = spawn(KAFKA_TOOL, args, {stdio: ['ignore', 'ignore', 'pipe']})
  let stderr = ''
  child.stderr!.on('data', (d) => (stderr += d))
  let exited = false
  const exit = new Promise<void>((resolve) =>
    child.on('exit', () => {
      exited = true
      resolve()
    }),
  )
  const stop = async () => {
    if (exited) return
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 8000)
    await exit
    clearTimeout(timer)
  }
  return {child, stderr: () => stderr, exited: () => exited, stop}
}

export function kafkaTool(version: string, tool: string, args: string[], timeoutMs = 120_000): Promise<{code: number | null; stdout: string; stderr: string}> {
  return new Promise((resolve, reject) => {
    const child = spawn(KAFKA_TOOL, [version, tool, ...args], {stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code, stdout, stderr})
    })
  })
}

/** Polls fn until it returns a truthy value (or throws after timeoutMs). */
export async function waitFor<T>(fn: () => Promise<T> | T, timeoutMs = 30_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const v = await fn()
      if (v) return v
    } catch (error) {
      last = error
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`)
    await sleep(200)
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * For a describe block: before its tests, a topic of 2 partitions with 10 records (5 each) and `group` committed
 * at offsets 2 and 3 (lag 5) on the plain-text listener of `bootstrap`; after them, both deleted.
 */
export function withLaggingGroup(bootstrap: string, topic: string, group: string): void {
  let admin: Admin
  beforeAll(async () => {
    admin = kafkaAdmin(bootstrap)
    await createTopic(admin, topic, 2)
    await produce(bootstrap, topic, 10, 2)
    await commitOffsets(admin, group, {[topic]: [2, 3]})
  }, 60_000)
  afterAll(async () => {
    await deleteGroups(admin, [group])
    await deleteTopics(admin, [topic])
    await admin.close()
  }, 60_000)
}
