// Time behind on Redis: timeLagMs and oldestPendingMs in cg lag and cg groups, and the status read (called
// through the driver, as cg check and cg metrics do), on a standalone server and on the cluster. Entries get
// explicit ids an hour old, so the truth is known: server time minus the id's time part.
import type {Cluster, Redis} from 'ioredis'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {driver} from '../../../src/brokers/redis/redis-driver.js'
import type {RedisAdapter} from '../../../src/brokers/redis/redis-adapter.js'
import type {RunContext} from '../../../src/core/requests.js'
import type {GroupStatus} from '../../../src/core/results.js'
import {CgError} from '../../../src/errors/cg-error.js'
import type {Profile} from '../../../src/profiles/resolve.js'
import {runCg} from '../../helpers/cli.js'
import {uniq, TARGETS} from '../../helpers/redis.js'
import {expectValid} from '../../helpers/schemas.js'

const HOUR = 3_600_000

const run: RunContext = {
  signal: new AbortController().signal,
  progress: () => ({add: () => undefined, done: () => undefined}),
  warn: () => undefined,
  debug: () => undefined,
}

async function serverNow(r: Redis | Cluster): Promise<number> {
  const [s, us] = (await r.call('TIME')) as [string, string]
  return Number(s) * 1000 + Math.floor(Number(us) / 1000)
}

