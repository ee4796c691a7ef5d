// Stream queues: named consumers' stored offsets (the stream protocol's offset tracking) in cg consumers,
// lag, pending and groups, and cg reset moving one. The consumers are real stream-protocol clients
// (rabbitmq-stream-js-client, loaded through cg's loader, which skips the 3.11-only handshake on 3.10): what
// cg shows is checked against what the client stored and reads back.
import {execFileSync} from 'node:child_process'
import {readFileSync} from 'node:fs'
import type {Client, Consumer} from 'rabbitmq-stream-js-client'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {streamLib} from '../../../src/brokers/rabbitmq/rabbitmq-stream-client.js'
import {runCg} from '../../helpers/cli.js'
import {defaultProfileFile} from '../../helpers/config-file.js'
import {mgmt, queueInfo, RABBIT_HOST, RABBIT_URL, useRabbit, waitFor} from '../../helpers/rabbitmq.js'
import {expectValid} from '../../helpers/schemas.js'

const URL = RABBIT_URL
const HOUR = 3_600_000
const OLD = 20
const NEW = 10

describe('rabbitmq: brokers:up set up the stream protocol', () => {
  it('rabbitmq_stream and rabbitmq_stream_management run; 5552 listens on loopback only; rabbitmq.conf keeps it', async () => {
    const nodes = await mgmt<Array<{applications: Array<{name: string}>}>>('GET', 'nodes')
    const apps = nodes[0].applications.map((a) => a.name)
    expect(apps).toContain('rabbitmq_stream')
    expect(apps).toContain('rabbitmq_stream_management')
    const listening = execFileSync('ss', ['-Hltn', 'sport = :5552'], {encoding: 'utf8'})
      .trim()
      .split('\n')
      .map((l) => l.trim().split(/\s+/)[3])
    expect(listening).toEqual([`${RABBIT_HOST}:5552`])
    const conf = readFileSync('/etc/rabbitmq/rabbitmq.conf', 'utf8')
    expect(conf).toContain(`stream.listeners.tcp.1 = ${RABBIT_HOST}:5552`)
    expect(conf).toContain(`stream.advertised_host = ${RABBIT_HOST}`)
  })
})

