// cg dlq list / peek / replay / purge on the real RabbitMQ: messages dead-lettered for real (rejected,
// expired, over a quorum delivery limit) through a dead-letter exchange.
import {describe, expect, it} from 'vitest'
import {runCg, runCgTty, spawnCg} from '../../helpers/cli.js'
import {mgmt, useRabbit, RABBIT_URL, waitFor} from '../../helpers/rabbitmq.js'
import {deadLettered, drain, waitDepth} from '../../helpers/rabbitmq-dlq.js'
import {expectValid} from '../../helpers/schemas.js'

const URL = ['--url', RABBIT_URL]

describe('rabbitmq dlq list / peek', () => {
  const rmq = useRabbit()

  for (const reason of ['rejected', 'expired', 'delivery_limit'] as const) {
    it(`lists messages dead-lettered as ${reason} with their x-death history and puts them all back`, async () => {
      const s = await deadLettered(rmq, {reason, n: 5, keys: ['k.a', 'k.b']})
      const res = await runCg(['dlq', 'list', s.dlq, '--json', ...URL])
      expect(res.code, res.stderr).toBe(0)
      const doc = res.json()
      expectValid('dlq-list.json', doc)
      expect(doc.broker).toBe('rabbitmq')
      expect(doc.ready).toBe(5)
      expect(doc.messages).toHaveLength(5)
      for (const m of doc.messages) {
        const i = Number(m.messageId.slice(2))
        const d = m.deaths[0]
        expect(d.reason).toBe(reason)
        expect(d.queue).toBe(s.source)
        expect(d.exchange).toBe(s.exchange)
        expect(d.routingKeys).toEqual([s.keys[i % 2]])
        expect(d.count).toBeGreaterThanOrEqual(1)
        expect(Date.parse(d.time)).toBeGreaterThan(Date.now() - 120_000)
        expect(m.target).toEqual({exchange: s.exchange, routingKey: s.keys[i % 2], key: s.exchange})
        expect(m.body).toEqual({encoding: 'utf8', value: `message ${i}`, bytes: `message ${i}`.length, truncated: false})
        if (reason === 'expired') expect(d.originalExpiration).toBeNull()
      }
      expect(doc.sideEffect).toMatch(/put back/)
      expect(doc.sideEffect).toMatch(/redelivered/)
      await waitDepth(rmq, s.dlq, 5)
      // human output names the reason and the side effect
      const human = await runCg(['dlq', 'list', s.dlq, ...URL])
      expect(human.code, human.stderr).toBe(0)
      expect(human.stdout).toContain(reason)
      expect(human.stdout).toMatch(/marked redelivered/)
      await waitDepth(rmq, s.dlq, 5)
    })
  }

  it('resolves the DLQ from a source queue through its dead-letter exchange binding', async () => {
    const s = await deadLettered(rmq, {reason: 'rejected', n: 3, keepSource: true})
    const doc = (await runCg(['dlq', 'list', s.source, '--json', ...URL])).json()
    expect(doc.dlq).toBe(s.dlq)
    expect(doc.resolvedFrom).toEqual({queue: s.source, deadLetterExchange: s.dlx, routingKey: null, from: 'argument'})
    expect(doc.messages).toHaveLength(3)
  })

  it('peek shows the body as base64 when it is not text, typed headers, and says a quorum read counts as a delivery', async () => {
    const s = await deadLettered(rmq, {
      reason: 'rejected',
      n: 2,
      body: (i) => Buffer.from([0xff, 0x00, i]),
      props: () => ({headers: {tenant: 'acme', when: {'!': 'timestamp', value: 1700000000}, raw: Buffer.from([1, 2, 3])}}),
    })
    const res = await runCg(['dlq', 'peek', s.dlq, '--count', '1', '--json', ...URL])
    expect(res.code, res.stderr).toBe(0)
    const doc = res.json()
    expectValid('dlq-peek.json', doc)
    expect(doc.messages).toHaveLength(1)
    const m = doc.messages[0]
    expect(m.body).toEqual({encoding: 'base64', value: Buffer.from([0xff, 0, 0]).toString('base64'), bytes: 3, truncated: false})
    expect(m.headers.tenant).toBe('acme')
    expect(m.headers.when).toEqual({type: 'timestamp', value: '2023-11-14T22:13:20.000Z'})
    expect(m.headers.raw).toEqual({type: 'bytes', value: 'AQID'})
    await waitDepth(rmq, s.dlq, 2)

    // a quorum DLQ: the read shows up as x-delivery-count
    const qdlq = rmq.queueName('qdlq')
    await rmq.ch.assertQueue(qdlq, {durable: true, arguments: {'x-queue-type': 'quorum'}})
    for (let i = 0; i < 3; i++) rmq.ch.sendToQueue(qdlq, Buffer.from(`q${i}`), {messageId: `q-${i}`})
    await waitDepth(rmq, qdlq, 3)
    const first = (await runCg(['dlq', 'peek', qdlq, '--json', ...URL])).json()
    expect(first.sideEffect).toMatch(/quorum queue: each read counts as a delivery/)
    expect(first.messages.map((x: any) => x.deliveryCount)).toEqual([null, null, null])
    const second = (await runCg(['dlq', 'peek', qdlq, '--json', ...URL])).json()
    expect(second.messages.map((x: any) => x.deliveryCount)).toEqual([1, 1, 1])
    expect(second.messages.every((x: any) => x.redelivered)).toBe(true)
    // the replay id does not change with the delivery count
    expect(second.messages.map((x: any) => x.replayId)).toEqual(first.messages.map((x: any) => x.replayId))
    // peek one message by id
    const one = (await runCg(['dlq', 'peek', qdlq, 'q-1', '--json', ...URL])).json()
    expect(one.messages.map((x: any) => x.messageId)).toEqual(['q-1'])
    await waitDepth(rmq, qdlq, 3)
    // an id that no message has: exit 5 (as on Redis and Kafka), and every message read is put back
    const none = await runCg(['dlq', 'peek', qdlq, 'no-such-id', '--json', ...URL])
    expect(none.code, none.stdout).toBe(5)
    expect(none.json().error).toMatchObject({
      code: 'not_found',
      message: expect.stringContaining(`no message with message-id or replay id no-such-id in ${qdlq}`),
    })
    await waitDepth(rmq, qdlq, 3)
  })

  it('a missing queue exits 5', async () => {
    for (const cmd of [
      ['dlq', 'list'],
      ['dlq', 'peek'],
      ['dlq', 'replay'],
      ['dlq', 'purge'],
    ]) {
      const res = await runCg(
        [...cmd, rmq.queueName('missing'), '--dry-run', '--json', ...URL].filter((a) => a !== '--dry-run' || cmd[1] === 'replay' || cmd[1] === 'purge'),
      )
      expect(res.code, `${cmd.join(' ')}: ${res.stdout} ${res.stderr}`).toBe(5)
      expect(res.json().error.code).toBe('not_found')
    }
  })
})

