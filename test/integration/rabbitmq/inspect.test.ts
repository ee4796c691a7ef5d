import {describe, expect, it} from 'vitest'
import {runCg} from '../../helpers/cli.js'
import {enc, mgmt, RABBIT_URL, useRabbit, waitFor, waitStuck} from '../../helpers/rabbitmq.js'
import {expectValid} from '../../helpers/schemas.js'

const URL = RABBIT_URL

describe('rabbitmq: groups, consumers, pending, lag', () => {
  const rmq = useRabbit()

  it('groups QUEUE: type, counts, dead-letter settings from arguments; utilisation null without consumers', async () => {
    const {source, dlx} = await rmq.dlxSetup({'x-dead-letter-routing-key': 'dead.key'})
    for (let i = 0; i < 4; i++) rmq.ch.sendToQueue(source, Buffer.from('x'))
    await rmq.ch.checkQueue(source)
    await waitFor('stats of the new queue', async () => (await mgmt('GET', `queues/%2F/${enc(source)}`)).messages_ready === 4)
    const r = await runCg(['groups', source, '--url', URL, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const doc = r.json()
    expectValid('groups.json', doc)
    expect(doc.broker).toBe('rabbitmq')
    expect(doc.serverVersion).toMatch(/^3\.10\./)
    expect(doc.groups).toHaveLength(1)
    expect(doc.groups[0]).toMatchObject({
      group: source,
      sources: [source],
      vhost: '/',
      type: 'classic',
      consumers: 0,
      lag: 4,
      unacked: 0,
      consumerUtilisation: null,
      deliveryLimit: null,
    })
    expect(doc.groups[0].deadLetter).toEqual({exchange: dlx, routingKey: 'dead.key', from: 'arguments', policy: null, strategy: null})
    const human = await runCg(['groups', source, '--url', URL])
    expect(human.stdout).toMatch(
      new RegExp(`${source}\\s+classic\\s+0\\s+4\\s+head message has no timestamp\\s+0\\s+unknown\\s+${dlx} key dead.key \\(arguments\\)`),
    )
  })

  it('groups: dead-letter settings from a policy say so and name the policy; quorum queues show their delivery limit', async () => {
    const q = await rmq.queue('polq')
    const dlx = rmq.exchangeName('poldlx')
    const policy = await rmq.policy(`^${q}$`, {'dead-letter-exchange': dlx})
    const quorum = rmq.queueName('quorum')
    await rmq.ch.assertQueue(quorum, {durable: true, arguments: {'x-queue-type': 'quorum', 'x-delivery-limit': 5}})
    const plainQuorum = rmq.queueName('quorum0')
    await rmq.ch.assertQueue(plainQuorum, {durable: true, arguments: {'x-queue-type': 'quorum'}})
    const row = await waitFor('the policy applied', async () => {
      const doc = (await runCg(['groups', q, '--url', URL, '--json'])).json()
      return doc.groups[0].deadLetter ? doc.groups[0] : null
    })
    expect(row.deadLetter).toMatchObject({exchange: dlx, routingKey: null, from: 'policy', policy})
    const qq = (await runCg(['groups', quorum, '--url', URL, '--json'])).json()
    expectValid('groups.json', qq)
    expect(qq.groups[0]).toMatchObject({type: 'quorum', deliveryLimit: {limit: 5, from: 'arguments'}})
    // RabbitMQ 3.x: no delivery limit unless one is set
    const q0 = (await runCg(['groups', plainQuorum, '--url', URL, '--json'])).json()
    expect(q0.groups[0].deliveryLimit).toEqual({limit: null, from: 'default'})
  })

  it('groups --vhost pages through the API: 510 queues over two pages of 500', async () => {
    const vhost = await rmq.vhost()
    const amqp = await import('amqplib')
    const c = await amqp.connect(`${URL}/${enc(vhost)}`)
    const ch = await c.createChannel()
    for (let i = 0; i < 510; i++) await ch.assertQueue(`q-${String(i).padStart(3, '0')}`, {durable: false})
    await c.close()
    const r = await runCg(['groups', '--vhost', vhost, '--url', URL, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const doc = r.json()
    expectValid('groups.json', doc)
    expect(doc.vhost).toBe(vhost)
    expect(doc.groups).toHaveLength(510)
    expect(new Set(doc.groups.map((g: {group: string}) => g.group)).size).toBe(510)
    expect(doc.groups.every((g: {vhost: string}) => g.vhost === vhost)).toBe(true)
    // without --vhost: every vhost, this one included
    const all = (await runCg(['groups', '--url', URL, '--json'])).json()
    expect(all.groups.filter((g: {vhost: string}) => g.vhost === vhost)).toHaveLength(510)
    // lag over a vhost that is not the connection's: counts from the management sample, and it says so
    const lag = await runCg(['lag', '--vhost', vhost, '--url', URL, '--json'])
    expect(lag.code, lag.stderr).toBe(0)
    const ld = lag.json()
    expectValid('lag.json', ld)
    expect(ld.groups).toHaveLength(510)
    expect(ld.groups[0]).toMatchObject({vhost, lagSource: 'management'})
  }, 120_000)

  it('consumers QUEUE: tag, channel, client-provided connection name, peer, prefetch, ack mode, channel unacked and idle time', async () => {
    const q = await rmq.queue('cons', {messages: 10})
    const s = await rmq.stuck({queue: q, prefetch: 3})
    await waitStuck(q, 3)
    const r = await runCg(['consumers', q, '--url', URL, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const doc = r.json()
    expectValid('consumers.json', doc)
    expect(doc.consumers).toHaveLength(1)
    const c = doc.consumers[0]
    expect(doc).toMatchObject({group: q, sources: [q]})
    expect(c).toMatchObject({
      name: s.tag,
      pending: 3,
      connectionName: s.name,
      prefetch: 3,
      ackMode: 'manual',
      channelUnacked: 3,
      channelNumber: 1,
      channelConsumers: 1,
    })
    expect(c.peer).toMatch(/^127\.0\.0\.1:\d+$/)
    expect(c.channel).toBe(`${c.connection} (1)`)
    expect(c.idleMs).toBeGreaterThanOrEqual(0)
    expect(typeof c.channelIdleSince).toBe('string')
    const human = await runCg(['consumers', q, '--url', URL])
    expect(human.stdout).toContain(s.tag)
    expect(human.stdout).toContain(s.name)
  })

  it('pending QUEUE: unacked per consumer channel; the ready count comes from a passive declare, ahead of the 5-s sample', async () => {
    const q = await rmq.queue('pend', {messages: 10})
    const other = await rmq.queue('pend-other')
    const s1 = await rmq.stuck({queue: q, prefetch: 2})
    const s2 = await rmq.stuck({queue: q, prefetch: 3, alsoConsume: other})
    await waitStuck(q, 5)
    // 7 more now: the management sample still says 5 ready for up to 5 s, the passive declare says 12
    for (let i = 0; i < 7; i++) rmq.ch.sendToQueue(q, Buffer.from('late'))
    await rmq.ch.checkQueue(q)
    const r = await runCg(['pending', q, '--url', URL, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const doc = r.json()
    expectValid('pending.json', doc)
    expect(doc.summary).toMatchObject({ready: 12, readySource: 'amqp', consumers: 2, consumersSource: 'amqp', unackedSource: 'management'})
    expect(doc.summary.unacked).toBe(5)
    // the core: the queue is the group, and pending is ready + unacked
    expect(doc).toMatchObject({group: q, sources: [q], pending: 17})
    expect(doc.summary.sampleBehind).toBe(doc.summary.management.ready !== 12)
    const byName = Object.fromEntries(doc.channels.map((c: {connectionName: string}) => [c.connectionName, c]))
    expect(byName[s1.name]).toMatchObject({unacked: 2, prefetch: 2, consumers: [s1.tag], alsoConsumes: []})
    expect(byName[s2.name]).toMatchObject({unacked: 3, prefetch: 3, consumers: [s2.tag], alsoConsumes: []})
    const human = await runCg(['pending', q, '--url', URL])
    expect(human.stdout).toMatch(/ready\s+12 \(passive declare/)
    expect(human.stdout).toMatch(/unacked\s+5 \(management sample\)/)
  })

  it('lag QUEUE: backlog from a passive declare', async () => {
    const q = await rmq.queue('lag', {messages: 6})
    const r = await runCg(['lag', q, '--url', URL, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const doc = r.json()
    expectValid('lag.json', doc)
    expect(doc.groups).toEqual([
      expect.objectContaining({group: q, sources: [q], vhost: '/', type: 'classic', lag: 6, lagSource: 'amqp', consumers: 0, consumersSource: 'amqp'}),
    ])
    const human = await runCg(['lag', q, '--url', URL])
    expect(human.stdout).toMatch(new RegExp(`${q}\\s+classic\\s+6\\s`))
    expect(human.stdout).toContain('passive declare')
  })

  it('lag of an exclusive queue of another connection: no passive declare is possible, the sample is used and named', async () => {
    const q = rmq.queueName('excl')
    await rmq.ch.assertQueue(q, {exclusive: true})
    const r = await runCg(['lag', q, '--url', URL, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const doc = r.json()
    expectValid('lag.json', doc)
    expect(doc.groups[0]).toMatchObject({group: q, lagSource: 'management', consumersSource: 'management'})
  })
})
