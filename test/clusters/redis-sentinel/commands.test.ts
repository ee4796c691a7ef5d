import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {Redis} from 'ioredis'
import {runCg} from '../../helpers/cli.js'
import {seedDlq, seedGroup, uniq} from '../../helpers/redis.js'
import {MASTER_NAME, master, masterPort, SENTINEL_PORTS, SENTINEL_URL, sentinelConfig} from '../../helpers/redis-sentinel.js'
import {expectValid} from '../../helpers/schemas.js'

// Every Redis command of cg through Redis Sentinel, once with a profile (sentinels: + name:) and once with
// the redis+sentinel:// URL; results are read back from the master the sentinels name.

const config = sentinelConfig()
const FORMS: Array<[string, string[]]> = [
  ['a profile with sentinels and name', ['--config', config]],
  ['the redis+sentinel:// URL', ['--url', SENTINEL_URL]],
]

type Row = [string, string, number, number]

describe.each(FORMS)('every Redis command through Sentinel, with %s', (_form, conn) => {
  let r: Redis
  const keys: string[] = []
  const key = (name: string) => {
    const k = uniq(`sentinel-${name}`)
    keys.push(k, `${k}:dlq`)
    return k
  }
  const cg = (...args: string[]) => runCg([...args, ...conn, '--json'])

  beforeAll(async () => {
    r = await master()
  })
  afterAll(async () => {
    for (const k of keys) await r.del(k)
    await r.quit()
  })

  it('profiles test names the master the sentinels resolved', async () => {
    const res = await cg('profiles', 'test')
    expect(res.code, res.stderr).toBe(0)
    const out = res.json()
    expectValid('profiles-test.json', out)
    expect(out).toMatchObject({broker: 'redis', ok: true, mode: 'sentinel', master: `${MASTER_NAME} at 127.0.0.1:${await masterPort()}`})
    const human = await runCg(['profiles', 'test', ...conn])
    expect(human.stdout).toMatch(new RegExp(`master\\s+${MASTER_NAME} at 127\\.0\\.0\\.1:${await masterPort()}`))
  })

  it('groups, consumers, pending and lag read the master', async () => {
    const s = key('inspect')
    const ids = await seedGroup(r, s, 'workers', 10, ['w1', 'w2'])
    await r.xadd(s, '*', 'n', 'unread')

    const groups = await cg('groups', s)
    expect(groups.code, groups.stderr).toBe(0)
    expect(groups.json().groups).toEqual([
      expect.objectContaining({group: 'workers', sources: [s], consumers: 2, pending: 10, lag: 1, lastDeliveredId: ids[9]}),
    ])

    const consumers = await cg('consumers', s, 'workers')
    expect(consumers.code, consumers.stderr).toBe(0)
    expect(consumers.json().consumers.map((c: {name: string; pending: number}) => [c.name, c.pending])).toEqual([
      ['w1', 5],
      ['w2', 5],
    ])

    const pending = await cg('pending', s, 'workers')
    expect(pending.code, pending.stderr).toBe(0)
    expect(pending.json()).toMatchObject({pending: 10, minId: ids[0], maxId: ids[9]})
    expect(pending.json().entries.map((e: {id: string}) => e.id)).toEqual(ids)

    const lag = await cg('lag', 'workers')
    expect(lag.code, lag.stderr).toBe(0)
    expect(lag.json().groups).toContainEqual(expect.objectContaining({group: 'workers', sources: [s], lag: 1, pending: 10, oldestPendingId: ids[0]}))
  })

  it('check and metrics read the master', async () => {
    const s = key('status')
    await seedGroup(r, s, 'mon', 3, ['m1'])
    const check = await runCg(['check', 'mon', '--lag', '5,10', ...conn])
    expect(check.code, check.stdout + check.stderr).toBe(0)
    expect(check.stdout).toMatch(/^CG OK/)
    const metrics = await runCg(['metrics', ...conn])
    expect(metrics.code, metrics.stderr).toBe(0)
    expect(metrics.stdout).toContain(`cg_group_pending{broker="redis",source="${s}",group="mon"} 3`)
  })

  it('claim hands idle entries to another consumer', async () => {
    const s = key('claim')
    const ids = await seedGroup(r, s, 'workers', 2500, ['w1'])
    const res = await cg('claim', s, 'workers', '--idle', '0', '--to', 'w2')
    expect(res.code, res.stderr).toBe(0)
    expect(res.json().totals).toMatchObject({claimed: 2500, failed: 0, error: null})
    expect(res.json().claimedIds).toEqual(ids)
    const owners = (await r.xpending(s, 'workers', '-', '+', 10_000)) as Row[]
    expect(new Set(owners.map((e) => e[1]))).toEqual(new Set(['w2']))
  })

  it('setid and reset move the group; consumer delete and group create/delete change it', async () => {
    const s = key('position')
    const ids = await seedGroup(r, s, 'workers', 4, [])
    const setid = await cg('setid', s, 'workers', ids[1])
    expect(setid.code, setid.stderr).toBe(0)
    expect(setid.json()).toMatchObject({executed: true, after: {lastDeliveredId: ids[1]}})
    const dry = await cg('reset', s, 'workers', '--to-earliest')
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.json()).toMatchObject({dryRun: true, executed: false})
    const reset = await cg('reset', s, 'workers', '--to-latest', '--execute')
    expect(reset.code, reset.stderr).toBe(0)
    const info = (await r.xinfo('GROUPS', s)) as unknown[][]
    expect(info[0][info[0].indexOf('last-delivered-id') + 1]).toBe(ids[3])

    const create = await cg('group', 'create', s, 'second', '--start', '0')
    expect(create.code, create.stderr).toBe(0)
    await r.xreadgroup('GROUP', 'second', 'holder', 'COUNT', 2, 'STREAMS', s, '>')
    await r.xgroup('CREATECONSUMER', s, 'second', 'empty-one')
    const refused = await cg('consumer', 'delete', s, 'second', 'holder')
    expect(refused.code).toBe(4)
    const handoff = await cg('consumer', 'delete', s, 'second', 'holder', '--handoff', 'empty-one')
    expect(handoff.code, handoff.stderr).toBe(0)
    expect(handoff.json()).toMatchObject({deleted: true, handoff: {to: 'empty-one', count: 2}})
    expect(((await r.xpending(s, 'second', '-', '+', 10)) as Row[]).map((e) => e[1])).toEqual(['empty-one', 'empty-one'])

    expect((await cg('group', 'delete', s, 'second')).code).toBe(4) // a consumer remains
    const del = await cg('group', 'delete', s, 'second', '--force')
    expect(del.code, del.stderr).toBe(0)
    expect(((await r.xinfo('GROUPS', s)) as unknown[][]).map((g) => g[1])).toEqual(['workers'])
  })

  it('dlq move, list, peek, replay and purge', async () => {
    const s = key('dlq')
    const dlq = `${s}:dlq`
    const ids = await seedGroup(r, s, 'workers', 6, ['w1'])
    const move = await cg('dlq', 'move', s, 'workers', '--min-idle', '0', '--ids', ids[0], ids[1], ids[2])
    expect(move.code, move.stderr).toBe(0)
    expect(move.json().totals).toMatchObject({moved: 3, failed: 0})
    expect(move.json().mode).toBe('atomic')
    expect(await r.xlen(dlq)).toBe(3)

    const list = await cg('dlq', 'list', s)
    expect(list.code, list.stderr).toBe(0)
    expect(JSON.stringify(list.json())).toContain(ids[0])
    const peek = await cg('dlq', 'peek', s)
    expect(peek.code, peek.stderr).toBe(0)
    expect(peek.json().entries.map((e: {originalId: string}) => e.originalId)).toEqual(ids.slice(0, 3))

    const replay = await cg('dlq', 'replay', s, '--ids', peek.json().entries[0].dlqId)
    expect(replay.code, replay.stderr).toBe(0)
    expect(replay.json().totals).toMatchObject({replayed: 1, failed: 0})
    expect(await r.xlen(dlq)).toBe(2)
    expect(await r.xlen(s)).toBe(7)

    const purge = await cg('dlq', 'purge', s, '--yes')
    expect(purge.code, purge.stderr).toBe(0)
    expect(purge.json().totals).toMatchObject({purged: 2, failed: 0})
    expect(await r.xlen(dlq)).toBe(0)

    await seedDlq(r, dlq, s, 50)
    const all = await cg('dlq', 'replay', s)
    expect(all.code, all.stderr).toBe(0)
    expect(all.json().totals).toMatchObject({replayed: 50, failed: 0})
    expect(await r.xlen(s)).toBe(57)
  })
})

