import {connect} from 'amqplib'
import {queueInfo, RABBIT_URL, uniqName, waitFor} from '../../helpers/rabbitmq.js'
import type {Kit} from './kit.js'

/**
 * Queue Q (bound to exchange E with key k, dead-lettering to DLQ D through a fanout exchange): 10 messages
 * published, 3 rejected into D, no consumers: lag (ready) 7, pending (ready + unacked) 7, 3 dead letters.
 */
export const RABBITMQ_KIT: Kit = {
  name: 'rabbitmq',
  broker: 'rabbitmq',
  // the management API would still answer on 15672: lag needs the AMQP port, which is closed
  // 127.0.0.2: neither AMQP nor the management API (derived from the URL's host) answers there
  unreachable: (s) => ['lag', s.source, '--url', 'amqp://guest:guest@127.0.0.2:1'],
  async seed() {
    const conn = await connect(RABBIT_URL)
    const ch = await conn.createChannel()
    const queue = uniqName('contract')
    const dlq = `${queue}.dlq`
    const exchange = `${queue}.x`
    const dlx = `${queue}.dlx`
    await ch.assertExchange(exchange, 'direct', {durable: false})
    await ch.assertExchange(dlx, 'fanout', {durable: false})
    await ch.assertQueue(dlq, {durable: false})
    await ch.bindQueue(dlq, dlx, '')
    await ch.assertQueue(queue, {durable: false, arguments: {'x-dead-letter-exchange': dlx}})
    await ch.bindQueue(queue, exchange, 'k')
    for (let i = 0; i < 10; i++) ch.publish(exchange, 'k', Buffer.from(`m${i}`), {messageId: `m-${i}`})
    const ready = async (q: string) => (await ch.checkQueue(q)).messageCount
    for (let i = 0; i < 100 && (await ready(queue)) < 10; i++) await new Promise((r) => setTimeout(r, 50))
    for (let i = 0; i < 3; i++) {
      const m = await ch.get(queue, {noAck: false})
      if (m) ch.nack(m, false, false)
    }
    for (let i = 0; i < 100 && (await ready(dlq)) < 3; i++) await new Promise((r) => setTimeout(r, 50))
    // the management API samples queue stats every 5 s, each queue on its own: wait until it shows what the
    // broker holds in both (cg's status read takes the dead-letter queue's depth from it)
    await waitFor(
      'management stats of the seeded queue and its dead-letter queue',
      async () => {
        const [q, d] = await Promise.all([queueInfo(queue), queueInfo(dlq)])
        return q.messages_ready === 7 && q.messages_unacknowledged === 0 && d.messages === 3
      },
      20_000,
    )
    return {
      url: RABBIT_URL,
      argv: {groups: [queue], lag: [queue], consumers: [queue], pending: [queue], replay: [dlq]},
      group: queue,
      source: queue,
      expect: {lag: 7, pending: 7, consumers: 0, deadLetters: 3, type: 'classic'},
      missingGroup: ['consumers', uniqName('noqueue')],
      refused: ['setid', queue, 'g', '0'],
      foreignFlag: ['lag', queue, '--topic', 'x'],
      sourceDepth: () => ready(queue),
      async cleanup() {
        for (const q of [queue, dlq]) await ch.deleteQueue(q).catch(() => undefined)
        for (const x of [exchange, dlx]) await ch.deleteExchange(x).catch(() => undefined)
        await conn.close()
      },
    }
  },
}
