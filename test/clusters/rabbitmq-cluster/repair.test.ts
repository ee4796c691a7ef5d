// Repairs through node 1 on things that live on other nodes: claim requeues the unacked messages of a
// consumer connected to node 3; dlq replay moves a DLQ whose leader is node 2.
import {describe, expect, it} from 'vitest'
import {runCg} from '../../helpers/cli.js'
import {enc, uniqName, waitFor} from '../../helpers/rabbitmq.js'
import {clusterConfig, mgmtAt, nodeName, queueAt, useCluster} from '../../helpers/rabbitmq-cluster.js'
import {expectValid} from '../../helpers/schemas.js'

const CONFIG = clusterConfig()
const cg = (args: string[]) => runCg([...args, '--config', CONFIG, '--profile', 'node1'])

describe('rabbitmq cluster: repairs through node 1', () => {
  const c = useCluster()

  it('cg claim requeues the unacked messages of a consumer connected to node 3 and closes its connection', async () => {
    const q = await c.declare(2, 'claim', {messages: 10})
    const name = uniqName('stuck-on-3')
    const w = await c.open(3, name)
    let closedBy: Error | undefined
    const closed = new Promise<void>((r) =>
      w.conn.on('close', (err?: Error) => {
        closedBy = err
        r()
      }),
    )
    await w.ch.prefetch(3)
    await w.ch.consume(q, () => undefined, {noAck: false, consumerTag: 'stuck-tag'})
    await waitFor('3 unacked on an idle channel of node 3', async () => {
      const info = await queueAt(1, q)
      const ch = info.consumer_details?.[0]?.channel_details
      if (info.messages_unacknowledged !== 3 || !ch) return false
      const chan = await mgmtAt(1, 'GET', `channels/${enc(ch.name)}`)
      return chan.messages_unacknowledged === 3 && chan.idle_since && chan.node === nodeName(3)
    })

    const r = await cg(['claim', q, '--idle', '0', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const doc = r.json()
    expectValid('claim.json', doc)
    expect(doc.plan).toHaveLength(1)
    expect(doc.plan[0].connection).toMatch(/-> 127\.0\.0\.1:5675$/)
    expect(doc.requeues).toBe(3)
    expect(doc.totals).toMatchObject({claimed: 3, skipped: 0, failed: 0, error: null})
    expect(doc.closed).toEqual([expect.objectContaining({closed: true, error: null})])
    expect(doc.before).toMatchObject({ready: 7, readySource: 'amqp', consumers: 1})
    expect(doc.after).toMatchObject({ready: 10, readySource: 'amqp', consumers: 0})
    // the consumer's connection is closed (by the broker, with cg's reason), and the messages are ready again
    await closed
    expect(String(closedBy?.message ?? '')).toMatch(/CONNECTION_FORCED.*closed by cg/)
    await waitFor('the connection gone from the cluster', async () => {
      const conns: Array<{user_provided_name?: string}> = await mgmtAt(3, 'GET', 'connections')
      return !conns.some((x) => x.user_provided_name === name)
    })
    expect((await c.at[3].ch.checkQueue(q)).messageCount).toBe(10)
  })

  it('cg dlq replay through node 1 moves a DLQ whose leader is node 2 back to its exchange', async () => {
    const ch2 = c.at[2].ch
    const exchange = uniqName('orig')
    const dlx = uniqName('dlx')
    c.defer(() => mgmtAt(1, 'DELETE', `exchanges/%2F/${enc(exchange)}`))
    c.defer(() => mgmtAt(1, 'DELETE', `exchanges/%2F/${enc(dlx)}`))
    await ch2.assertExchange(exchange, 'direct', {durable: true})
    await ch2.assertExchange(dlx, 'fanout', {durable: true})
    const dlq = await c.declare(2, 'dlq')
    await ch2.bindQueue(dlq, dlx, '')
    const source = await c.declare(3, 'src', {args: {'x-dead-letter-exchange': dlx}})
    await ch2.bindQueue(source, exchange, 'k')
    const conf = await c.at[2].conn.createConfirmChannel()
    for (let i = 0; i < 20; i++) conf.publish(exchange, 'k', Buffer.from(`payload-${i}`), {messageId: `m-${i}`, persistent: true})
    await conf.waitForConfirms()
    await conf.close()
    // rejected without requeue: dead-lettered into the DLQ
    const rej = await c.open(3)
    await rej.ch.prefetch(50)
    await rej.ch.consume(source, (m) => m && rej.ch.nack(m, false, false))
    await waitFor('20 messages in the DLQ', async () => (await c.at[2].ch.checkQueue(dlq)).messageCount === 20)
    await rej.conn.close()
    expect((await queueAt(1, dlq)).leader).toBe(nodeName(2))
    // the replay target: the source is unbound, a new queue takes its binding
    await ch2.unbindQueue(source, exchange, 'k')
    const target = await c.declare(3, 'target')
    await ch2.bindQueue(target, exchange, 'k')

    const dry = await cg(['dlq', 'replay', dlq, '--dry-run', '--json'])
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.json().totals).toMatchObject({replayed: 0, failed: 0})

    const r = await cg(['dlq', 'replay', dlq, '--json'])
    expect(r.code, r.stderr + r.stdout).toBe(0)
    const doc = r.json()
    expectValid('dlq-replay.json', doc)
    expect(doc.totals).toMatchObject({replayed: 20, skipped: 0, failed: 0, error: null, target: exchange})
    expect((await c.at[1].ch.checkQueue(dlq)).messageCount).toBe(0)
    expect((await c.at[1].ch.checkQueue(target)).messageCount).toBe(20)
  })
})