describe('rabbitmq dlq replay', () => {
  const rmq = useRabbit()

  it('republishes to the original exchange and routing keys, keeps body bytes and typed headers, adds replay headers, empties the DLQ', async () => {
    const headers = {
      tenant: 'acme',
      when: {'!': 'timestamp', value: 1700000000},
      nested: {a: 1, b: {c: 'deep', d: [1, 'two', true]}},
      raw: Buffer.from([0, 1, 2, 254, 255]),
      flag: false,
      ratio: 0.25,
      big: 5_000_000_000,
      none: null,
    }
    const s = await deadLettered(rmq, {
      reason: 'rejected',
      n: 40,
      keys: ['k.a', 'k.b'],
      body: (i) => Buffer.concat([Buffer.from([0xff, 0xfe, i]), Buffer.from(`payload-${i}`)]),
      props: (i) => ({
        headers,
        contentType: 'application/octet-stream',
        correlationId: `c-${i}`,
        timestamp: 1700000000 + i,
        type: 'order',
        appId: 'shop',
        priority: 3,
      }),
    })
    const res = await runCg(['dlq', 'replay', s.dlq, '--json', ...URL])
    expect(res.code, res.stderr + res.stdout).toBe(0)
    const doc = res.json()
    expectValid('dlq-replay.json', doc)
    expect(doc.totals).toMatchObject({
      replayed: 40,
      skipped: 0,
      failed: 0,
      refusedOtherTarget: 0,
      interrupted: false,
      error: null,
      errorCode: null,
      target: s.exchange,
    })
    expect(doc.entries).toHaveLength(40)
    await waitDepth(rmq, s.dlq, 0)
    const got = await drain(rmq, s.target)
    expect(got).toHaveLength(40)
    const ids = new Set<string>()
    for (const m of got) {
      const i = Number(String(m.properties.messageId).slice(2))
      ids.add(m.properties.messageId)
      expect(m.fields.exchange).toBe(s.exchange)
      expect(m.fields.routingKey).toBe(s.keys[i % 2])
      expect(m.content.equals(Buffer.concat([Buffer.from([0xff, 0xfe, i]), Buffer.from(`payload-${i}`)]))).toBe(true)
      const h = m.properties.headers!
      expect(h.tenant).toBe('acme')
      expect(h.when).toEqual({'!': 'timestamp', value: 1700000000})
      expect(h.nested).toEqual({a: 1, b: {c: 'deep', d: [1, 'two', true]}})
      expect(Buffer.isBuffer(h.raw) && h.raw.equals(Buffer.from([0, 1, 2, 254, 255]))).toBe(true)
      expect(h.flag).toBe(false)
      expect(h.ratio).toBe(0.25)
      expect(h.big).toBe(5_000_000_000)
      expect(h.none).toBeNull()
      expect((h['x-death'] as any[])[0]).toMatchObject({reason: 'rejected', queue: s.source, exchange: s.exchange})
      expect(h['x-cg-replay-count']).toBe(1)
      expect(typeof h['x-cg-replay-id']).toBe('string')
      expect(h['x-cg-possible-duplicate']).toBeUndefined()
      expect(m.properties).toMatchObject({
        contentType: 'application/octet-stream',
        correlationId: `c-${i}`,
        timestamp: 1700000000 + i,
        type: 'order',
        appId: 'shop',
        priority: 3,
      })
    }
    expect(ids.size).toBe(40)
  })

  it('a mandatory return (nothing bound) is not acked: the message stays in the DLQ, reported failed, exit 3', async () => {
    const s = await deadLettered(rmq, {reason: 'expired', n: 10})
    await rmq.ch.unbindQueue(s.target, s.exchange, s.keys[0])
    const res = await runCg(['dlq', 'replay', s.dlq, '--json', ...URL])
    expect(res.code, res.stderr).toBe(3)
    const doc = res.json()
    expectValid('dlq-replay.json', doc)
    expect(doc.totals).toMatchObject({replayed: 0, failed: 10})
    expect(doc.entries[0].note).toMatch(/returned by the broker/)
    await waitDepth(rmq, s.dlq, 10)
    // and the human report says so
    const human = await runCg(['dlq', 'replay', s.dlq, ...URL])
    expect(human.code).toBe(3)
    expect(human.stdout).toMatch(/replayed 0, skipped 0, failed 10/)
    await waitDepth(rmq, s.dlq, 10)
  })

  it('--dry-run plans per target and changes nothing; --where and --limit select', async () => {
    const s = await deadLettered(rmq, {reason: 'rejected', n: 30, props: (i) => ({headers: {tenant: i % 3 === 0 ? 'a' : 'b'}})})
    const dry = await runCg(['dlq', 'replay', s.dlq, '--dry-run', '--json', ...URL])
    expect(dry.code, dry.stderr).toBe(0)
    const plan = dry.json()
    expectValid('dlq-replay.json', plan)
    expect(plan.plan).toMatchObject({read: 30, selected: 30, mixedTargets: false})
    expect(plan.plan.targets).toEqual([expect.objectContaining({target: s.exchange, count: 30, exchangeExists: true, routingKeys: ['k.a']})])
    expect(plan.plan.sideEffect).toMatch(/put back/)
    await waitDepth(rmq, s.dlq, 30)
    await waitDepth(rmq, s.target, 0)

    const where = (await runCg(['dlq', 'replay', s.dlq, '--where', 'tenant=a', '--json', ...URL])).json()
    expect(where.totals).toMatchObject({replayed: 10, notSelected: 20, failed: 0})
    await waitDepth(rmq, s.dlq, 20)
    const a = await drain(rmq, s.target)
    expect(a.every((m) => m.properties.headers!.tenant === 'a')).toBe(true)

    const lim = (await runCg(['dlq', 'replay', s.dlq, '--limit', '7', '--rate', '100/s', '--json', ...URL])).json()
    expect(lim.totals).toMatchObject({replayed: 7, failed: 0})
    await waitDepth(rmq, s.dlq, 13)
    await waitDepth(rmq, s.target, 7)
  })

  it('mixed targets are refused unless told which (--where x-death.exchange or --to-exchange)', async () => {
    const one = await deadLettered(rmq, {reason: 'rejected', n: 4})
    // a second source, on another exchange, dead-lettering into the same DLQ
    const ex2 = rmq.exchangeName('orig2')
    const src2 = rmq.queueName('src2')
    await rmq.ch.assertExchange(ex2, 'direct', {durable: false})
    await rmq.ch.assertQueue(src2, {durable: false, arguments: {'x-dead-letter-exchange': one.dlx, 'x-message-ttl': 1}})
    await rmq.ch.bindQueue(src2, ex2, 'k2')
    for (let i = 0; i < 3; i++) rmq.ch.publish(ex2, 'k2', Buffer.from(`two ${i}`), {messageId: `two-${i}`})
    await waitDepth(rmq, one.dlq, 7)
    await rmq.ch.unbindQueue(src2, ex2, 'k2')
    const t2 = rmq.queueName('target2')
    await rmq.ch.assertQueue(t2, {durable: false})
    await rmq.ch.bindQueue(t2, ex2, 'k2')

    const dry = (await runCg(['dlq', 'replay', one.dlq, '--dry-run', '--json', ...URL])).json()
    expect(dry.plan.mixedTargets).toBe(true)
    expect(dry.plan.targets.map((t: any) => [t.target, t.count])).toEqual([
      [one.exchange, 4],
      [ex2, 3],
    ])

    const mixed = await runCg(['dlq', 'replay', one.dlq, '--json', ...URL])
    expect(mixed.code).toBe(3)
    const m = mixed.json()
    expect(m.totals.replayed + m.totals.refusedOtherTarget).toBe(7)
    expect(m.totals.refusedOtherTarget).toBeGreaterThan(0)
    expect(m.entries.find((e: any) => e.note?.startsWith('refused'))).toBeTruthy()
    const left = m.totals.refusedOtherTarget
    await waitDepth(rmq, one.dlq, left)

    const other = m.totals.target === one.exchange ? ex2 : one.exchange
    const sel = await runCg(['dlq', 'replay', one.dlq, '--where', `x-death.exchange=${other}`, '--json', ...URL])
    expect(sel.code, sel.stdout).toBe(0)
    expect(sel.json().totals).toMatchObject({replayed: left, refusedOtherTarget: 0})
    await waitDepth(rmq, one.dlq, 0)
    await waitDepth(rmq, one.target, 4)
    await waitDepth(rmq, t2, 3)
  })

  it('--to-exchange / --routing-key override the target; a missing exchange exits 5', async () => {
    const s = await deadLettered(rmq, {reason: 'expired', n: 5})
    const alt = rmq.queueName('alt')
    await rmq.ch.assertQueue(alt, {durable: false})
    const res = await runCg(['dlq', 'replay', s.dlq, '--to-exchange', '', '--routing-key', alt, '--json', ...URL])
    expect(res.code, res.stderr).toBe(0)
    expect(res.json().totals).toMatchObject({replayed: 5, target: `(default exchange) -> ${alt}`})
    await waitDepth(rmq, alt, 5)
    const missing = await runCg(['dlq', 'replay', alt, '--to-exchange', rmq.exchangeName('nope'), '--json', ...URL])
    expect(missing.code).toBe(5)
    await waitDepth(rmq, alt, 5)
  })

  it('names its consumer cg.PID.N and takes the full window of 5000 once the first target is checked; Ctrl-C loses nothing', async () => {
    const n = 2000
    const s = await deadLettered(rmq, {reason: 'expired', n})
    const run = spawnCg(['dlq', 'replay', s.dlq, '--rate', '200/s', '--json', ...URL])
    const pid = run.child.pid!
    type Consumer = {consumer_tag: string; prefetch_count: number; queue: {name: string}}
    const mine = async () => (await mgmt<Consumer[]>('GET', 'consumers/%2F')).filter((c) => c.queue.name === s.dlq)
    // the first consumer (256) was replaced: one consumer, the second one, with the replay's prefetch
    const consumers = await waitFor('the widened consumer', async () => {
      const cs = await mine()
      return cs.length === 1 && cs[0].consumer_tag === `cg.${pid}.2` ? cs : null
    })
    expect(consumers[0].prefetch_count).toBe(5000)
    expect((await rmq.ch.checkQueue(s.target)).messageCount).toBeLessThan(n)
    run.child.kill('SIGINT')
    const exit = await run.exited
    expect(exit.code, exit.stderr).toBe(130)
    const doc = JSON.parse(exit.stdout)
    expect(doc.totals.interrupted).toBe(true)
    await waitFor('the DLQ copies back', async () => (await rmq.ch.checkQueue(s.dlq)).messageCount === n - doc.totals.replayed)
    expect((await rmq.ch.checkQueue(s.target)).messageCount).toBe(doc.totals.replayed)
  })
})

