// A RabbitMQ user with read-only permissions on a vhost (configure "^$", write "^$", read ".*") and the
// monitoring tag: every read command works, every repair is refused with exit 4 naming what is missing
// (the permission and the resource, or the administrator tag), a wrong password is exit 69, and nothing
// changes: the queues keep their messages, the consumer its connection and its unacked messages.
//
// The tag: without one the management API refuses the user altogether ("Not management user"); with
// `management` it sees only its own channels and connections, so consumers/pending/claim --dry-run could
// not show who holds the unacked messages. `monitoring` adds the read of every channel and connection and
// nothing that writes (closing another user's connection still needs `administrator`).
import {randomBytes} from 'node:crypto'
import amqp from 'amqplib'
import {beforeAll, describe, expect, it} from 'vitest'
import {runCg} from '../../helpers/cli.js'
import {enc, mgmt, RABBIT_HOST, type StuckConsumer, useRabbit, waitFor, waitStuck} from '../../helpers/rabbitmq.js'
import {expectValid} from '../../helpers/schemas.js'

describe('rabbitmq: a read-only user (read ".*", configure and write "^$", tag monitoring)', () => {
  const rmq = useRabbit()
  const ro = {user: `cgtest-ro-${randomBytes(4).toString('hex')}`, password: `ro-${randomBytes(6).toString('hex')}`}
  let vhost = ''
  let url = ''
  const q = {orders: 'orders', dlx: 'orders.dlx', dlq: 'orders.dlq'}
  let stuck: StuckConsumer

  /** what must not change: ready counts (passive declare), the consumer, its connection, the bindings */
  async function state() {
    const c = await amqp.connect(`amqp://guest:guest@${RABBIT_HOST}:5672/${enc(vhost)}`)
    try {
      const ch = await c.createChannel()
      const orders = await ch.checkQueue(q.orders)
      const dlq = await ch.checkQueue(q.dlq)
      const bindings = (await mgmt('GET', `bindings/${enc(vhost)}`)).length
      const conns = (await mgmt('GET', 'connections')).filter((x: any) => x.client_properties?.connection_name === stuck.name).length
      return {orders: orders.messageCount, ordersConsumers: orders.consumerCount, dlq: dlq.messageCount, bindings, conns}
    } finally {
      await c.close()
    }
  }

  beforeAll(async () => {
    vhost = await rmq.vhost()
    await mgmt('PUT', `users/${enc(ro.user)}`, {password: ro.password, tags: 'monitoring'})
    rmq.defer(() => mgmt('DELETE', `users/${enc(ro.user)}`))
    await mgmt('PUT', `permissions/${enc(vhost)}/${enc(ro.user)}`, {configure: '^$', write: '^$', read: '.*'})
    url = `amqp://${enc(ro.user)}:${enc(ro.password)}@${RABBIT_HOST}:5672/${enc(vhost)}`
    // a source queue dead-lettering into orders.dlq (3 dead letters), 6 messages in it, 2 held unacked by a consumer
    const c = await amqp.connect(`amqp://guest:guest@${RABBIT_HOST}:5672/${enc(vhost)}`)
    const ch = await c.createChannel()
    await ch.assertExchange(q.dlx, 'fanout', {durable: false})
    await ch.assertQueue(q.dlq, {durable: false})
    await ch.bindQueue(q.dlq, q.dlx, '')
    await ch.assertQueue(q.orders, {durable: false, arguments: {'x-dead-letter-exchange': q.dlx}})
    for (let i = 0; i < 3; i++) ch.sendToQueue(q.orders, Buffer.from(`dead ${i}`), {messageId: `d${i}`})
    await ch.checkQueue(q.orders)
    for (let i = 0; i < 3; i++) {
      const m = await ch.get(q.orders, {noAck: false})
      if (m) ch.nack(m, false, false)
    }
    for (let i = 0; i < 6; i++) ch.sendToQueue(q.orders, Buffer.from(`live ${i}`), {messageId: `o${i}`})
    await waitFor('3 dead letters', async () => (await ch.checkQueue(q.dlq)).messageCount === 3)
    await c.close()
    stuck = await rmq.stuck({queue: q.orders, prefetch: 2, vhost})
    await waitStuck(q.orders, 2, vhost)
  })

  it('every read command works', async () => {
    const before = await state()
    expect(before).toMatchObject({orders: 4, ordersConsumers: 1, dlq: 3, conns: 1})

    const groups = await runCg(['groups', '--url', url, '--json'])
    expect(groups.code, groups.stderr).toBe(0)
    expectValid('groups.json', groups.json())
    expect(
      groups
        .json()
        .groups.map((g: any) => g.group)
        .sort(),
    ).toEqual([q.orders, q.dlq].sort())

    const consumers = await runCg(['consumers', q.orders, '--url', url, '--json'])
    expect(consumers.code, consumers.stderr).toBe(0)
    // monitoring sees the channel of another user's consumer (its unacked messages, its connection)
    expect(consumers.json().consumers).toEqual([expect.objectContaining({name: stuck.tag, channelUnacked: 2, connectionName: stuck.name})])

    const pending = await runCg(['pending', q.orders, '--url', url, '--json'])
    expect(pending.code, pending.stderr).toBe(0)
    expect(JSON.stringify(pending.json())).toContain(stuck.name)

    const lag = await runCg(['lag', q.orders, '--url', url, '--json'])
    expect(lag.code, lag.stderr).toBe(0)
    expect(lag.json().groups).toEqual([expect.objectContaining({group: q.orders, lag: 4, unacked: 2})])

    const all = await runCg(['lag', '--url', url, '--json'])
    expect(all.code, all.stderr).toBe(0)
    expect(all.json().groups).toHaveLength(2)

    const check = await runCg(['check', '--url', url])
    expect(check.code, check.stdout + check.stderr).toBe(0)
    expect(check.stdout).toMatch(/^CG OK/)

    const metrics = await runCg(['metrics', '--url', url])
    expect(metrics.code, metrics.stderr).toBe(0)
    expect(metrics.stdout).toContain(`cg_dlq_depth{broker="rabbitmq",vhost="${vhost}",source="${q.orders}",group="${q.orders}",dlq="${q.dlq}"} 3`)

    const test = await runCg(['profiles', 'test', '--url', url, '--json'])
    expect(test.code, test.stderr).toBe(0)
    expect(test.json()).toMatchObject({ok: true, mode: `vhost ${vhost}`})

    // dlq list / peek read with manual acks and put back: read permission is enough
    const list = await runCg(['dlq', 'list', q.orders, '--url', url, '--json'])
    expect(list.code, list.stderr).toBe(0)
    expect(list.json().messages.map((e: any) => e.messageId)).toEqual(['d0', 'd1', 'd2'])
    const peek = await runCg(['dlq', 'peek', q.orders, 'd1', '--url', url, '--json'])
    expect(peek.code, peek.stderr).toBe(0)
    expect(peek.json().messages).toEqual([expect.objectContaining({messageId: 'd1'})])

    // the dry runs of repairs are reads too
    const replayPlan = await runCg(['dlq', 'replay', q.orders, '--dry-run', '--url', url, '--json'])
    expect(replayPlan.code, replayPlan.stderr).toBe(0)
    const purgePlan = await runCg(['dlq', 'purge', q.orders, '--dry-run', '--url', url, '--json'])
    expect(purgePlan.code, purgePlan.stderr).toBe(0)
    expect(purgePlan.json().count).toBe(3)
    const claimPlan = await runCg(['claim', q.orders, '--idle', '0', '--dry-run', '--url', url, '--json'])
    expect(claimPlan.code, claimPlan.stderr).toBe(0)
    expect(claimPlan.json().plan[0].connectionName).toBe(stuck.name)

    expect(await state()).toEqual(before)
  })

  it('every repair is refused with exit 4 naming what is missing, and nothing changes', async () => {
    const before = await state()
    const refusal = async (args: string[], ...says: Array<string | RegExp>) => {
      const r = await runCg([...args, '--url', url])
      expect(r.code, `cg ${args.join(' ')}: ${r.stdout}${r.stderr}`).toBe(4)
      const error = r.stderr.split('\n').find((l) => l.startsWith('Error: '))
      expect(error, r.stderr).toBeDefined()
      for (const s of says) expect(error).toMatch(s)
      expect(r.stderr).not.toContain(ro.password)
      return r
    }
    // RabbitMQ purges with read permission alone: cg asks for write on the DLQ as well
    const purge = await refusal(
      ['dlq', 'purge', q.orders, '--yes'],
      `user ${ro.user} may not purge the DLQ ${q.dlq}`,
      `no write permission on queue ${q.dlq} in vhost ${vhost}`,
    )
    expect(purge.stderr).toMatch(/^Hint: Nothing was changed\..*set_permissions/m)
    // replay: write on the target exchange (the x-death exchange: the default one, or the one given)
    await refusal(['dlq', 'replay', q.orders], `user ${ro.user} may not replay ${q.dlq} to the default exchange`, 'no write permission on exchange amq.default')
    await refusal(['dlq', 'replay', q.orders, '--to-exchange', q.dlx], `no write permission on exchange ${q.dlx} in vhost ${vhost}`)
    await refusal(['dlq', 'replay', '--dlq', q.dlq, '--limit', '1'], 'no write permission on exchange amq.default')
    // claim and consumer delete close another user's connection: the administrator tag
    await refusal(
      ['claim', q.orders, '--idle', '0'],
      `user ${ro.user} may not close connections of other users: ${stuck.name} (user guest)`,
      'administrator tag',
      'tags monitoring',
    )
    await refusal(['consumer', 'delete', q.orders, stuck.tag], 'administrator tag')
    // what cg never does on RabbitMQ is refused the same way
    await refusal(['group', 'delete', q.orders], 'not possible on RabbitMQ')
    await refusal(['group', 'create', q.orders], 'not possible on RabbitMQ')
    await refusal(['dlq', 'move', q.orders], 'not possible on RabbitMQ')
    await refusal(['reset', q.orders, '--to-earliest'], 'not possible on RabbitMQ')

    const json = await runCg(['dlq', 'purge', q.orders, '--yes', '--url', url, '--json'])
    expect(json.code).toBe(4)
    expect(json.json().error).toMatchObject({code: 'refused', message: expect.stringContaining('no write permission')})

    expect(await state()).toEqual(before)
    const dlq = await runCg(['dlq', 'list', q.orders, '--url', url, '--json'])
    expect(dlq.json().messages.map((e: any) => e.messageId)).toEqual(['d0', 'd1', 'd2'])
  })

  it('a wrong password is exit 69 (authentication), on AMQP and on the management API', async () => {
    const bad = `amqp://${enc(ro.user)}:wrong@${RABBIT_HOST}:5672/${enc(vhost)}`
    for (const args of [['groups'], ['lag', q.orders], ['dlq', 'purge', q.orders, '--yes']]) {
      const r = await runCg([...args, '--url', bad])
      expect(r.code, r.stderr).toBe(69)
      expect(r.stderr).toMatch(new RegExp(`refused the (credentials|login) of user ${ro.user}`))
    }
    expect(await state()).toMatchObject({orders: 4, dlq: 3, conns: 1})
  })
})
