import {describe, expect, it} from 'vitest'
import {runCg} from '../../helpers/cli.js'
import {mgmt, queueInfo, RABBIT_URL, useRabbit, waitFor, waitStuck} from '../../helpers/rabbitmq.js'
import {expectValid} from '../../helpers/schemas.js'

const URL = RABBIT_URL

/** Is a connection with this client-provided name still open? */
async function connected(name: string): Promise<boolean> {
  const conns: Array<{user_provided_name?: string}> = await mgmt('GET', 'connections')
  return conns.some((c) => c.user_provided_name === name)
}

describe('rabbitmq: claim QUEUE --idle MS', () => {
  const rmq = useRabbit()

  it('--dry-run names the stuck connection and what else it carries, and changes nothing', async () => {
    const q = await rmq.queue('claim-dry', {messages: 10})
    const other = await rmq.queue('claim-dry-other')
    const s = await rmq.stuck({queue: q, prefetch: 3, alsoConsume: other})
    await waitStuck(q, 3)
    const r = await runCg(['claim', q, '--idle', '0', '--dry-run', '--url', URL, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const doc = r.json()
    expectValid('claim.json', doc)
    expect(doc).toMatchObject({dryRun: true, group: q, sources: [q], type: 'classic', requeues: 3, closed: [], after: null, totals: {claimed: 0, failed: 0}})
    expect(doc.plan).toHaveLength(1)
    const p = doc.plan[0]
    expect(p.connectionName).toBe(s.name)
    expect(p.channels).toHaveLength(2)
    expect(p.channels.find((c: {target: boolean}) => c.target)).toMatchObject({
      number: 1,
      unacked: 3,
      consumers: [expect.objectContaining({tag: s.tag, queue: q})],
    })
    expect(p.alsoCloses.queues).toEqual([other])
    expect(p.alsoCloses.consumers).toEqual([expect.objectContaining({tag: `${s.name}-other`, queue: other})])
    expect(doc.warnings.join('\n')).toContain(`also closes 1 other channel(s) and 1 other consumer(s) on ${other}`)
    expect(await connected(s.name)).toBe(true)
    const human = await runCg(['claim', q, '--idle', '0', '--dry-run', '--url', URL])
    expect(human.stdout).toContain(`Dry run: would close 1 connection(s) to requeue 3 unacked message(s) of ${q}`)
    expect(human.stdout).toContain(`connection "${s.name}"`)
    expect(human.stdout).toContain(`also closes: 1 other channel(s), 1 other consumer(s) on ${other}`)
    expect(human.stderr).toContain('Warning: closing')
    expect((await queueInfo(q)).messages_unacknowledged).toBe(3)
  })

  it("requeues the stuck consumer's unacked messages by closing its connection; a busy-enough channel is left alone", async () => {
    const q = await rmq.queue('claim', {messages: 10})
    const stuck = await rmq.stuck({queue: q, prefetch: 4})
    await waitStuck(q, 4)
    // not idle long enough: nothing closes
    const none = await runCg(['claim', q, '--idle', '3600000', '--url', URL, '--json'])
    expect(none.code, none.stderr).toBe(0)
    const nd = none.json()
    expectValid('claim.json', nd)
    expect(nd.plan).toEqual([])
    expect(nd.skipped).toEqual([expect.objectContaining({reason: 'not idle long enough', unacked: 4})])
    expect(nd.totals).toEqual({claimed: 0, skipped: 4, failed: 0, interrupted: false, error: null, errorCode: null})
    expect(await connected(stuck.name)).toBe(true)

    const r = await runCg(['claim', q, '--idle', '200', '--url', URL, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const doc = r.json()
    expectValid('claim.json', doc)
    expect(doc.closed).toEqual([{connection: doc.plan[0].connection, connectionName: stuck.name, closed: true, error: null}])
    expect(doc.requeues).toBe(4)
    expect(doc.totals).toEqual({claimed: 4, skipped: 0, failed: 0, interrupted: false, error: null, errorCode: null})
    expect(doc.before).toMatchObject({ready: 6, readySource: 'amqp', consumers: 1})
    // all 10 back to ready, no consumer left: confirmed by a passive declare, and the sample caught up
    expect(doc.after).toMatchObject({ready: 10, readySource: 'amqp', consumers: 0})
    // unacked exists only in the 5-s sample: 0 once it caught up, null (unknown) if it did not in time, never stale
    expect([0, null]).toContain(doc.after.unacked)
    await stuck.closed
    expect(await connected(stuck.name)).toBe(false)
    const check = await rmq.ch.checkQueue(q)
    expect(check).toMatchObject({messageCount: 10, consumerCount: 0})
  })

  it('the broker tells the client why: the X-Reason header reaches the closed connection', async () => {
    const q = await rmq.queue('claim-reason', {messages: 2})
    const stuck = await rmq.stuck({queue: q, prefetch: 2})
    await waitStuck(q, 2)
    const r = await runCg(['claim', q, '--idle', '0', '--url', URL])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain(`Closed 1 connection(s) to requeue 2 unacked message(s) of ${q}`)
    expect(r.stdout).toMatch(/queue after: ready 2 \(passive declare\)/)
    const why = await stuck.closed
    expect(why?.message).toContain('CONNECTION_FORCED')
    expect(why?.message).toContain(`closed by cg: requeue unacked messages of queue ${q}`)
  })

  it('a quorum queue with a delivery limit: the plan warns that requeues count toward it', async () => {
    const q = rmq.queueName('claim-quorum')
    await rmq.ch.assertQueue(q, {durable: true, arguments: {'x-queue-type': 'quorum', 'x-delivery-limit': 3}})
    for (let i = 0; i < 5; i++) rmq.ch.sendToQueue(q, Buffer.from(`q${i}`))
    await rmq.ch.checkQueue(q)
    const s = await rmq.stuck({queue: q, prefetch: 2})
    await waitStuck(q, 2)
    const r = await runCg(['claim', q, '--idle', '0', '--url', URL, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const doc = r.json()
    expectValid('claim.json', doc)
    expect(doc).toMatchObject({type: 'quorum', deliveryLimit: {limit: 3, from: 'arguments'}, requeues: 2})
    expect(doc.warnings[0]).toMatch(/quorum queue with a delivery limit of 3 \(from arguments\): each requeue counts toward it/)
    expect(r.stderr).toMatch(/Warning: .*delivery limit of 3/)
    await s.closed
    // the requeued messages carry their delivery count
    const got = await waitFor('a redelivered message', async () => {
      const m = await rmq.ch.get(q, {noAck: false})
      // m is false when the queue is empty: an optional chain would not narrow it
      // biome-ignore lint/complexity/useOptionalChain: false, not undefined
      if (m && m.fields.redelivered) return m
      if (m) rmq.ch.nack(m, false, true)
      return null
    })
    expect(got.properties.headers?.['x-delivery-count']).toBeGreaterThanOrEqual(1)
    rmq.ch.nack(got, false, true)
  })

  it('a queue that does not exist: exit 5', async () => {
    const r = await runCg(['claim', 'cgtest-no-such-queue-x', '--idle', '0', '--url', URL])
    expect(r.code).toBe(5)
    expect(r.stderr).toContain('queue cgtest-no-such-queue-x not found in vhost /')
  })

  it('--idle is required and --to has no meaning on RabbitMQ: usage errors', async () => {
    const q = await rmq.queue('claim-usage')
    expect((await runCg(['claim', q, '--url', URL])).code).toBe(2)
    const to = await runCg(['claim', q, '--idle', '0', '--to', 'w2', '--url', URL])
    expect(to.code).toBe(2)
    expect(to.stderr).toContain('--to is for Redis; it means nothing on RabbitMQ')
  })
})

describe('rabbitmq: flags of another broker', () => {
  const rmq = useRabbit()

  it('are usage errors (exit 2) naming the flag, and nothing is closed, read or moved', async () => {
    const q = await rmq.queue('foreign', {messages: 5})
    const s = await rmq.stuck({queue: q, prefetch: 2})
    await waitStuck(q, 2)
    const cases: Array<[string[], string]> = [
      [['claim', q, '--idle', '0', '--no-justid'], '--justid is for Redis'],
      [['claim', q, '--idle', '0', '--from', 'w1'], '--from is for Redis'],
      [['claim', q, '--idle', '0', '--count', '5'], '--count is for Redis'],
      [['consumer', 'delete', q, s.tag, '--force'], '--force is for Redis'],
      [['pending', q, '--min-idle', '10'], '--min-idle is for Redis'],
      [['lag', q, '--window', '30s'], '--window is for Kafka'],
      [['dlq', 'replay', q, '--to', 'elsewhere'], '--to is for Kafka'],
      [['dlq', 'purge', q, '--ids', '1-0', '--yes'], '--ids is for Redis'],
    ]
    for (const [args, says] of cases) {
      const r = await runCg([...args, '--url', URL])
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2)
      expect(r.stderr).toContain(`${says}; it means nothing on RabbitMQ`)
      expect(r.stdout).toBe('')
      const j = await runCg([...args, '--url', URL, '--json'])
      expect(j.code).toBe(2)
      expect(j.json().error.code).toBe('usage')
    }
    expect(await connected(s.name)).toBe(true)
    expect(await rmq.ch.checkQueue(q)).toMatchObject({messageCount: 3, consumerCount: 1})
  })
})

describe('rabbitmq: consumer delete QUEUE TAG', () => {
  const rmq = useRabbit()

  it('says what else the connection carries, then closes only that connection', async () => {
    const q = await rmq.queue('cdel', {messages: 10})
    const other = await rmq.queue('cdel-other')
    const victim = await rmq.stuck({queue: q, prefetch: 2, alsoConsume: other})
    const bystander = await rmq.stuck({queue: q, prefetch: 3})
    await waitStuck(q, 5)
    const dry = await runCg(['consumer', 'delete', q, victim.tag, '--dry-run', '--url', URL, '--json'])
    expect(dry.code, dry.stderr).toBe(0)
    const dd = dry.json()
    expectValid('consumer-delete.json', dd)
    expect(dd).toMatchObject({dryRun: true, closed: false, tag: victim.tag, requeues: 2})
    expect(dd.connection.connectionName).toBe(victim.name)
    expect(dd.connection.alsoCloses.consumers).toEqual([expect.objectContaining({tag: `${victim.name}-other`, queue: other})])
    expect(await connected(victim.name)).toBe(true)
    const human = await runCg(['consumer', 'delete', q, victim.tag, '--dry-run', '--url', URL])
    expect(human.stdout).toContain(`Dry run: would close the connection of consumer ${victim.tag} of ${q}`)
    expect(human.stdout).toContain(`also closes: 1 other channel(s), 1 other consumer(s) on ${other}`)

    const r = await runCg(['consumer', 'delete', q, victim.tag, '--url', URL, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const doc = r.json()
    expectValid('consumer-delete.json', doc)
    expect(doc).toMatchObject({closed: true, requeues: 2})
    expect(doc.after).toMatchObject({ready: 7, readySource: 'amqp', consumers: 1})
    await victim.closed
    expect(await connected(victim.name)).toBe(false)
    expect(await connected(bystander.name)).toBe(true)
  })

  it("an unknown tag: exit 5 naming the queue's consumers", async () => {
    const q = await rmq.queue('cdel-missing', {messages: 1})
    const s = await rmq.stuck({queue: q, prefetch: 1})
    await waitStuck(q, 1)
    const r = await runCg(['consumer', 'delete', q, 'no-such-tag', '--url', URL])
    expect(r.code).toBe(5)
    expect(r.stderr).toContain(`no consumer with tag no-such-tag on queue ${q}`)
    expect(r.stderr).toContain(s.tag)
  })

  it('--handoff is a Redis flag: a usage error on RabbitMQ (exit 2)', async () => {
    const r = await runCg(['consumer', 'delete', 'q', 'tag', '--handoff', 'other', '--url', URL])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('--handoff is for Redis; it means nothing on RabbitMQ')
  })
})
