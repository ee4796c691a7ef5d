// A node down: cg says which queues and consumers it cannot see and still does what it can; a profile
// listing several management URLs is served by the first that answers.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {runCg} from '../../helpers/cli.js'
import {waitFor} from '../../helpers/rabbitmq.js'
import {clusterConfig, nodeName, queueAt, startNode, stopNode, useCluster, waitForNodes} from '../../helpers/rabbitmq-cluster.js'
import {expectValid} from '../../helpers/schemas.js'

// AMQP on node 2: node 1 is the one stopped in the management fallback test
const CONFIG = clusterConfig(2)
const cg = (args: string[], profile = 'node1') => runCg([...args, '--config', CONFIG, '--profile', profile])
const CG3 = nodeName(3)

describe('rabbitmq cluster: node 3 down, then node 1 down', () => {
  const c = useCluster()
  const q = {} as {all: string; classic3: string; single3: string}

  beforeAll(async () => {
    q.all = await c.declare(1, 'all', {messages: 5})
    q.classic3 = await c.declare(3, 'classic3', {classic: true, messages: 2})
    q.single3 = await c.declare(3, 'single3', {args: {'x-quorum-initial-group-size': 1}, messages: 1})
    for (const n of [2, 3] as const) {
      const w = await c.open(n, `cg-test-consumer-on-${n}`)
      await w.ch.prefetch(1)
      await w.ch.consume(q.all, () => undefined, {noAck: false, consumerTag: `on-${n}`})
    }
    await waitFor('both consumers sampled', async () => (await queueAt(1, q.all)).consumers === 2)
    expect((await queueAt(1, q.single3)).members).toEqual([CG3])
    await stopNode(3)
    await waitFor('node 1 seeing node 3 down', async () => (await queueAt(1, q.all)).online?.length === 2, 60_000)
  })

  afterAll(async () => {
    await Promise.all([startNode(1), startNode(3)])
    await waitForNodes([1, 2, 3], [1, 2, 3])
  })

  it('cg groups names the node down and the queues it cannot read (state down, no counts), and lists the rest', async () => {
    const r = await cg(['groups', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const doc = r.json()
    expectValid('groups.json', doc)
    expect(doc.nodesDown).toEqual([CG3])
    expect(doc.warnings).toEqual([expect.stringContaining(`node ${CG3} is down`)])
    const row = (name: string) => doc.groups.find((x: {group: string}) => x.group === name)
    expect(row(q.classic3)).toMatchObject({type: 'classic', state: 'down', node: CG3, lag: null, consumers: null, unacked: null})
    expect(row(q.classic3).stateNote).toBe(`its node ${CG3} is down: no counts until it is back`)
    expect(row(q.single3)).toMatchObject({type: 'quorum', state: 'down', node: null, members: [CG3], online: [], lag: null})
    expect(row(q.single3).stateNote).toMatch(/^no leader: 0 of 1 member\(s\) running \(down: cg3@localhost\)/)
    // replicated on three: still led and counted, with one replica down
    expect(row(q.all)).toMatchObject({type: 'quorum', state: 'running', node: nodeName(1), lag: 4, consumers: 1})
    expect(row(q.all).online).toHaveLength(2)
    expect(row(q.all).stateNote).toBe(`1 of 3 replica(s) down (${CG3}); leader ${nodeName(1)}`)
    expect(r.stderr).toContain(`queue ${q.classic3}: its node ${CG3} is down`)

    const one = await cg(['groups', q.classic3, '--json'])
    expect(one.code, one.stderr).toBe(0)
    expect(one.json().groups).toEqual([expect.objectContaining({group: q.classic3, state: 'down', lag: null})])
    const table = await cg(['groups'])
    expect(table.code, table.stderr).toBe(0)
    expect(table.stdout).toMatch(new RegExp(`${q.classic3}\\s+classic\\s+unknown\\s+unknown\\s.*\\s+down\\s+cg3@localhost\\s*$`, 'm'))
    expect(table.stdout).toMatch(new RegExp(`${q.all}\\s+quorum\\s+1\\s+4\\s.*\\s+running\\*\\s+cg1@localhost\\s*$`, 'm'))
    expect(table.stderr).toContain(`Warning: node ${CG3} is down`)
  })

  it('cg consumers lists the consumers it can see and says which node it cannot; a queue it cannot read is exit 69 naming the node', async () => {
    const r = await cg(['consumers', q.all, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const doc = r.json()
    expectValid('consumers.json', doc)
    // the consumer connected to node 3 died with its node; the one on node 2 is there
    expect(doc.consumers.map((x: {name: string}) => x.name)).toEqual(['on-2'])
    expect(doc.warnings).toEqual([expect.stringContaining(`node ${CG3} is down`), `queue ${q.all}: 1 of 3 replica(s) down (${CG3}); leader ${nodeName(1)}`])

    const down = await cg(['consumers', q.classic3])
    expect(down.code).toBe(69)
    expect(down.stderr).toContain(`queue ${q.classic3} (vhost /) cannot be read: its node ${CG3} is down`)
    const peek = await cg(['dlq', 'peek', q.classic3])
    expect(peek.code).toBe(69)
    expect(peek.stderr).toContain(`cannot be read: its node ${CG3} is down`)
    const pend = await cg(['pending', q.single3, '--json'])
    expect(pend.code).toBe(69)
    expect(pend.json().error.message).toMatch(/cannot be read: no leader/)
  })

  it('cg lag keeps the rows it cannot count (null, with the note) instead of dropping them', async () => {
    const r = await cg(['lag', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const doc = r.json()
    expectValid('lag.json', doc)
    expect(doc.nodesDown).toEqual([CG3])
    const row = (name: string) => doc.groups.find((x: {group: string}) => x.group === name)
    expect(row(q.classic3)).toMatchObject({lag: null, lagSource: 'management', stateNote: expect.stringContaining(`${CG3} is down`)})
    expect(row(q.single3)).toMatchObject({lag: null, lagSource: 'management', stateNote: expect.stringMatching(/^no leader/)})
    expect(row(q.all)).toMatchObject({lag: 4, lagSource: 'amqp'})
  })

  it('a profile listing several management URLs uses the first that answers (node 1 stopped)', async () => {
    await startNode(3)
    await stopNode(1)
    await waitForNodes([2], [2, 3])
    const r = await cg(['groups', '--json'], 'list')
    expect(r.code, r.stderr).toBe(0)
    const doc = r.json()
    expectValid('groups.json', doc)
    expect(doc.nodesDown).toEqual([nodeName(1)])
    expect(doc.groups.map((x: {group: string}) => x.group)).toEqual(expect.arrayContaining([q.all, q.classic3, q.single3]))
    const l = await cg(['lag', q.all, '--json'], 'list')
    expect(l.code, l.stderr).toBe(0)
    expect(l.json().groups).toEqual([expect.objectContaining({group: q.all, lagSource: 'amqp'})])
    // node 1 alone: nothing answers
    const only = await cg(['groups', '--json'], 'only1')
    expect(only.code).toBe(69)
    expect(only.json().error.message).toContain('cannot reach the RabbitMQ management API at http://127.0.0.1:15673')
  })
})
