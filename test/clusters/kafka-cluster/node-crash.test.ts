// A node that crashes (SIGKILL) stays in the cluster metadata for a while (until the controller's
// broker.session.timeout.ms, 9 s here): a ListGroups sent to every node fails on it. cg then asks the nodes one
// by one: the groups of the live nodes are listed, the node that does not answer is named on stderr, and
// commands on a group coordinated elsewhere work.
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import type {Admin} from '@platformatic/kafka'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {runCg} from '../../helpers/cli.js'
import {CLUSTER_BOOTSTRAP, CLUSTER_URL, clusterSettled, coordinatorOf, portOf} from '../../helpers/kafka-cluster.js'
import {commitOffsets, createTopic, deleteGroups, deleteTopics, kafkaAdmin, kname, produce} from '../../helpers/kafka.js'
import {expectValid} from '../../helpers/schemas.js'

const cg = (...args: string[]) => runCg([...args, '--url', CLUSTER_URL])
const VERSION = readFileSync(fileURLToPath(new URL('../../../scripts/kafka/versions.env', import.meta.url)), 'utf8').match(/KAFKA_VERSION=(\S+)/)?.[1]
const pidOf = (node: number) =>
  Number(readFileSync(fileURLToPath(new URL(`../../../.brokers/kafka-cluster/${VERSION}/node-${portOf(node)}/broker.pid`, import.meta.url)), 'utf8').trim())

describe('kafka-cluster: a node killed with SIGKILL, still in the metadata', () => {
  let admin: Admin
  const topic = kname('kx')
  // groups until two of them have different coordinators: one is killed, the other answers
  const groups = Array.from({length: 12}, (_, i) => kname(`kx-g${i}`))
  let victim: number
  let survivor: string

  beforeAll(async () => {
    admin = kafkaAdmin(CLUSTER_BOOTSTRAP)
    await clusterSettled(admin, CLUSTER_BOOTSTRAP)
    await createTopic(admin, topic, 3, 3)
    await produce(CLUSTER_BOOTSTRAP, topic, 30, 3)
    for (const g of groups) await commitOffsets(admin, g, {[topic]: [1, 2, 3]})
    const coordinators = new Map<string, number>()
    for (const g of groups) coordinators.set(g, await coordinatorOf(admin, g))
    victim = coordinators.get(groups[0])!
    survivor = groups.find((g) => coordinators.get(g) !== victim)!
    expect(survivor, 'a group coordinated by another node').toBeDefined()
  }, 150_000)

  afterAll(async () => {
    await clusterSettled(admin, CLUSTER_BOOTSTRAP)
    await deleteGroups(admin, groups)
    await deleteTopics(admin, [topic])
    await admin.close()
  }, 150_000)

  it('groups lists what the live nodes coordinate and names the dead one; lag of a group coordinated elsewhere answers', async () => {
    process.kill(pidOf(victim), 'SIGKILL')
    const r = await cg('groups', '--json')
    expect(r.code, r.stderr).toBe(0)
    expectValid('groups.json', r.json())
    const listed = r.json().groups.map((g: {group: string}) => g.group)
    expect(listed).toContain(survivor)
    // within the window the node is still in the metadata: it is named; after it, the metadata has dropped it
    if (r.stderr) expect(r.stderr).toMatch(new RegExp(`Warning: node ${victim} \\(127\\.0\\.0\\.1:${portOf(victim)}\\) did not answer`))
    const lag = await cg('lag', survivor, '--json')
    expect(lag.code, lag.stderr).toBe(0)
    expect(lag.json().groups[0]).toMatchObject({group: survivor})
  })
})