describe.each(TARGETS)('time behind on %s Redis', (_name, url, connect) => {
  let r: Redis | Cluster
  let conn: RedisAdapter
  const stream = uniq('timelag')
  const other = uniq('timelag-other')
  const dlq = `${stream}:dlq`
  // group names unique to this run, so "every stream that has GROUP" means only these streams
  const reader = uniq('reader').replaceAll(':', '-')
  const caught = uniq('caught').replaceAll(':', '-')
  // a third group at another position on the same stream: a second lookup of the same key in one batch
  const behind = uniq('behind').replaceAll(':', '-')
  let hourAgo = 0
  const profile: Profile = {name: null, source: 'flag', broker: 'redis', url, options: {}}
  const status = (args: string[]) => driver.ops.status(conn, {args, flags: {}, profile, run})

  beforeAll(async () => {
    r = await connect()
    hourAgo = (await serverNow(r)) - HOUR
    // five entries an hour old, one second apart; reader reads two of them, caught starts at the end
    for (let i = 0; i < 5; i++) await r.xadd(stream, `${hourAgo + i * 1000}-0`, 'n', String(i))
    await r.xgroup('CREATE', stream, reader, '0')
    await r.xgroup('CREATE', stream, caught, '$')
    await r.xgroup('CREATE', stream, behind, '0')
    await r.xreadgroup('GROUP', reader, 'c1', 'COUNT', 2, 'STREAMS', stream, '>')
    // the oldest pending entry delivered 3 more times (XCLAIM without JUSTID counts a delivery)
    for (let i = 0; i < 3; i++) await r.call('XCLAIM', stream, reader, 'c2', 0, `${hourAgo}-0`)
    // the stream's DLQ (another slot, often another node, on the cluster) holds two entries
    await r.xadd(dlq, '*', 'n', 'x')
    await r.xadd(dlq, '*', 'n', 'y')
    // ids set by hand: 1-1 is 1 ms after the epoch, and that is what Redis holds
    await r.xadd(other, '1-1', 'n', 'old')
    await r.xgroup('CREATE', other, reader, '0')
    conn = await driver.connect(profile, {timeoutMs: 10_000})
  })
  afterAll(async () => {
    await conn?.close()
    for (const k of [stream, other, dlq]) await r.del(k)
    await r.quit()
  })

  /** The group's entries-read as XINFO GROUPS says it (null: unknown). */
  async function entriesRead(key: string, group: string): Promise<number | null> {
    const groups = (await r.call('XINFO', 'GROUPS', key)) as unknown[][]
    const g = groups.map((f) => Object.fromEntries(f.flatMap((v, i) => (i % 2 ? [] : [[String(v), f[i + 1]]])))).find((f) => f.name === group)!
    return g['entries-read'] === null ? null : Number(g['entries-read'])
  }

  /** Runs cg and returns the JSON with the server time just before and after, for the truth's bounds. */
  async function timed(args: string[]): Promise<{doc: any; before: number; after: number}> {
    const before = await serverNow(r)
    const res = await runCg([...args, '--url', url, '--json'])
    const after = await serverNow(r)
    expect(res.code, res.stderr).toBe(0)
    return {doc: res.json(), before, after}
  }

  /** `value` is an age of an entry stamped `at`, measured between `before` and `after`, within a second. */
  function expectAge(value: number | null, at: number, before: number, after: number): void {
    expect(value).not.toBeNull()
    expect(value!).toBeGreaterThanOrEqual(before - at - 1000)
    expect(value!).toBeLessThanOrEqual(after - at + 1000)
  }

  it('cg lag: timeLagMs is the age of the first unread entry, oldestPendingMs of the oldest pending one; lag 0 is null', async () => {
    const {doc, before, after} = await timed(['lag', '--stream', stream])
    expectValid('lag.json', doc)
    const row = doc.groups.find((g: any) => g.group === reader)
    expect(row).toMatchObject({lag: 3, pending: 2, oldestPendingId: `${hourAgo}-0`})
    // the first entry reader has not read is the third: an hour old less two seconds
    expectAge(row.timeLagMs, hourAgo + 2000, before, after)
    expectAge(row.oldestPendingMs, hourAgo, before, after)
    expect(row.timeLagMs).toBeGreaterThan(HOUR - 2000 - 1000)
    const idle = doc.groups.find((g: any) => g.group === caught)
    expect(idle).toMatchObject({lag: 0, timeLagMs: null, pending: 0, oldestPendingMs: null})
    // behind has read nothing: its first unread entry is the very first one
    expectAge(doc.groups.find((g: any) => g.group === behind).timeLagMs, hourAgo, before, after)
  })

  it('every stream (the SCAN path): each group of a stream gets the entry after its own position', async () => {
    const {doc, before, after} = await timed(['lag'])
    const mine = doc.groups.filter((g: any) => g.sources[0] === stream)
    expect(mine).toHaveLength(3)
    expectAge(mine.find((g: any) => g.group === reader).timeLagMs, hourAgo + 2000, before, after)
    expectAge(mine.find((g: any) => g.group === behind).timeLagMs, hourAgo, before, after)
    expect(mine.find((g: any) => g.group === caught).timeLagMs).toBeNull()
  })

  it('cg groups: the same times on every group row', async () => {
    const {doc, before, after} = await timed(['groups', stream])
    expectValid('groups.json', doc)
    const row = doc.groups.find((g: any) => g.group === reader)
    expectAge(row.timeLagMs, hourAgo + 2000, before, after)
    expectAge(row.oldestPendingMs, hourAgo, before, after)
    expect(doc.groups.find((g: any) => g.group === caught)).toMatchObject({lag: 0, timeLagMs: null, oldestPendingMs: null})
    // every stream (the SCAN path) gives the same
    const all = await timed(['groups'])
    const again = all.doc.groups.find((g: any) => g.group === reader && g.sources[0] === stream)
    expectAge(again.timeLagMs, hourAgo + 2000, all.before, all.after)
  })

  it('the tables print the times as durations', async () => {
    const lag = await runCg(['lag', '--stream', stream, '--url', url])
    expect(lag.stdout).toMatch(/TIME-LAG/)
    expect(lag.stdout).toMatch(new RegExp(`${reader}\\s+3\\s+(59m5\\ds|1h0m)\\s+2\\s+${hourAgo}-0\\s+(59m5\\ds|1h0m)`))
    const groups = await runCg(['groups', stream, '--url', url])
    expect(groups.stdout).toMatch(/TIME-LAG\s+PENDING-AGE/)
    expect(groups.stdout).toMatch(new RegExp(`${caught}.*0\\s+-\\s+-\\s*$`, 'm'))
  })

  it('an id set by hand (1-1) gives the age Redis holds: since the epoch', async () => {
    const {doc, before} = await timed(['lag', reader, '--stream', other])
    expect(doc.groups[0].timeLagMs).toBeGreaterThanOrEqual(before - 1 - 1000)
  })

  it('status STREAM GROUP: every fact of the group', async () => {
    const before = await serverNow(r)
    const res = await status([stream, reader])
    const after = await serverNow(r)
    expect(res.broker).toBe('redis')
    expect(res.takenAt).toBeGreaterThan(Date.now() - 60_000)
    expect(res.groups).toHaveLength(1)
    const g = res.groups[0]
    expect(g).toMatchObject({
      group: reader,
      sources: [stream],
      lag: 3,
      timeLagNote: null,
      consumers: 2,
      pending: 2,
      maxDeliveries: 4,
      dlq: {name: dlq, depth: 2},
      consumed: 2,
      produced: 5,
      partitions: null,
    })
    expectAge(g.timeLagMs, hourAgo + 2000, before, after)
    expectAge(g.oldestPendingMs, hourAgo, before, after)
  })

  it('status GROUP: that group on every stream having it; a stream without a DLQ has dlq null', async () => {
    const res = await status([reader])
    const byStream = new Map(res.groups.map((g) => [g.sources[0], g]))
    expect([...byStream.keys()].sort()).toEqual([other, stream].sort())
    expect(byStream.get(other)).toMatchObject({lag: 1, pending: 0, oldestPendingMs: null, maxDeliveries: null, dlq: null, produced: 1})
    // created at 0 without ENTRIESREAD: Redis 7.0 does not know entries-read (null), 7.2+ may say 0; where it
    // does not, consumed is entries-added minus lag (1 - 1)
    expect(byStream.get(other)!.consumed).toBe((await entriesRead(other, reader)) ?? 0)
    expect(byStream.get(other)!.timeLagMs).toBeGreaterThan(Date.now() - 60_000)
  })

  it('status with no argument: every group of every stream, lag 0 gives timeLagMs null', async () => {
    const res = await status([])
    const mine = res.groups.filter((g: GroupStatus) => g.sources[0] === stream)
    expect(mine.map((g) => g.group).sort()).toEqual([behind, caught, reader].sort())
    expect(mine.find((g) => g.group === caught)).toMatchObject({lag: 0, timeLagMs: null, timeLagNote: null, pending: 0, maxDeliveries: null, produced: 5})
    // entries-read, else entries-added minus lag (5 - 0)
    expect(mine.find((g) => g.group === caught)!.consumed).toBe((await entriesRead(stream, caught)) ?? 5)
  })

  it('status for an ACL user with reads only (no scripts, no TIME): the same facts, entries-added read by XINFO STREAM', async () => {
    if (url !== TARGETS[0][1]) return // ACL users are per node: the standalone server shows the fallback
    const user = uniq('reader').replaceAll(':', '-')
    await r.call('ACL', 'SETUSER', user, 'on', '>pw-readonly', '~*', '+@read', '+@connection', '-@scripting')
    const u = new URL(url)
    u.username = user
    u.password = 'pw-readonly'
    const limited: Profile = {...profile, url: u.toString()}
    const c = await driver.connect(limited, {timeoutMs: 10_000})
    try {
      const res = await driver.ops.status(c, {args: [reader], flags: {}, profile: limited, run})
      const byStream = new Map(res.groups.map((g) => [g.sources[0], g]))
      expect(byStream.get(stream)).toMatchObject({lag: 3, pending: 2, maxDeliveries: 4, dlq: {name: dlq, depth: 2}, produced: 5})
      expect(byStream.get(other)).toMatchObject({produced: 1, dlq: null})
      // the first entry after each position read by XREAD, two positions of one stream in one batch (no TIME:
      // ages on this machine's clock, the server's too here)
      const before = Date.now()
      const all = await driver.ops.status(c, {args: [], flags: {}, profile: limited, run})
      const after = Date.now()
      const mine = all.groups.filter((g: GroupStatus) => g.sources[0] === stream)
      expectAge(mine.find((g) => g.group === reader)!.timeLagMs, hourAgo + 2000, before, after)
      expectAge(mine.find((g) => g.group === behind)!.timeLagMs, hourAgo, before, after)
      expect(mine.find((g) => g.group === caught)).toMatchObject({lag: 0, timeLagMs: null, produced: 5})
    } finally {
      await c.close()
      await r.call('ACL', 'DELUSER', user)
    }
  })

  it('status of a group or stream that does not exist is not found (exit 5)', async () => {
    for (const args of [[stream, 'nope'], ['nope-' + reader], [`${stream}-missing`, reader]]) {
      const error = await status(args).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(CgError)
      expect((error as CgError).code).toBe('not_found')
      expect((error as CgError).exitCode).toBe(5)
    }
  })
})
