// Setting up and tearing down benchmark state on the local Redis. Every key starts with PREFIX.
import {Redis} from 'ioredis'
import {PREFIX, REDIS_URL, ROOT_PREFIX} from './config.js'

export async function connect(url = REDIS_URL) {
  const r = new Redis(url, {protocol: 2, lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null, commandTimeout: 120_000})
  await r.connect()
  return r
}

export async function redisVersion(r) {
  return /redis_version:(\S+)/.exec(String(await r.info('server')))?.[1] ?? null
}

/** Removes every key under PREFIX + sub (UNLINK: big streams are freed in the background). */
export async function cleanup(r, sub = '') {
  const match = PREFIX + sub + '*'
  let cursor = '0'
  let n = 0
  do {
    const [next, keys] = await r.scan(cursor, 'MATCH', match, 'COUNT', 1000)
    cursor = next
    if (keys.length) n += await r.unlink(...keys)
  } while (cursor !== '0')
  return n
}

/** Removes the keys of earlier runs that died without cleaning up (their process no longer exists). */
export async function cleanupStale(r) {
  const alive = new Map()
  const isAlive = (pid) => {
    if (!alive.has(pid)) {
      let ok = true
      try {
        process.kill(pid, 0)
      } catch (e) {
        ok = e.code === 'EPERM'
      }
      alive.set(pid, ok)
    }
    return alive.get(pid)
  }
  let cursor = '0'
  let n = 0
  do {
    const [next, keys] = await r.scan(cursor, 'MATCH', ROOT_PREFIX + '*', 'COUNT', 1000)
    cursor = next
    const stale = keys.filter((k) => {
      const pid = Number(k.slice(ROOT_PREFIX.length).split(':')[0])
      return !Number.isInteger(pid) || pid <= 0 || !isAlive(pid)
    })
    if (stale.length) n += await r.unlink(...stale)
  } while (cursor !== '0')
  return n
}

/** XADDs n small entries in pipelined chunks; returns nothing (ids are auto-generated, increasing). */
export async function addEntries(r, stream, n, chunk = 10_000) {
  for (let i = 0; i < n; i += chunk) {
    const p = r.pipeline()
    for (let j = i; j < Math.min(n, i + chunk); j++) p.xadd(stream, '*', 'n', String(j), 'payload', 'order-' + j)
    const res = await p.exec()
    const bad = res.find(([err]) => err)
    if (bad) throw bad[0]
  }
}

/** A stream of n entries, a group at 0 and every entry delivered to `consumer` (so n entries pending). */
export async function seedPel(r, stream, group, n, consumer = 'c1', chunk = 50_000) {
  await addEntries(r, stream, n)
  await r.xgroup('CREATE', stream, group, '0')
  let read = 0
  while (read < n) {
    const reply = await r.xreadgroup('GROUP', group, consumer, 'COUNT', Math.min(chunk, n - read), 'STREAMS', stream, '>')
    const got = reply?.[0]?.[1]?.length ?? 0
    if (!got) break
    read += got
  }
  const [count] = await r.xpending(stream, group)
  if (Number(count) !== n) throw new Error(`seeding ${stream}: ${count} pending, expected ${n}`)
}

export async function pendingOf(r, stream, group) {
  const [count, , , consumers] = await r.xpending(stream, group)
  return {count: Number(count), consumers: Object.fromEntries((consumers ?? []).map(([c, k]) => [c, Number(k)]))}
}
