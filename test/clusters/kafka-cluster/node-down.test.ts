// One node of the three stopped: the node that coordinates the groups and leads partitions of a topic replicated
// three times, and holds the only replica of one partition of another topic. Inspection answers from the other
// two and names the partition without a leader; the coordinator and the leaders of the replicated topic move,
// so repairs on it work; a repair or a replay that needs the partition on the stopped node fails with exit 69
// naming the node, within --timeout.
import type {Admin} from '@platformatic/kafka'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {runCg} from '../../helpers/cli.js'
import {CLUSTER_BOOTSTRAP, CLUSTER_URL, clusterSettled, clusterUp, coordinatorOf, leadersOf, startNode, stopNode} from '../../helpers/kafka-cluster.js'
import {commitOffsets, createTopic, deleteGroups, deleteTopics, kafkaAdmin, kname, produce, waitFor} from '../../helpers/kafka.js'
import {expectValid} from '../../helpers/schemas.js'
import {KafkaDlqFixture, springHeaders} from '../../integration/kafka/dlq-fixtures.js'

const cg = (...args: string[]) => runCg([...args, '--url', CLUSTER_URL])
const TIMEOUT_MS = 5000

describe('kafka-cluster: one node down', () => {
  let admin: Admin
  let fx: KafkaDlqFixture
  const replicated = kname('kd-r')
  const single = kname('kd-one') // partition 0 only on the node stopped, partition 1 on another
  const group = kname('kd-g')
  let down: number
  let other: number
  let dlq: string
  const split = kname('kd-split.DLT') // a DLQ with partition 0 only on the node stopped, partition 1 on another

  beforeAll(async () => {
    admin = kafkaAdmin(CLUSTER_BOOTSTRAP)
    // the file before may have stopped and restarted a node: wait until producers are served again
    await clusterSettled(admin, CLUSTER_BOOTSTRAP)
    fx = new KafkaDlqFixture(CLUSTER_BOOTSTRAP)
    await createTopic(admin, replicated, 3, 3)
    await produce(CLUSTER_BOOTSTRAP, replicated, 30, 3)
    await commitOffsets(admin, group, {[replicated]: [1, 2, 3]})
    down = await coordinatorOf(admin, group)
    other = down === 3 ? 1 : down + 1
    await admin.createTopics({
      topics: [single],
      partitions: -1,
      replicas: -1,
      assignments: [
        {partition: 0, brokers: [down]},
        {partition: 1, brokers: [other]},
      ],
    })
    await waitFor(async () => (await leadersOf(admin, single)).every((l) => l > 0), 10_000, 'leaders of the single-replica topic')
    await produce(CLUSTER_BOOTSTRAP, single, 10, 2)
    await commitOffsets(admin, group, {[single]: [1, 1]})
    // a DLQ (replicated) whose records go back to the partition held by the node about to stop
    dlq = await fx.topic(`${single}.DLT`, 1, 3)
    await fx.produce(
      dlq,
      Array.from({length: 5}, (_, i) => ({value: Buffer.from(`r${i}`), headers: springHeaders(single, 0, i)})),
    )
    await admin.createTopics({
      topics: [split],
      partitions: -1,
      replicas: -1,
      assignments: [
        {partition: 0, brokers: [down]},
        {partition: 1, brokers: [other]},
      ],
    })
    await waitFor(async () => (await leadersOf(admin, split)).every((l) => l > 0), 10_000, 'leaders of the split DLQ')
    await fx.produce(split, [
      ...Array.from({length: 2}, (_, i) => ({partition: 0, value: Buffer.from(`p0-${i}`), headers: springHeaders(single, 0, i)})),
      ...Array.from({length: 3}, (_, i) => ({partition: 1, value: Buffer.from(`p1-${i}`), headers: springHeaders(single, 1, i)})),
    ])
    // the node stopped coordinates the group and leads a partition of the replicated topic
    expect((await leadersOf(admin, replicated)).includes(down)).toBe(true)
    await stopNode(down)
  }, 150_000)

  afterAll(async () => {
    await clusterUp()
    await deleteGroups(admin, [group, `cg-replay.${dlq}`])
    await deleteTopics(admin, [replicated, single, split])
    await fx.close()
    await admin.close()
  }, 150_000)

  it('inspection answers from the other nodes and names the partition without a leader', async () => {
    const r = await cg('pending', group, '--json')
    expect(r.code, r.stderr).toBe(0)
    const doc = r.json()
    expectValid('pending.json', doc)
    expect(doc.leaderlessPartitions).toBe(1)
    const byName = new Map(doc.partitions.map((p: {topic: string; partition: number}) => [`${p.topic}:${p.partition}`, p]))
    expect(byName.get(`${single}:0`)).toMatchObject({leader: null, currentOffset: 1, logEndOffset: null, lag: null})
    expect(byName.get(`${single}:1`)).toMatchObject({leader: other, logEndOffset: 5, lag: 4})
    // the replicated topic's leaders moved off the stopped node: all its offsets are known
    for (let p = 0; p < 3; p++) {
      const row = byName.get(`${replicated}:${p}`) as {leader: number; logEndOffset: number}
      expect(row.leader).not.toBe(down)
      expect(row.leader).toBeGreaterThan(0)
      expect(row.logEndOffset).toBe(10)
    }
    expect(doc.pending).toBe(9 + 8 + 7 + 4)

    const table = await cg('pending', group)
    expect(table.code, table.stderr).toBe(0)
    expect(table.stdout).toContain(`1 partition (${single}:0) without a leader`)
    const groups = await cg('groups', '--json')
    expect(groups.code, groups.stderr).toBe(0)
    expectValid('groups.json', groups.json())
    expect(groups.json().groups.find((g: {group: string}) => g.group === group)).toMatchObject({leaderlessPartitions: 1, lag: 28})
    const lag = await cg('lag', group)
    expect(lag.code, lag.stderr).toBe(0)
    expect(lag.stdout).toContain(`${single}:0`)
    expect(lag.stdout).toContain('without a leader')
  })

  it('a DLQ partition without a leader: list and peek show the others and name it; a peek of it and purge exit 69', async () => {
    const list = await cg('dlq', 'list', '--dlq', split, '--json')
    expect(list.code, list.stderr).toBe(0)
    const doc = list.json()
    expectValid('dlq-list.json', doc)
    expect(doc).toMatchObject({length: 3, leaderlessPartitions: 1})
    expect(doc.partitions).toEqual([
      {partition: 0, start: null, end: null, leader: null},
      {partition: 1, start: '0', end: '3', leader: other},
    ])
    expect(doc.entries.map((e: {dlqId: string}) => e.dlqId)).toEqual(['1:0', '1:1', '1:2'])
    const table = await cg('dlq', 'list', '--dlq', split)
    expect(table.code, table.stderr).toBe(0)
    expect(table.stdout).toContain(`1 partition (${split}:0) without a leader`)
    const peek = await cg('dlq', 'peek', '--dlq', split, '--count', '5', '--json')
    expect(peek.code, peek.stderr).toBe(0)
    expect(peek.json().entries.map((e: {value: string}) => e.value)).toEqual(['p1-0', 'p1-1', 'p1-2'])
    const one = await cg('dlq', 'peek', single, '0:0', '--dlq', split)
    expect(one.code, one.stderr).toBe(69)
    expect(one.stderr).toContain(`${split}:0 has no leader`)
    expect(one.stderr).toContain(`node ${down}`)
    const purge = await cg('dlq', 'purge', '--dlq', split, '--dry-run')
    expect(purge.code, purge.stderr).toBe(69)
    expect(purge.stderr).toContain(`node ${down}`)
  })

  it('the coordinator moved: repairs of the replicated topic work', async () => {
    expect(await coordinatorOf(admin, group)).not.toBe(down)
    const r = await cg('reset', group, '--topic', replicated, '--to-earliest', '--execute', '--json')
    expect(r.code, r.stderr).toBe(0)
    expect(r.json().partitions.map((p: {new: number}) => p.new)).toEqual([0, 0, 0])
  })

  it('a reset that needs the stopped node fails with exit 69 naming it, within --timeout', async () => {
    const t0 = Date.now()
    const r = await cg('reset', group, '--topic', single, '--to-latest', '--execute', '--timeout', String(TIMEOUT_MS))
    expect(Date.now() - t0).toBeLessThan(TIMEOUT_MS + 15_000)
    expect(r.code, r.stderr).toBe(69)
    expect(r.stderr).toContain(`${single}:0`)
    expect(r.stderr).toContain(`node ${down}`)
    // nothing was written: the other partition kept its offset too
    const [g] = await admin.listConsumerGroupOffsets({groups: [group]})
    const offs = g.topics.find((t) => t.name === single)!.partitions.map((p) => Number(p.committedOffset))
    expect(offs).toEqual([1, 1])
  })

  it('a replay into a partition on the stopped node fails with exit 69 naming it, within --timeout; nothing is replayed', async () => {
    const t0 = Date.now()
    const r = await cg('dlq', 'replay', '--dlq', dlq, '--timeout', String(TIMEOUT_MS), '--json')
    expect(Date.now() - t0).toBeLessThan(TIMEOUT_MS + 15_000)
    expect(r.code, r.stderr).toBe(69)
    expect(r.stderr).toContain(`node ${down}`)
    expect(r.json().totals.replayed).toBe(0)
  })

  it('after the node is back, the partition has its leader again and the replay goes through', async () => {
    await startNode(down)
    await waitFor(async () => (await leadersOf(admin, single))[0] === down, 30_000, 'the partition to have its leader back')
    const doc = (await cg('pending', group, '--json')).json()
    expect(doc.leaderlessPartitions).toBe(0)
    const r = await cg('dlq', 'replay', '--dlq', dlq, '--json')
    expect(r.code, r.stderr).toBe(0)
    expect(r.json().totals).toMatchObject({replayed: 5, failed: 0})
    expect(await fx.readAll(single)).toHaveLength(10 + 5)
  }, 120_000)
})
