// The kafka-cluster deployment (scripts/deploy/kafka-cluster.sh): three KRaft nodes of Kafka 4.x, node.id 1-3 on
// 127.0.0.1:9292-9294, topics replicated 3 times. Its tests stop and start nodes through the same script.
import {execFile} from 'node:child_process'
import {fileURLToPath} from 'node:url'
import {promisify} from 'node:util'
import type {Admin} from '@platformatic/kafka'

export const CLUSTER_PORTS = [9292, 9293, 9294] as const
export const CLUSTER_BOOTSTRAP = CLUSTER_PORTS.map((p) => `127.0.0.1:${p}`).join(',')
export const CLUSTER_URL = `kafka://${CLUSTER_BOOTSTRAP}`
/** node.id -> port (node.id 1 is 9292) */
export const portOf = (node: number): number => CLUSTER_PORTS[node - 1]

const SCRIPT = fileURLToPath(new URL('../../scripts/deploy/kafka-cluster.sh', import.meta.url))

async function deploy(...args: string[]): Promise<string> {
  const {stdout} = await promisify(execFile)('bash', [SCRIPT, ...args], {timeout: 150_000})
  return stdout
}

/** Stops one node (SIGTERM: a controlled shutdown, its leaderships move to the others). */
export const stopNode = (node: number) => deploy('stop-node', String(portOf(node)))
/** Starts one node again (or finds it running); resolves once it serves. */
export const startNode = (node: number) => deploy('start-node', String(portOf(node)))
/** Starts whatever node is stopped (for afterAll: leave the cluster whole for the next file). */
export const clusterUp = () => deploy('up')

/** The node that coordinates a group (FindCoordinator). */
export async function coordinatorOf(admin: Admin, group: string): Promise<number> {
  const [c] = await admin.findCoordinator({keyType: 0, keys: [group]})
  return c.nodeId
}

/** Leader node of each partition of a topic (-1: none), fresh from the metadata. */
export async function leadersOf(admin: Admin, topic: string): Promise<number[]> {
  const meta = await admin.metadata({topics: [topic], forceUpdate: true})
  return meta.topics.get(topic)!.partitions.map((p) => p.leader)
}

/**
 * Resolves once the whole cluster serves idempotent producers again: every node up (clusterUp) and a
 * producer's InitProducerId and a write with acks=all to a topic replicated on all three nodes accepted.
 * After a node restarts, the transaction coordinator and the in-sync replicas take a while to settle.
 */
export async function clusterSettled(admin: Admin, bootstrap: string): Promise<void> {
  const {createTopic, deleteTopics, kname, produce, waitFor} = await import('./kafka.js')
  await clusterUp()
  const probes: string[] = []
  const probe = await waitFor(
    async () => {
      // a new name each try: a try that failed half-way may have created its topic
      const name = kname('settle')
      probes.push(name)
      await createTopic(admin, name, 1, 3)
      return name
    },
    60_000,
    'a topic replicated on the three nodes',
  )
  await waitFor(
    async () => {
      await produce(bootstrap, probe, 1)
      return true
    },
    60_000,
    'an idempotent producer accepted by the cluster',
  )
  await deleteTopics(admin, probes).catch(() => undefined)
}