describe('Sentinel profile and URL errors', () => {
  it('no sentinel reachable: exit 69, one line naming the sentinels', async () => {
    const res = await runCg(['groups', '--url', 'redis+sentinel://127.0.0.1:26398,127.0.0.1:26399/cg-master', '--timeout', '3000'])
    expect(res.code).toBe(69)
    const lines = res.stderr.trim().split('\n')
    expect(lines[0]).toBe('Error: no Redis Sentinel answered at 127.0.0.1:26398, 127.0.0.1:26399')
    expect(lines[1]).toMatch(/^Hint: /)
    expect(lines).toHaveLength(2)
  })

  it('one sentinel down of three: the next one answers', async () => {
    const res = await runCg(['profiles', 'test', '--url', `redis+sentinel://127.0.0.1:26399,127.0.0.1:${SENTINEL_PORTS[1]}/cg-master`, '--json'])
    expect(res.code, res.stderr).toBe(0)
    expect(res.json().master).toBe(`${MASTER_NAME} at 127.0.0.1:${await masterPort()}`)
  })

  it('an unknown master name: exit 69, one line, the names the sentinels monitor in the hint', async () => {
    const res = await runCg(['groups', '--url', SENTINEL_URL.replace(/cg-master$/, 'no-such-master'), '--json'])
    expect(res.code).toBe(69)
    const err = res.json().error
    expect(err.message).toBe(`no sentinel of ${SENTINEL_PORTS.map((p) => `127.0.0.1:${p}`).join(', ')} knows a master named no-such-master`)
    expect(err.hint).toContain('monitor: cg-master')
  })

  it('a profile with sentinels but no name, or with both url and sentinels: exit 2', async () => {
    const noName = sentinelConfig().replace(/config\.yaml$/, 'x.yaml')
    const {writeFileSync} = await import('node:fs')
    writeFileSync(noName, 'default: s\nprofiles:\n  s:\n    broker: redis\n    sentinels: [127.0.0.1:26380]\n')
    const a = await runCg(['groups', '--config', noName])
    expect(a.code).toBe(2)
    expect(a.stderr).toContain('has sentinels but no master name')
    writeFileSync(noName, 'default: s\nprofiles:\n  s:\n    url: redis://127.0.0.1:6480\n    sentinels: [127.0.0.1:26380]\n    name: cg-master\n')
    const b = await runCg(['groups', '--config', noName])
    expect(b.code).toBe(2)
    expect(b.stderr).toContain('has both url and sentinels')
  })

  it('the master login is the profile username/password; a wrong one: exit 69 naming the master', async () => {
    const res = await runCg(['groups', '--url', SENTINEL_URL.replace('//', '//nobody:wrong-secret@'), '--json'])
    expect(res.code).toBe(69)
    expect(res.stdout).not.toContain('wrong-secret')
    expect(res.json().error.message).toContain(`authentication failed for Redis at master ${MASTER_NAME}`)
  })
})
