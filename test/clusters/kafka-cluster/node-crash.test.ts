// A node that crashes (SIGKILL) stays in the cluster metadata for a while (until the controller's
// broker.session.timeout.ms, 9 s here): a ListGroups sent to every node fails on it. cg then asks the nodes one
// by one: the groups of the live nodes are listed, the node that does not answer is named on stderr, and
// commands on a group coordinated by another node work.
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
  // the offsets topic has one partition here: every group has the same coordinator, and another node is killed
  const survivor = kname('kx-g')
  const groups = [survivor]
  let victim: number

  beforeAll(async () => {
    admin = kafkaAdmin(CLUSTER_BOOTSTRAP)
    await clusterSettled(admin, CLUSTER_BOOTSTRAP)
    await createTopic(admin, topic, 3, 3)
    await produce(CLUSTER_BOOTSTRAP, topic, 30, 3)
    await commitOffsets(admin, survivor, {[topic]: [1, 2, 3]})
    const coordinator = await coordinatorOf(admin, survivor)
    victim = coordinator === 3 ? 1 : coordinator + 1
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
