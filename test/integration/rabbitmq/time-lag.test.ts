// Time behind (timeLagMs from the management API's head_message_timestamp) in cg lag and cg groups, and the
// status read (the driver's `status` operation, called through the driver module with a real connection).
import amqp from 'amqplib'
import {afterAll, beforeAll, describe, expect, it, vi} from 'vitest'
import {driver} from '../../../src/brokers/rabbitmq/rabbitmq-driver.js'
import type {RabbitGroupStatus, RabbitStatusResult} from '../../../src/brokers/rabbitmq/rabbitmq-status.js'
import type {RabbitAdapter} from '../../../src/brokers/rabbitmq/rabbitmq-types.js'
import type {RunContext, StatusFlags} from '../../../src/core/requests.js'
import {CgError} from '../../../src/errors/cg-error.js'
import {buildProfile} from '../../../src/profiles/resolve.js'
import {runCg} from '../../helpers/cli.js'
import {enc, mgmt, queueInfo, RABBIT_URL, useRabbit, waitFor} from '../../helpers/rabbitmq.js'
import {expectValid} from '../../helpers/schemas.js'

const URL = RABBIT_URL
const HOUR = 3_600_000

/** publishes `n` messages to `queue`, each with the AMQP timestamp (whole seconds) of `atMs`, or none */
async function publish(ch: amqp.Channel, queue: string, n: number, atMs: number | null): Promise<void> {
  for (let i = 0; i < n; i++) ch.sendToQueue(queue, Buffer.from(`m${i}`), atMs === null ? {} : {timestamp: Math.floor(atMs / 1000)})
  await ch.checkQueue(queue)
}

describe('rabbitmq: time behind in cg lag and cg groups', () => {
  const rmq = useRabbit()

  it('messages stamped an hour ago: timeLagMs within a second of their true age, in lag and groups, JSON and table', async () => {
    const q = await rmq.queue('tl')
    const stampedAt = Date.now() - HOUR
    await publish(rmq.ch, q, 3, stampedAt)
    await publish(rmq.ch, q, 2, Date.now())
    // the management API samples every ~5 s, and the head timestamp and the counts may arrive in different samples:
    // wait until one sample has both
    await waitFor('head_message_timestamp and the count', async () => {
      const info = await queueInfo(q)
      return typeof info.head_message_timestamp === 'number' && info.messages_ready === 5
    })
    for (const cmd of ['lag', 'groups']) {
      const before = Date.now()
      const r = await runCg([cmd, q, '--url', URL, '--json'])
      const after = Date.now()
      expect(r.code, r.stderr).toBe(0)
      const doc = r.json()
      expectValid(`${cmd}.json`, doc)
      const row = doc.groups[0]
      expect(row).toMatchObject({group: q, lag: 5, timeLagNote: null})
      // the true age is between (before - stampedAt) and (after - stampedAt); AMQP timestamps are whole seconds
      expect(row.timeLagMs).toBeGreaterThanOrEqual(before - stampedAt - 1000)
      expect(row.timeLagMs).toBeLessThanOrEqual(after - stampedAt + 1000)
      expect(row.timeLagMs).toBeGreaterThan(HOUR - 2000)
      const human = await runCg([cmd, q, '--url', URL])
      expect(human.stdout).toMatch(/TIME-LAG/)
      expect(human.stdout).toMatch(new RegExp(`${q}\\s+classic\\s+.*\\b1h0m\\b`))
    }
  })

  it('messages without a timestamp: null with the reason, in JSON and in the table', async () => {
    const q = await rmq.queue('nots')
    await publish(rmq.ch, q, 4, null)
    await waitFor('the sample of the queue', async () => (await queueInfo(q)).messages_ready === 4)
    for (const cmd of ['lag', 'groups']) {
      const doc = (await runCg([cmd, q, '--url', URL, '--json'])).json()
      expectValid(`${cmd}.json`, doc)
      expect(doc.groups[0]).toMatchObject({lag: 4, timeLagMs: null, timeLagNote: 'head message has no timestamp'})
      const human = await runCg([cmd, q, '--url', URL])
      expect(human.stdout).toMatch(new RegExp(`${q}\\s+classic\\s+.*4\\s+head message has no timestamp`))
    }
  })

  it('an empty queue: null and no reason (nothing waits); the table says "-"', async () => {
    const q = await rmq.queue('empty')
    await waitFor('the sample of the queue', async () => (await queueInfo(q)).messages_ready === 0)
    const doc = (await runCg(['lag', q, '--url', URL, '--json'])).json()
    expect(doc.groups[0]).toMatchObject({lag: 0, timeLagMs: null, timeLagNote: null})
    const human = await runCg(['lag', q, '--url', URL])
    expect(human.stdout).toMatch(new RegExp(`${q}\\s+classic\\s+0\\s+-\\s+0`))
  })

  it('a quorum queue with stamped messages: null, as quorum queues report no head timestamp', async () => {
    const q = rmq.queueName('qq')
    await rmq.ch.assertQueue(q, {durable: true, arguments: {'x-queue-type': 'quorum'}})
    await publish(rmq.ch, q, 2, Date.now() - HOUR)
    const doc = (await runCg(['lag', q, '--url', URL, '--json'])).json()
    expectValid('lag.json', doc)
    // the ready count comes from the passive declare, the sample is not needed
    expect(doc.groups[0]).toMatchObject({type: 'quorum', lag: 2, timeLagMs: null, timeLagNote: 'quorum queues report no head timestamp'})
  })

  it('a lazy classic queue keeps its head on disk: null with that reason', async () => {
    const q = await rmq.queue('lazy', {args: {'x-queue-mode': 'lazy'}})
    await publish(rmq.ch, q, 3, Date.now() - HOUR)
    await waitFor('the sample of the queue', async () => (await queueInfo(q)).messages_ready === 3)
    const doc = (await runCg(['lag', q, '--url', URL, '--json'])).json()
    expect(doc.groups[0]).toMatchObject({lag: 3, timeLagMs: null, timeLagNote: 'head message paged out to disk'})
  })
})

