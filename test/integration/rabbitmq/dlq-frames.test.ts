// The frame-level replay path on the real RabbitMQ: a reader that keeps each delivery's content header
// undecoded (keepRawProperties) and a confirm publisher that writes basic.publish + the amended content
// header + the body frames itself (ConfirmPublisher.sendAmended), as `cg dlq replay` does.
import {createRequire} from 'node:module'
import {dirname, join} from 'node:path'
import amqp, {type ChannelModel, type ConsumeMessage} from 'amqplib'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {ConfirmPublisher, type PublishResult, QueueReader} from '../../../src/brokers/rabbitmq/rabbitmq-dlq-io.js'
import {amendedProperties, RAW_PROPERTIES, REPLAY_ID} from '../../../src/brokers/rabbitmq/rabbitmq-dlq-message.js'
import type {RabbitAdapter} from '../../../src/brokers/rabbitmq/rabbitmq-types.js'
import {RABBIT_URL, useRabbit} from '../../helpers/rabbitmq.js'

// amqplib's own decoding of a content header payload (class, weight, size stripped)
const defs = createRequire(import.meta.url)(join(dirname(createRequire(import.meta.url).resolve('amqplib')), 'lib', 'defs.js')) as {
  BasicProperties: number
  decode(id: number, buf: Buffer): Record<string, unknown>
}

describe('rabbitmq replay frames', () => {
  const rmq = useRabbit()
  let conn: ChannelModel
  // the two channel kinds the reader and the publisher open, on one connection of their own
  let rabbit: RabbitAdapter
  beforeAll(async () => {
    conn = await amqp.connect(RABBIT_URL)
    conn.on('error', () => undefined)
    rabbit = {
      channel: () => conn.createChannel(),
      confirmChannel: () => conn.createConfirmChannel(),
      options: {vhost: '/', username: 'guest'},
    } as unknown as RabbitAdapter
  })
  afterAll(async () => {
    await conn?.close().catch(() => undefined)
  })

  const consumeAll = async (queue: string, n: number): Promise<ConsumeMessage[]> => {
    const ch = await rmq.conn.createChannel()
    const got: ConsumeMessage[] = []
    await new Promise<void>((resolve) => {
      void ch.consume(queue, (m) => {
        if (m) got.push(m)
        if (got.length === n) resolve()
      })
    })
    await ch.close()
    return got
  }

  it('passes properties, headers and bodies (one frame or several) through with the stamp added; confirms and returns are seen', async () => {
    const src = await rmq.queue('frames-src')
    const dst = await rmq.queue('frames-dst')
    const big = Buffer.alloc(300_000, 7) // more than a frame (frame_max 131072): three body frames
    const sent = [
      {
        body: Buffer.from('one'),
        props: {messageId: 'a', contentType: 'text/plain', headers: {tenant: 'acme', n: 300, t: {'!': 'timestamp', value: 1700000000}, list: [1, 'x']}},
      },
      {body: big, props: {messageId: 'b', priority: 2, correlationId: 'c', headers: {'x-cg-replay-count': 4, 'x-cg-replay-id': 'old'}}},
      {body: Buffer.alloc(0), props: {messageId: 'c', appId: 'app'}},
    ]
    for (const s of sent) rmq.ch.sendToQueue(src, s.body, s.props)
    await rmq.ch.checkQueue(src)

    const reader = new QueueReader(rabbit, src, {prefetch: 10, max: sent.length, idleMs: 2000, rawProperties: true})
    const publisher = new ConfirmPublisher(rabbit, REPLAY_ID)
    await reader.start()
    await publisher.open()
    expect(publisher.passThrough).toBe(true)
    const results: Array<Promise<PublishResult>> = []
    for (let i = 0; i < sent.length; i++) {
      const m = (await reader.next())!
      const raw = (m.properties as unknown as Record<symbol, unknown>)[RAW_PROPERTIES] as Buffer
      expect(Buffer.isBuffer(raw)).toBe(true)
      // the properties (the headers decoded when read) are what amqplib decodes from those bytes
      const want = defs.decode(defs.BasicProperties, raw.subarray(12))
      for (const k of Object.keys(want)) expect((m.properties as unknown as Record<string, unknown>)[k], k).toEqual(want[k])
      if (i === 0) expect(m.properties.headers).toEqual({...sent[0].props.headers, list: [1, 'x']})
      const props = amendedProperties(raw, {count: i + 10, replayId: `id-${i}`, at: 1800000000, possibleDuplicate: i === 1})!
      results.push(
        new Promise((resolve) => {
          expect(publisher.sendAmended('', dst, props, m.content, `id-${i}`, resolve)).toBe(true)
        }),
      )
      results.push(
        // nothing bound: mandatory, so the broker returns it, and it counts as not done
        new Promise((resolve) => {
          const other = amendedProperties(raw, {count: 1, replayId: `ret-${i}`, at: 1800000000, possibleDuplicate: false})!
          publisher.sendAmended('amq.direct', 'nowhere', other, m.content, `ret-${i}`, resolve)
        }),
      )
      reader.ack(m)
    }
    const res = await Promise.all(results)
    expect(res.filter((_, i) => i % 2 === 0)).toEqual([{ok: true}, {ok: true}, {ok: true}])
    for (const r of res.filter((_, i) => i % 2 === 1)) expect(r).toMatchObject({ok: false, note: expect.stringMatching(/returned by the broker: NO_ROUTE/)})
    await reader.finish()
    await publisher.close()

    const got = await consumeAll(dst, sent.length)
    expect((await rmq.ch.checkQueue(src)).messageCount).toBe(0)
    got.sort((a, b) => String(a.properties.messageId).localeCompare(String(b.properties.messageId)))
    const stamp = (i: number) => ({'x-cg-replay-count': i + 10, 'x-cg-replay-id': `id-${i}`, 'x-cg-replayed-at': {'!': 'timestamp', value: 1800000000}})
    expect(got[0].content).toEqual(sent[0].body)
    expect(got[0].properties).toMatchObject({messageId: 'a', contentType: 'text/plain', headers: {...sent[0].props.headers, ...stamp(0)}})
    expect(got[1].content.equals(big)).toBe(true)
    expect(got[1].properties).toMatchObject({messageId: 'b', priority: 2, correlationId: 'c'})
    expect(got[1].properties.headers).toEqual({...stamp(1), 'x-cg-possible-duplicate': true})
    expect(got[2].content.length).toBe(0)
    expect(got[2].properties).toMatchObject({messageId: 'c', appId: 'app', headers: stamp(2)})
  })
})