describe('rabbitmq dlq replay on a terminal', () => {
  const rmq = useRabbit()

  it('shows progress on stderr when it is a TTY, then the report', async () => {
    const s = await deadLettered(rmq, {reason: 'expired', n: 1500})
    const res = await runCgTty(['dlq', 'replay', s.dlq, '--rate', '1000/s', ...URL])
    expect(res.code, res.output).toBe(0)
    expect(res.output).toMatch(/replaying [^:]+: \d+ +\d+\/s/)
    expect(res.output).toMatch(/replayed 1500, skipped 0, failed 0/)
    await waitDepth(rmq, s.target, 1500)
  })
})

describe('rabbitmq dlq purge', () => {
  const rmq = useRabbit()

  it('--dry-run counts, no --yes refuses, --yes purges ready messages', async () => {
    const s = await deadLettered(rmq, {reason: 'expired', n: 12})
    const dry = await runCg(['dlq', 'purge', s.dlq, '--dry-run', '--json', ...URL])
    expect(dry.code, dry.stderr).toBe(0)
    expectValid('dlq-purge.json', dry.json())
    expect(dry.json()).toMatchObject({dryRun: true, count: 12, dlq: s.dlq})
    expect(dry.json().note).toMatch(/ready messages only/)
    await waitDepth(rmq, s.dlq, 12)
    const no = await runCg(['dlq', 'purge', s.dlq, ...URL])
    expect(no.code).toBe(4)
    await waitDepth(rmq, s.dlq, 12)
    const yes = await runCg(['dlq', 'purge', s.source, '--yes', '--json', ...URL])
    expect(yes.code, yes.stderr).toBe(0)
    expectValid('dlq-purge.json', yes.json())
    expect(yes.json()).toMatchObject({
      dryRun: false,
      count: 12,
      dlq: s.dlq,
      totals: {purged: 12, skipped: 0, failed: 0, interrupted: false, error: null, errorCode: null},
    })
    await waitDepth(rmq, s.dlq, 0)
  })
})