describe('rabbitmq: stream queues and their named consumers', () => {
  const rmq = useRabbit()
  let client: Client
  let stream: string
  let live: Consumer
  /** the offsets of the published messages, as the client received them */
  let offsets: number[]
  let first: number
  let last: number
  /** a time after the old messages were written and before the new ones */
  let between: number
  const reader = `rs-reader-${process.pid}`
  const liveName = `rs-live-${process.pid}`
  const stored = async (name: string): Promise<number | null> =>
    client.queryOffset({reference: name, stream}).then(
      (o) => Number(o),
      () => null,
    )

  beforeAll(async () => {
    const lib = await streamLib()
    client = await lib.connect({hostname: RABBIT_HOST, port: 5552, username: 'guest', password: 'guest', vhost: '/', connectionName: 'cg-test-streams'})
    stream = rmq.queueName('rs')
    await client.createStream({stream})
    const pub = await client.declarePublisher({stream})
    for (let i = 0; i < OLD; i++) await pub.send(Buffer.from(`old${i}`), {messageProperties: {creationTime: new Date(Date.now() - HOUR)}})
    await pub.flush()
    // the broker stamps each chunk with the time it wrote it: a gap between the two batches for --to-datetime
    await new Promise((resolve) => setTimeout(resolve, 1500))
    between = Date.now()
    await new Promise((resolve) => setTimeout(resolve, 1500))
    for (let i = 0; i < NEW; i++) await pub.send(Buffer.from(`new${i}`), {messageProperties: {creationTime: new Date()}})
    await pub.flush()
    await pub.close()
    // read everything once: the offsets the broker gave the messages
    const seen: number[] = []
    const all = await client.declareConsumer({stream, offset: lib.Offset.first()}, (m) => {
      seen.push(Number(m.offset))
    })
    await waitFor('every message read back', async () => seen.length === OLD + NEW)
    await all.close()
    offsets = seen
    first = Math.min(...seen)
    last = Math.max(...seen)
    // `reader` processed the old messages but one, stored its offset, and went away
    const r = await client.declareConsumer({stream, offset: lib.Offset.first(), consumerRef: reader, singleActive: true}, () => undefined)
    await r.storeOffset(BigInt(offsets[OLD - 2]))
    await waitFor('the reader offset stored', async () => (await stored(reader)) === offsets[OLD - 2])
    await r.close()
    // `liveName` stays connected (a single active consumer: its name is visible to the management API)
    live = await client.declareConsumer({stream, offset: lib.Offset.first(), consumerRef: liveName, singleActive: true}, () => undefined)
    await live.storeOffset(BigInt(offsets[OLD + 3]))
    await waitFor('the live offset stored', async () => (await stored(liveName)) === offsets[OLD + 3])
    await waitFor('the live consumer in the management API', async () => {
      const cs = await mgmt<Array<{queue: {name: string}; properties?: Record<string, string>}>>('GET', 'stream/consumers/%2F')
      return cs.some((c) => c.queue.name === stream && c.properties?.name === liveName)
    })
    // the queue's state is sampled: a just-declared stream has none until the broker emits its stats
    await waitFor('the stream state in the management API', async () => (await queueInfo(stream)).state === 'running')
  }, 60_000)

  afterAll(async () => {
    await live?.close().catch(() => undefined)
    await client?.deleteStream({stream}).catch(() => undefined)
    await client?.close().catch(() => undefined)
  })

  it('the messages have consecutive offsets', () => {
    expect(offsets).toEqual(Array.from({length: OLD + NEW}, (_, i) => first + i))
  })

  it('cg consumers STREAM: the connected named consumer and the one given with --consumer, with the offsets the client stored', async () => {
    const r = await runCg(['consumers', stream, '--consumer', reader, '--url', URL, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const doc = r.json()
    expectValid('consumers.json', doc)
    expect(doc).toMatchObject({broker: 'rabbitmq', group: stream, sources: [stream], type: 'stream', lastOffset: last})
    const byName = Object.fromEntries(doc.consumers.map((c: {name: string}) => [c.name, c]))
    expect(Object.keys(byName).sort()).toEqual([liveName, reader].sort())
    expect(byName[reader]).toMatchObject({currentOffset: await stored(reader), lag: last - (await stored(reader))!, connected: false, from: ['given']})
    expect(byName[liveName]).toMatchObject({currentOffset: await stored(liveName), lag: last - (await stored(liveName))!, connected: true, from: ['connected']})
    expect(byName[reader].pending).toBe(byName[reader].lag)
    const human = await runCg(['consumers', stream, '--consumer', reader, '--url', URL])
    expect(human.code, human.stderr).toBe(0)
    expect(human.stdout).toMatch(new RegExp(`${reader}\\s+${offsets[OLD - 2]}\\s+${last - offsets[OLD - 2]}\\s+1h0m`))
    expect(human.stdout).toMatch(new RegExp(`${liveName}\\s+${offsets[OLD + 3]}\\s+${last - offsets[OLD + 3]}\\s.*\\byes\\b`))
  })

  it('cg lag STREAM / cg pending STREAM: per consumer the lag (last offset minus stored) and the age of the next message', async () => {
    const before = Date.now()
    const r = await runCg(['lag', stream, '--consumer', reader, '--url', URL, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const doc = r.json()
    expectValid('lag.json', doc)
    const rows = Object.fromEntries(doc.groups.map((g: {consumer: string}) => [g.consumer, g]))
    expect(rows[reader]).toMatchObject({
      group: stream,
      sources: [stream],
      type: 'stream',
      lag: last - offsets[OLD - 2],
      currentOffset: offsets[OLD - 2],
      lastOffset: last,
    })
    // the next message of the reader is the last old one, created an hour before the test started
    expect(rows[reader].timeLagMs).toBeGreaterThan(HOUR - 5_000)
    expect(rows[reader].timeLagMs).toBeLessThan(Date.now() - before + HOUR + 60_000)
    expect(rows[liveName]).toMatchObject({lag: last - offsets[OLD + 3], connected: true})
    expect(rows[liveName].timeLagMs).toBeLessThan(HOUR - 5_000)

    const p = await runCg(['pending', stream, '--consumer', reader, '--url', URL, '--json'])
    expect(p.code, p.stderr).toBe(0)
    const pd = p.json()
    expectValid('pending.json', pd)
    expect(pd.pending).toBe(last - offsets[OLD - 2] + (last - offsets[OLD + 3]))
  })

  it('cg groups: the stream with its consumers (the stream protocol ones counted)', async () => {
    const r = await runCg(['groups', stream, '--url', URL, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const doc = r.json()
    expectValid('groups.json', doc)
    expect(doc.groups[0]).toMatchObject({group: stream, type: 'stream', state: 'running', stateNote: null, consumerNames: [liveName]})
    expect(doc.groups[0].streamProtocolConsumers).toBe(1)
    expect(doc.groups[0].consumers).toBeGreaterThanOrEqual(1)
  })

  it('cg check and cg metrics: a stream queue is as far behind as its furthest-behind named consumer', async () => {
    const liveLag = last - (await stored(liveName))!
    // the connected consumer is the only name known: its lag, and the age of the next message it has to read
    const r = await runCg(['check', stream, '--lag', `${liveLag - 2},${liveLag - 1}`, '--url', URL, '--json'])
    expect(r.code, r.stdout + r.stderr).toBe(2)
    const doc = r.json()
    expectValid('check.json', doc)
    expect(doc).toMatchObject({status: 'CRITICAL', groups: [{group: stream, status: 'CRITICAL', lag: liveLag}]})
    expect(doc.groups[0].timeLagMs).toBeLessThan(HOUR / 2)
    const ok = await runCg(['check', stream, '--lag', `${liveLag},${liveLag + 1}`, '--url', URL])
    expect(ok.code, ok.stdout + ok.stderr).toBe(0)
    const m = await runCg(['metrics', stream, '--url', URL])
    expect(m.code, m.stderr).toBe(0)
    expect(m.stdout).toMatch(new RegExp(`cg_group_lag\\{[^}]*group="${stream}"[^}]*\\} ${liveLag}\\n`))
    // the profile's consumer: `reader` is further behind, by an hour
    const config = defaultProfileFile({broker: 'rabbitmq', url: URL, consumer: reader})
    const withReader = await runCg(['check', stream, '--time-lag', '30m,50m', '--config', config, '--json'])
    expect(withReader.code, withReader.stdout + withReader.stderr).toBe(2)
    expect(withReader.json().groups[0]).toMatchObject({lag: last - (await stored(reader))!, status: 'CRITICAL'})
    expect(withReader.json().groups[0].timeLagMs).toBeGreaterThanOrEqual(HOUR)
    // cg lag / cg consumers read the profile's consumer as they read --consumer
    const lag = await runCg(['consumers', stream, '--config', config, '--json'])
    expect(lag.code, lag.stderr).toBe(0)
    expect(lag.json().consumers.map((c: {name: string; from: string[]}) => [c.name, c.from])).toEqual(
      [
        [liveName, ['connected']],
        [reader, ['given']],
      ].sort(),
    )
    // no named consumer at all: no lag, and a note saying how to name one
    const bare = rmq.queueName('rs-bare')
    await client.createStream({stream: bare})
    try {
      const none = await runCg(['check', bare, '--lag', '1,2', '--url', URL, '--json'])
      expect(none.code, none.stdout + none.stderr).toBe(0)
      expect(none.json()).toMatchObject({status: 'OK', groups: [{group: bare, lag: null}]})
    } finally {
      await client.deleteStream({stream: bare}).catch(() => undefined)
    }
  })

  it('cg reset: a plan without --execute (nothing moves), then --execute moves the stored offset the client reads back', async () => {
    const was = await stored(reader)
    const plan = await runCg(['reset', stream, '--consumer', reader, '--to-offset', String(offsets[3]), '--url', URL, '--json'])
    expect(plan.code, plan.stderr).toBe(0)
    expectValid('reset.json', plan.json())
    const planText = await runCg(['reset', stream, '--consumer', reader, '--to-offset', String(offsets[3]), '--url', URL])
    expect(planText.stdout).toMatch(/^Dry run: would move the stored offset .* Nothing changed\.$/m)
    expect(plan.json()).toMatchObject({dryRun: true, executed: false, currentOffset: was, targetOffset: offsets[3], after: null})
    expect(await stored(reader)).toBe(was)

    const done = await runCg(['reset', stream, '--consumer', reader, '--to-offset', String(offsets[3]), '--execute', '--url', URL, '--json'])
    expect(done.code, done.stderr).toBe(0)
    expectValid('reset.json', done.json())
    expect(done.json()).toMatchObject({dryRun: false, executed: true, currentOffset: was, targetOffset: offsets[3], after: offsets[3]})
    expect(await stored(reader)).toBe(offsets[3])

    const latest = await runCg(['reset', stream, '--consumer', reader, '--to-latest', '--execute', '--url', URL])
    expect(latest.code, latest.stderr).toBe(0)
    expect(latest.stdout).toMatch(
      new RegExp(`^Moved the stored offset of consumer ${reader} on stream ${stream}: ${offsets[3]} -> ${last} .*; read back: ${last}$`, 'm'),
    )
    expect(await stored(reader)).toBe(last)

    const earliest = await runCg(['reset', stream, '--consumer', reader, '--to-earliest', '--execute', '--url', URL, '--json'])
    expect(earliest.code, earliest.stderr).toBe(0)
    expect(await stored(reader)).toBe(Math.max(0, first - 1))

    // past the end: clamped to the last offset, with a warning
    const past = await runCg(['reset', stream, '--consumer', reader, '--to-offset', String(last + 100), '--execute', '--url', URL])
    expect(past.code, past.stderr).toBe(0)
    expect(past.stderr).toMatch(/clamped/)
    expect(await stored(reader)).toBe(last)

    // a time after every message: the end
    // (nothing arrives: cg waits the whole --timeout once more before it takes the end, and says so)
    const future = await runCg(['reset', stream, '--consumer', reader, '--to-datetime', '2100-01-01T00:00:00Z', '--execute', '--timeout', '4000', '--url', URL])
    expect(future.code, future.stderr).toBe(0)
    expect(future.stderr).toMatch(/nothing was written at or after 2100-01-01T00:00:00.000Z \(waited 4000 ms\): the stored offset is the last one/)
    expect(await stored(reader)).toBe(last)
    // a time between the two batches: the stored offset is the last old message (the next one is the first new one)
    const mid = await runCg(['reset', stream, '--consumer', reader, '--to-datetime', new Date(between).toISOString(), '--execute', '--url', URL])
    expect(mid.code, mid.stderr).toBe(0)
    expect(await stored(reader)).toBe(offsets[OLD - 1])
    // a time before every message: the start
    const past2 = await runCg(['reset', stream, '--consumer', reader, '--to-datetime', '2000-01-01T00:00:00Z', '--execute', '--url', URL])
    expect(past2.code, past2.stderr).toBe(0)
    expect(await stored(reader)).toBe(Math.max(0, first - 1))
    // ten runs of cg, each reading the stream's ends: minutes on a loaded machine
  }, 240_000)

  it('cg reset is refused (exit 4) while a consumer of that name is connected; its offset stays', async () => {
    const was = await stored(liveName)
    const r = await runCg(['reset', stream, '--consumer', liveName, '--to-earliest', '--execute', '--url', URL, '--json'])
    expect(r.code).toBe(4)
    expect(r.json().error).toMatchObject({code: 'refused'})
    expect(r.json().error.message).toMatch(new RegExp(`consumer ${liveName} .* is connected`))
    expect(await stored(liveName)).toBe(was)
  })

  it('cg reset on a classic queue: refused (exit 4); without --consumer: usage (exit 2)', async () => {
    const q = await rmq.queue('classic')
    const r = await runCg(['reset', q, '--consumer', 'x', '--to-latest', '--url', URL])
    expect(r.code).toBe(4)
    expect(r.stderr).toMatch(/classic queue/)
    const u = await runCg(['reset', stream, '--to-latest', '--url', URL])
    expect(u.code).toBe(2)
    expect(u.stderr).toMatch(/--consumer/)
  })
})
