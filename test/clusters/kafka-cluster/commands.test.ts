// Every Kafka command of cg against a three-node cluster (scripts/deploy/kafka-cluster.sh), with the group's
// coordinator on one node and partition leaders on the others: cg reaches each through the bootstrap list,
// asks the coordinator for group state and each leader for its partitions.
import type {Admin} from '@platformatic/kafka'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {runCg} from '../../helpers/cli.js'
import {CLUSTER_BOOTSTRAP, CLUSTER_URL, coordinatorOf, leadersOf} from '../../helpers/kafka-cluster.js'
import {
  classicMember,
  commitOffsets,
  createTopic,
  deleteGroups,
  deleteTopics,
  kafkaAdmin,
  kname,
  produce,
  waitFor,
  type MemberHandle,
} from '../../helpers/kafka.js'
import {expectValid} from '../../helpers/schemas.js'
import {KafkaDlqFixture, springHeaders} from '../../integration/kafka/dlq-fixtures.js'

const cg = (...args: string[]) => runCg([...args, '--url', CLUSTER_URL])
async function cgJson(schema: string | null, ...args: string[]) {
  const r = await cg(...args, '--json')
  expect(r.code, r.stderr + r.stdout).toBe(0)
  const doc = r.json()
  if (schema) expectValid(schema, doc, args.join(' '))
  return doc
}

describe('kafka-cluster: every Kafka command, coordinator and leaders on different nodes', () => {
  let admin: Admin
  let fx: KafkaDlqFixture
  const topic = kname('kc')
  const group = kname('kc-g')
  const live = kname('kc-live')
  let member: MemberHandle

  beforeAll(async () => {
    admin = kafkaAdmin(CLUSTER_BOOTSTRAP)
    fx = new KafkaDlqFixture(CLUSTER_BOOTSTRAP)
    await createTopic(admin, topic, 3, 3)
    await produce(CLUSTER_BOOTSTRAP, topic, 30, 3)
    await commitOffsets(admin, group, {[topic]: [2, 3, 4]})
    member = await classicMember({bootstrap: CLUSTER_BOOTSTRAP, group: live, topics: [topic], commit: 3, clientId: 'cg-kc-live'})
  }, 120_000)

  afterAll(async () => {
    await member?.stop()
    await deleteGroups(admin, [group, live])
    await deleteTopics(admin, [topic])
    await fx.close()
    await admin.close()
  }, 60_000)

  it('the topic is replicated on all three nodes; the coordinator is one node, leaders are on the others too', async () => {
    const meta = await admin.metadata({topics: [topic], forceUpdate: true})
    expect([...meta.brokers.keys()].sort()).toEqual([1, 2, 3])
    for (const p of meta.topics.get(topic)!.partitions) expect([...p.replicas].sort()).toEqual([1, 2, 3])
    const leaders = await leadersOf(admin, topic)
    const coordinator = await coordinatorOf(admin, group)
    expect(new Set(leaders).size).toBeGreaterThan(1)
    expect(leaders.some((l) => l !== coordinator)).toBe(true)
    expect(await coordinatorOf(admin, live)).toBe(coordinator) // one offsets partition: one coordinator
    // cg names each partition's leader, as the metadata does
    const doc = await cgJson('pending.json', 'pending', group)
    expect(doc.partitions.map((p: {leader: number}) => p.leader)).toEqual(leaders)
    expect(doc.leaderlessPartitions).toBe(0)
  })

  it('groups, consumers, pending, lag', async () => {
    const groups = await cgJson('groups.json', 'groups')
    const row = groups.groups.find((g: {group: string}) => g.group === group)
    expect(row).toMatchObject({state: 'Empty', lag: 21, sources: [topic], leaderlessPartitions: 0})
    const consumers = await cgJson('consumers.json', 'consumers', live)
    expect(consumers.consumers).toHaveLength(1)
    expect(consumers.consumers[0]).toMatchObject({name: member.memberId, clientId: 'cg-kc-live'})
    const pending = await cgJson('pending.json', 'pending', group)
    expect(pending.pending).toBe(21)
    expect(pending.partitions.map((p: {lag: number}) => p.lag)).toEqual([8, 7, 6])
    const lag = await cgJson('lag.json', 'lag', group)
    expect(lag.groups[0]).toMatchObject({group, lag: 21})
    const table = await cg('lag', group)
    expect(table.code, table.stderr).toBe(0)
    expect(table.stdout).not.toContain('without a leader')
  })

  it('reset (dry run and --execute), offsets delete, group delete', async () => {
    const dry = await cgJson('reset.json', 'reset', group, '--topic', topic, '--to-latest')
    expect(dry.partitions.map((p: {new: number}) => p.new)).toEqual([10, 10, 10])
    await cgJson('reset.json', 'reset', group, '--topic', topic, '--to-earliest', '--execute')
    expect((await cgJson('pending.json', 'pending', group)).pending).toBe(30)
    const del = await cgJson('offsets-delete.json', 'offsets', 'delete', group, '--topic', `${topic}:0`)
    expect(del).toMatchObject({totals: {deleted: 1, failed: 0}})
    const gone = await cgJson('group-delete.json', 'group', 'delete', group)
    expect(gone).toMatchObject({deleted: true})
    expect((await cg('pending', group)).code).toBe(5)
  })

  it('consumer delete removes the live member through the coordinator', async () => {
    const doc = await cgJson('consumer-delete.json', 'consumer', 'delete', live, member.memberId)
    expect(doc).toMatchObject({deleted: true, consumer: member.memberId})
    await waitFor(
      async () => !(await cgJson(null, 'consumers', live)).consumers.some((m: {name: string}) => m.name === member.memberId),
      20_000,
      'the member to leave',
    )
  })

  it('dlq list, peek, replay (exactly once into the source) and purge', async () => {
    const source = kname('kc-src')
    await fx.topic(source, 3, 3)
    const dlq = await fx.topic(`${source}.DLT`, 3, 3)
    const n = 60
    await fx.produce(
      dlq,
      Array.from({length: n}, (_, i) => ({
        partition: i % 3,
        value: Buffer.from(JSON.stringify({id: i})),
        headers: springHeaders(source, i % 3, Math.floor(i / 3)),
      })),
    )
    const list = await cgJson('dlq-list.json', 'dlq', 'list', source)
    expect(list.length).toBe(n)
    const peek = await cgJson('dlq-peek.json', 'dlq', 'peek', '--dlq', dlq, '2:0')
    expect(peek.entries).toEqual([expect.objectContaining({partition: 2, offset: '0', value: JSON.stringify({id: 2})})])
    const replay = await cgJson('dlq-replay.json', 'dlq', 'replay', source)
    expect(replay.totals).toMatchObject({replayed: n, failed: 0})
    const back = await fx.readAll(source)
    expect(back).toHaveLength(n)
    expect(new Set(back.map((r) => r.value!.toString())).size).toBe(n)
    expect((await cgJson('dlq-replay.json', 'dlq', 'replay', source)).totals.replayed).toBe(0)
    const purge = await cgJson('dlq-purge.json', 'dlq', 'purge', source, '--yes')
    expect(purge.totals).toMatchObject({purged: n, failed: 0})
    expect(await fx.readAll(dlq)).toHaveLength(0)
  })
})
