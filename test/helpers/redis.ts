import {afterAll, beforeAll} from 'vitest'
import {Redis, Cluster} from 'ioredis'
import {randomBytes} from 'node:crypto'

export const REDIS_URL = process.env.CG_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'
export const CLUSTER_PORTS = (process.env.CG_REDIS_CLUSTER_PORTS ?? '7001 7002 7003').split(/[ ,]+/).map(Number)
export const CLUSTER_URL = `redis://127.0.0.1:${CLUSTER_PORTS[0]}`

/** A unique key prefix per test so parallel files never share keys. */
export function uniq(name = 't'): string {
  return `cgtest:${name}:${randomBytes(4).toString('hex')}`
}

/** A plain client for setting up state. Fails (never skips) when the server is not reachable. */
export async function redis(): Promise<Redis> {
  const r = new Redis(REDIS_URL, {protocol: 2, lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null})
  await r.connect()
  return r
}

export async function cluster(): Promise<Cluster> {
  const c = new Cluster(
    CLUSTER_PORTS.map((port) => ({host: '127.0.0.1', port})),
    {
      redisOptions: {protocol: 2},
      lazyConnect: true,
      clusterRetryStrategy: () => null,
    },
  )
  await c.connect()
  return c
}

/** Adds n entries and lets `consumers` read them round-robin so they sit in the PEL. */
export async function seedGroup(r: Redis | Cluster, stream: string, group: string, n: number, consumers: string[] = ['c1']): Promise<string[]> {
  const ids: string[] = []
  const chunk = 1000
  for (let i = 0; i < n; i += chunk) {
    const p = r.pipeline()
    for (let j = i; j < Math.min(n, i + chunk); j++) p.xadd(stream, '*', 'n', String(j), 'payload', `p-${j}`)
    const res = (await p.exec()) ?? []
    for (const [, id] of res) ids.push(String(id))
  }
  await r.xgroup('CREATE', stream, group, '0')
  if (consumers.length) {
    const per = Math.ceil(n / consumers.length)
    for (const c of consumers) await r.xreadgroup('GROUP', group, c, 'COUNT', per, 'STREAMS', stream, '>')
  }
  return ids
}

/** The two deployments every Redis integration suite runs against. */
export const TARGETS: Array<[string, string, () => Promise<Redis | Cluster>]> = [
  ['standalone', REDIS_URL, redis],
  ['cluster', CLUSTER_URL, cluster],
]

/**
 * A connection for one describe block and unique keys that are deleted after it.
 * `db.r` is set once the block's first beforeAll has run.
 */
export function useRedis<T extends Redis | Cluster>(connect: () => Promise<T>) {
  const keys: string[] = []
  const db = {
    r: undefined as unknown as T,
    /** a unique key, deleted after the block */
    key(name: string): string {
      const k = uniq(name)
      keys.push(k)
      return k
    },
  }
  beforeAll(async () => {
    db.r = await connect()
  })
  afterAll(async () => {
    for (const k of keys) await db.r.del(k)
    await db.r.quit()
  })
  return db
}

/** n DLQ entries in layout (a) as `cg dlq move` writes them: original fields + meta; `uid` numbers them 0..n-1. */
export async function seedDlq(r: Redis | Cluster, dlq: string, target: string, n: number): Promise<void> {
  for (let i = 0; i < n; i += 1000) {
    const p = r.pipeline()
    for (let j = i; j < Math.min(n, i + 1000); j++) {
      p.xadd(dlq, '*', 'uid', String(j), 'bin', Buffer.from([j % 256, 0, 255]), 'original_id', `1-${j}`, 'original_stream', target, 'reason', 'r')
    }
    await p.exec()
  }
}

/** The value of `field` in every entry of a stream, in stream order. */
export async function fieldValues(r: Redis | Cluster, key: string, field: string): Promise<string[]> {
  const out: string[] = []
  let start = '-'
  for (;;) {
    const page = await r.xrange(key, start, '+', 'COUNT', 5000)
    for (const [, f] of page) out.push(f[f.indexOf(field) + 1])
    if (page.length < 5000) return out
    start = '(' + page[page.length - 1][0]
  }
}
