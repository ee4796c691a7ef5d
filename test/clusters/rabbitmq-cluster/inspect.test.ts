// cg through node 1 sees the queues led by, and the consumers connected to, nodes 2 and 3.
import {describe, expect, it} from 'vitest'
import {runCg} from '../../helpers/cli.js'
import {waitFor} from '../../helpers/rabbitmq.js'
import {clusterConfig, nodeName, queueAt, useCluster} from '../../helpers/rabbitmq-cluster.js'
import {expectValid} from '../../helpers/schemas.js'

const CONFIG = clusterConfig()
const cg = (args: string[]) => runCg([...args, '--config', CONFIG, '--profile', 'node1'])

describe('rabbitmq cluster: groups, consumers, pending, lag through one node', () => {
  const c = useCluster()

  it('quorum queues are replicated on all three nodes, led by the node they were declared on', async () => {
    const q2 = await c.declare(2, 'led2')
    const q3 = await c.declare(3, 'led3')
    for (const [q, leader] of [
      [q2, 2],
      [q3, 3],
    ] as const) {
      const info = await waitFor(`${q} with a leader`, async () => {
        const i = await queueAt(1, q)
        return i.leader ? i : null
      })
      expect(info.type).toBe('quorum')
      expect([...info.members].sort()).toEqual([nodeName(1), nodeName(2), nodeName(3)])
      expect([...info.online].sort()).toEqual([nodeName(1), nodeName(2), nodeName(3)])
      expect(info.leader).toBe(nodeName(leader))
    }
  })

  it('node 1 lists queues led by nodes 2 and 3 with their consumers, and each consumer connected to another node', async () => {
    const q2 = await c.declare(2, 'seen2', {messages: 6})
    const q3 = await c.declare(3, 'seen3', {messages: 4})
    // a consumer of q2 connected to node 3, one of q3 connected to node 2; each holds 2 unacked
    const w3 = await c.open(3, 'cg-test-worker-on-3')
    await w3.ch.prefetch(2)
    await w3.ch.consume(q2, () => undefined, {noAck: false, consumerTag: 'tag-on-3'})
    const w2 = await c.open(2, 'cg-test-worker-on-2')
    await w2.ch.prefetch(2)
    await w2.ch.consume(q3, () => undefined, {noAck: false, consumerTag: 'tag-on-2'})
    await waitFor('both queues sampled with their consumer and 2 unacked', async () => {
      const [a, b] = [await queueAt(1, q2), await queueAt(1, q3)]
      return (
        a.consumers === 1 &&
        b.consumers === 1 &&
        a.messages_unacknowledged === 2 &&
        b.messages_unacknowledged === 2 &&
        a.state === 'running' &&
        b.state === 'running'
      )
    })

    const g = await cg(['groups', '--json'])
    expect(g.code, g.stderr).toBe(0)
    const doc = g.json()
    expectValid('groups.json', doc)
    expect(doc.nodesDown).toEqual([])
    expect(doc.warnings).toEqual([])
    const row = (q: string) => doc.groups.find((r: {group: string}) => r.group === q)
    expect(row(q2)).toMatchObject({type: 'quorum', state: 'running', node: nodeName(2), consumers: 1, lag: 4, unacked: 2, stateNote: null})
    expect(row(q3)).toMatchObject({type: 'quorum', state: 'running', node: nodeName(3), consumers: 1, lag: 2, unacked: 2, stateNote: null})
    expect(row(q2).members).toHaveLength(3)
    const table = await cg(['groups'])
    expect(table.stdout).toMatch(/DEAD-LETTER\s+STATE\s+NODE/)
    expect(table.stdout).toMatch(new RegExp(`${q3}\\s+quorum\\s+1\\s+2\\s.*\\s+running\\s+cg3@localhost\\s*$`, 'm'))

    const cons = await cg(['consumers', q2, '--json'])
    expect(cons.code, cons.stderr).toBe(0)
    const cd = cons.json()
    expectValid('consumers.json', cd)
    expect(cd.consumers).toHaveLength(1)
    // the management API names a connection "peer -> node's listener": this one is on node 3's (5675)
    expect(cd.consumers[0]).toMatchObject({name: 'tag-on-3', connectionName: 'cg-test-worker-on-3', channelUnacked: 2, pending: 2})
    expect(cd.consumers[0].connection).toMatch(/-> 127\.0\.0\.1:5675$/)
    expect(cd.warnings).toEqual([])

    const p = await cg(['pending', q3, '--json'])
    expect(p.code, p.stderr).toBe(0)
    const pd = p.json()
    expectValid('pending.json', pd)
    expect(pd.summary).toMatchObject({ready: 2, readySource: 'amqp', unacked: 2, consumers: 1})
    expect(pd.pending).toBe(4)
    expect(pd.channels).toEqual([expect.objectContaining({connectionName: 'cg-test-worker-on-2', consumers: ['tag-on-2'], unacked: 2})])
    expect(pd.channels[0].connection).toMatch(/-> 127\.0\.0\.1:5674$/)

    const l = await cg(['lag', '--json'])
    expect(l.code, l.stderr).toBe(0)
    const ld = l.json()
    expectValid('lag.json', ld)
    const lrow = (q: string) => ld.groups.find((r: {group: string}) => r.group === q)
    expect(lrow(q2)).toMatchObject({lag: 4, lagSource: 'amqp', consumers: 1, unacked: 2, stateNote: null})
    expect(lrow(q3)).toMatchObject({lag: 2, lagSource: 'amqp', consumers: 1, unacked: 2, stateNote: null})
  })
})
