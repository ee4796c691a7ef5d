// The RabbitMQ cluster of scripts/deploy/rabbitmq-cluster.sh (CG_BROKERS=rabbitmq-cluster): node N of
// 1..3 is cgN@localhost, AMQP 127.0.0.1:567(2+N), management 1567(2+N). Helpers to reach one node, to stop
// and start nodes, and a profile file whose profiles talk to node 1 (cg's view "through any one node").
import {execFile} from 'node:child_process'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {promisify} from 'node:util'
import amqp, {type Channel, type ChannelModel} from 'amqplib'
import {afterAll, beforeAll} from 'vitest'
import {enc, uniqName} from './rabbitmq.js'

export type NodeNo = 1 | 2 | 3
export const nodeName = (n: NodeNo) => `cg${n}@localhost`
export const amqpUrl = (n: NodeNo) => `amqp://guest:guest@127.0.0.1:${5672 + n}`
export const mgmtUrl = (n: NodeNo) => `http://127.0.0.1:${15672 + n}`

const SCRIPT = fileURLToPath(new URL('../../scripts/deploy/rabbitmq-cluster.sh', import.meta.url))
const run = promisify(execFile)

/** Stops node N (rabbitmqctl shutdown): its connections die, its classic queues go down. */
export async function stopNode(n: NodeNo): Promise<void> {
  await run('bash', [SCRIPT, 'stop-node', String(n)], {timeout: 90_000})
}

/** Starts node N again (if it is stopped) and waits until its management API answers (it rejoins the cluster by itself). */
export async function startNode(n: NodeNo): Promise<void> {
  await run('bash', [SCRIPT, 'start-node', String(n)], {timeout: 150_000})
  await waitForNodes([n], [n])
}

/** Waits until the management API of each of `via` lists `running` as running nodes. */
export async function waitForNodes(via: NodeNo[], running: NodeNo[], timeoutMs = 90_000): Promise<void> {
  const until = Date.now() + timeoutMs
  for (const v of via) {
    for (;;) {
      const nodes: Array<{name: string; running: boolean}> | null = await mgmtAt(v, 'GET', 'nodes?columns=name,running').catch(() => null)
      if (nodes && running.every((r) => nodes.some((x) => x.name === nodeName(r as NodeNo) && x.running))) break
      if (Date.now() > until) throw new Error(`nodes ${running.join(',')} not all running as node ${v} sees them`)
      await new Promise((r) => setTimeout(r, 500))
    }
  }
}

/** The management API of node N as guest; throws with the status on a non-2xx reply. */
export async function mgmtAt<T = any>(n: NodeNo, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${mgmtUrl(n)}/api/${path}`, {
    method,
    headers: {authorization: 'Basic ' + Buffer.from('guest:guest').toString('base64'), 'content-type': 'application/json'},
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(20_000),
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`management ${method} ${mgmtUrl(n)}/api/${path}: HTTP ${res.status} ${text}`)
  return (text ? JSON.parse(text) : undefined) as T
}

/** A queue as node N's management API sees it (members, leader, online, counts). */
export const queueAt = (n: NodeNo, queue: string) => mgmtAt(n, 'GET', `queues/%2F/${enc(queue)}`)

/**
 * A profile file: `node1` talks to node 1 only (AMQP and management), `list` lists the three management
 * URLs with node 1 first (AMQP on `amqpNode`), `only1` lists node 1's management alone.
 */
export function clusterConfig(amqpNode: NodeNo = 1): string {
  const dir = mkdtempSync(join(tmpdir(), 'cg-rcluster-'))
  const path = join(dir, 'config.yaml')
  writeFileSync(
    path,
    [
      'profiles:',
      '  node1:',
      `    url: ${amqpUrl(1)}`,
      `    management: ${mgmtUrl(1)}`,
      '  list:',
      `    url: ${amqpUrl(amqpNode)}`,
      `    management: [${mgmtUrl(1)}, ${mgmtUrl(2)}, ${mgmtUrl(3)}]`,
      '  only1:',
      `    url: ${amqpUrl(amqpNode)}`,
      `    management: [${mgmtUrl(1)}]`,
      '',
    ].join('\n'),
  )
  return path
}

export interface NodeConn {
  conn: ChannelModel
  ch: Channel
}

/**
 * Connections to each node (opened before the block), and the queues made in the block, deleted after
 * it. `declare(node, ...)` declares through that node: a quorum queue's leader and a classic queue's
 * home are the node of the declaring connection (client-local placement).
 */
export function useCluster() {
  const queues: string[] = []
  const closers: Array<() => Promise<unknown>> = []
  const at = {} as Record<NodeNo, NodeConn>
  const c = {
    at,
    async open(n: NodeNo, name = uniqName(`node${n}`)): Promise<NodeConn> {
      const conn = await amqp.connect(amqpUrl(n), {clientProperties: {connection_name: name}})
      conn.on('error', () => undefined)
      const ch = await conn.createChannel()
      ch.on('error', () => undefined)
      closers.push(() => conn.close())
      return {conn, ch}
    },
    /** declares a durable queue through node N (quorum with replicas on all nodes by default) with `messages` in it */
    async declare(n: NodeNo, name: string, opts: {args?: Record<string, unknown>; messages?: number; classic?: boolean} = {}): Promise<string> {
      const q = uniqName(name)
      queues.push(q)
      const args = opts.classic ? (opts.args ?? {}) : {'x-queue-type': 'quorum', ...(opts.args ?? {})}
      await at[n].ch.assertQueue(q, {durable: true, arguments: args})
      for (let i = 0; i < (opts.messages ?? 0); i++) at[n].ch.sendToQueue(q, Buffer.from(`m${i}`), {messageId: `m-${i}`})
      if (opts.messages) await at[n].ch.checkQueue(q)
      return q
    },
    /** a queue name deleted after the block */
    name(name: string): string {
      const q = uniqName(name)
      queues.push(q)
      return q
    },
    defer(fn: () => Promise<unknown>): void {
      closers.push(fn)
    },
  }
  beforeAll(async () => {
    await waitForNodes([1], [1, 2, 3])
    for (const n of [1, 2, 3] as NodeNo[]) at[n] = await c.open(n, `cg-test-setup-${n}`)
  })
  afterAll(async () => {
    for (const f of closers.reverse()) await f().catch(() => undefined)
    for (const q of queues) {
      for (const n of [1, 2, 3] as NodeNo[]) {
        const ok = await mgmtAt(n, 'DELETE', `queues/%2F/${enc(q)}`).then(
          () => true,
          (e: Error) => /HTTP 404/.test(e.message),
        )
        if (ok) break
      }
    }
  })
  return c
}