const silent: RunContext = {
  signal: new AbortController().signal,
  progress: () => ({add: () => undefined, done: () => undefined}),
  warn: () => undefined,
  debug: () => undefined,
}

describe('rabbitmq: the status read', () => {
  const rmq = useRabbit()
  let conn: RabbitAdapter
  const profile = buildProfile(null, 'flag', {}, URL, undefined, {})

  beforeAll(async () => {
    conn = await driver.connect(profile, {timeoutMs: 10_000})
  })
  afterAll(async () => {
    await conn?.close()
  })

  const status = async (args: string[], flags: StatusFlags = {}): Promise<RabbitStatusResult> => {
    const op = driver.ops.status
    if (!op) throw new Error('the RabbitMQ driver has no status operation')
    return (await op(conn, {args, flags, profile, run: silent})) as RabbitStatusResult
  }

  it('QUEUE: lag, time behind, consumers, pending, dead-letter queue and depth, consumed and produced counters', async () => {
    const {source, dlq} = await rmq.dlxSetup()
    const stampedAt = Date.now() - HOUR
    await publish(rmq.ch, source, 6, stampedAt)
    // 2 rejected into the DLQ, 1 acked, 1 held unacknowledged, 2 left ready
    const worker = await rmq.conn.createChannel()
    rmq.defer(() => worker.close())
    for (let i = 0; i < 2; i++) {
      const m = await worker.get(source, {noAck: false})
      if (m) worker.nack(m, false, false)
    }
    const acked = await worker.get(source, {noAck: false})
    if (acked) worker.ack(acked)
    expect(await worker.get(source, {noAck: false})).toBeTruthy()
    const want = (s: RabbitGroupStatus) => s.lag === 2 && s.pending === 3 && s.consumed === 1 && s.produced === 6 && s.dlq?.depth === 2 && s.timeLagMs !== null
    let before = 0
    let after = 0
    const r = await waitFor('the management sample of the source queue and its DLQ', async () => {
      before = Date.now()
      const res = await status([source])
      after = Date.now()
      return want(res.groups[0]) ? res : null
    })
    expect(r.broker).toBe('rabbitmq')
    expect(r.takenAt).toBeGreaterThanOrEqual(before)
    expect(r.takenAt).toBeLessThanOrEqual(after)
    expect(r.groups).toHaveLength(1)
    const g = r.groups[0]
    expect(g).toMatchObject({
      group: source,
      sources: [source],
      vhost: '/',
      type: 'classic',
      lag: 2,
      timeLagNote: null,
      consumers: 0,
      pending: 3,
      oldestPendingMs: null,
      maxDeliveries: null,
      dlq: {name: dlq, depth: 2},
      consumed: 1,
      produced: 6,
      partitions: null,
    })
    expect(g.timeLagMs).toBeGreaterThanOrEqual(r.takenAt - stampedAt - 1000)
    expect(g.timeLagMs).toBeLessThanOrEqual(r.takenAt - stampedAt + 1000)
    // the DLQ itself has no dead-letter settings
    const d = (await status([dlq])).groups[0]
    expect(d).toMatchObject({group: dlq, dlq: null})
  })

  it('a missing queue or vhost: not_found (exit 5)', async () => {
    const missing = rmq.queueName('missing')
    await expect(status([missing])).rejects.toMatchObject({code: 'not_found', message: `queue ${missing} not found in vhost /`})
    const err = await status([], {vhost: 'cgtest-no-such-vhost'}).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(CgError)
    expect((err as CgError).code).toBe('not_found')
  })

  it('every queue of a vhost in one listing: default-exchange and named-exchange DLQs, ambiguous and dangling ones null, no stats = null counters', async () => {
    const vhost = await rmq.vhost()
    const c = await amqp.connect(`${URL}/${enc(vhost)}`)
    rmq.defer(() => c.close())
    const ch = await c.createChannel()
    // a DLQ reached through the default exchange by its routing key
    await ch.assertQueue('byname.dlq', {durable: false})
    await ch.assertQueue('byname', {durable: false, arguments: {'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': 'byname.dlq'}})
    await publish(ch, 'byname.dlq', 3, null)
    // a fanout exchange bound to two queues: which one is the DLQ cannot be told
    await ch.assertExchange('two.dlx', 'fanout', {durable: false})
    for (const q of ['two.a', 'two.b']) {
      await ch.assertQueue(q, {durable: false})
      await ch.bindQueue(q, 'two.dlx', '')
    }
    await ch.assertQueue('two', {durable: false, arguments: {'x-dead-letter-exchange': 'two.dlx'}})
    // the default exchange naming a queue that does not exist: dead letters are dropped
    await ch.assertQueue('dangling', {durable: false, arguments: {'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': 'nowhere'}})
    // a direct exchange routing by the dead-letter key
    await ch.assertExchange('keyed.dlx', 'direct', {durable: false})
    await ch.assertQueue('keyed.dlq', {durable: false})
    await ch.assertQueue('keyed.other', {durable: false})
    await ch.bindQueue('keyed.dlq', 'keyed.dlx', 'dead')
    await ch.bindQueue('keyed.other', 'keyed.dlx', 'other')
    await ch.assertQueue('keyed', {durable: false, arguments: {'x-dead-letter-exchange': 'keyed.dlx', 'x-dead-letter-routing-key': 'dead'}})
    const total = 9
    // the depth and the publish counter are sampled apart: wait for both
    await waitFor('the sample of byname.dlq', async () => {
      const q = await queueInfo('byname.dlq', vhost)
      return q.messages_ready === 3 && q.message_stats?.publish === 3
    })
    const api = conn.management()
    const get = vi.spyOn(api, 'get')
    const r = await status([], {vhost})
    const paths = get.mock.calls.map(([p]) => p)
    get.mockRestore()
    // the vhost check, ONE listing of the queues, and one bindings call per named dead-letter exchange
    expect(paths.filter((p) => p.startsWith('queues'))).toEqual([`queues/${enc(vhost)}`])
    expect(paths.filter((p) => p.startsWith('exchanges')).sort()).toEqual([
      `exchanges/${enc(vhost)}/keyed.dlx/bindings/source`,
      `exchanges/${enc(vhost)}/two.dlx/bindings/source`,
    ])
    expect(paths).toHaveLength(4)
    expect(r.groups).toHaveLength(total)
    const by = new Map(r.groups.map((g) => [g.group, g]))
    expect(r.groups.every((g) => g.vhost === vhost && g.sources[0] === g.group)).toBe(true)
    expect(by.get('byname')?.dlq).toEqual({name: 'byname.dlq', depth: 3})
    expect(by.get('keyed')?.dlq).toEqual({name: 'keyed.dlq', depth: 0})
    expect(by.get('two')?.dlq).toBeNull()
    expect(by.get('dangling')?.dlq).toBeNull()
    expect(by.get('byname.dlq')).toMatchObject({lag: 3, pending: 3, timeLagMs: null, timeLagNote: 'head message has no timestamp', produced: 3})
    // a queue nothing ever happened on has no message_stats: its counters are unknown, not 0
    expect(by.get('two.a')).toMatchObject({lag: 0, timeLagMs: null, timeLagNote: null, consumed: null, produced: null})
  })

  it('more dead-letter exchanges than calls allowed: one listing of the bindings instead', async () => {
    const vhost = await rmq.vhost()
    const c = await amqp.connect(`${URL}/${enc(vhost)}`)
    rmq.defer(() => c.close())
    const ch = await c.createChannel()
    const n = 12
    for (let i = 0; i < n; i++) {
      await ch.assertExchange(`x${i}`, 'fanout', {durable: false})
      await ch.assertQueue(`q${i}.dlq`, {durable: false})
      await ch.bindQueue(`q${i}.dlq`, `x${i}`, '')
      await ch.assertQueue(`q${i}`, {durable: false, arguments: {'x-dead-letter-exchange': `x${i}`}})
    }
    await publish(ch, 'q7.dlq', 2, null)
    await waitFor('the sample of q7.dlq', async () => (await mgmt('GET', `queues/${enc(vhost)}/q7.dlq`)).messages_ready === 2)
    const api = conn.management()
    const get = vi.spyOn(api, 'get')
    const r = await status([], {vhost})
    const paths = get.mock.calls.map(([p]) => p)
    get.mockRestore()
    expect(paths.filter((p) => !p.startsWith('vhosts/'))).toEqual([`queues/${enc(vhost)}`, `bindings/${enc(vhost)}`])
    expect(r.groups).toHaveLength(2 * n)
    const by = new Map(r.groups.map((g) => [g.group, g]))
    for (let i = 0; i < n; i++) expect(by.get(`q${i}`)?.dlq).toEqual({name: `q${i}.dlq`, depth: i === 7 ? 2 : 0})
  })

  it('without --vhost: every vhost, each row naming its vhost', async () => {
    const vhost = await rmq.vhost()
    const c = await amqp.connect(`${URL}/${enc(vhost)}`)
    rmq.defer(() => c.close())
    const ch = await c.createChannel()
    const name = rmq.queueName('both')
    await ch.assertQueue(name, {durable: false})
    await rmq.ch.assertQueue(name, {durable: false})
    const r = await status([])
    const rows = r.groups.filter((g) => g.group === name)
    expect(rows.map((g) => g.vhost).sort()).toEqual(['/', vhost].sort())
  })
})
