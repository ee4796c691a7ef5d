import {beforeAll, describe, expect, it} from 'vitest'
import type {Cluster, Redis} from 'ioredis'
import {runCg} from '../../helpers/cli.js'
import {seedGroup, TARGETS, useRedis} from '../../helpers/redis.js'

type Row = [string, string, number, number]
const pel = async (r: Redis | Cluster, stream: string, group: string, consumer?: string): Promise<Row[]> =>
  (consumer ? await r.xpending(stream, group, '-', '+', 100_000, consumer) : await r.xpending(stream, group, '-', '+', 100_000)) as Row[]
const consumerNames = async (r: Redis | Cluster, stream: string, group: string): Promise<string[]> =>
  ((await r.xinfo('CONSUMERS', stream, group)) as unknown[][]).map((c) => String(c[1]))

describe.each(TARGETS)('cg consumer delete and cg group create/delete on %s Redis', (_name, url, connect) => {
  const db = useRedis(connect)
  const stream = db.key
  let r: Redis | Cluster
  beforeAll(() => {
    r = db.r
  })

  it('refuses (exit 4) while the consumer holds pending entries, saying how many; nothing changes', async () => {
    const s = stream('tasks')
    await seedGroup(r, s, 'workers', 6, ['worker1', 'worker2'])
    const res = await runCg(['consumer', 'delete', s, 'workers', 'worker2', '--url', url, '--json'])
    expect(res.code).toBe(4)
    const err = res.json().error
    expect(err.code).toBe('refused')
    expect(err.message).toContain('3 pending entries')
    expect(err.hint).toContain('--handoff')
    expect(await consumerNames(r, s, 'workers')).toEqual(['worker1', 'worker2'])
    expect(await pel(r, s, 'workers', 'worker2')).toHaveLength(3)
    const dry = await runCg(['consumer', 'delete', s, 'workers', 'worker2', '--dry-run', '--url', url])
    expect(dry.code).toBe(4)
  })

  it('deletes a consumer that holds nothing', async () => {
    const s = stream('tasks')
    await seedGroup(r, s, 'workers', 2, ['worker1'])
    await r.xgroup('CREATECONSUMER', s, 'workers', 'idle-one')
    const res = await runCg(['consumer', 'delete', s, 'workers', 'idle-one', '--url', url, '--json'])
    expect(res.code, res.stderr).toBe(0)
    expect(res.json()).toMatchObject({action: 'delete', pending: 0, deleted: true, dropped: 0, handoff: null})
    expect(await consumerNames(r, s, 'workers')).toEqual(['worker1'])
  })

  it('--handoff OTHER claims every pending entry to OTHER first, then deletes', async () => {
    const s = stream('tasks')
    const ids = await seedGroup(r, s, 'workers', 2400, ['worker1', 'worker2'])
    const mine = ids.slice(1200)
    const dry = await runCg(['consumer', 'delete', s, 'workers', 'worker2', '--handoff', 'worker3', '--dry-run', '--url', url, '--json'])
    expect(dry.code).toBe(0)
    expect(dry.json()).toMatchObject({dryRun: true, action: 'handoff', pending: 1200, deleted: false})
    expect(await consumerNames(r, s, 'workers')).toEqual(['worker1', 'worker2'])

    const res = await runCg(['consumer', 'delete', s, 'workers', 'worker2', '--handoff', 'worker3', '--url', url, '--json'])
    expect(res.code, res.stderr).toBe(0)
    const out = res.json()
    expect(out).toMatchObject({action: 'handoff', pending: 1200, deleted: true, dropped: 0})
    expect(out.handoff.to).toBe('worker3')
    expect(out.handoff.count).toBe(1200)
    expect(out.handoff.ids).toEqual(mine)
    expect((await pel(r, s, 'workers', 'worker3')).map((x) => x[0])).toEqual(mine)
    expect((await pel(r, s, 'workers', 'worker3')).every((x) => x[3] === 1)).toBe(true)
    expect(await pel(r, s, 'workers', 'worker1')).toHaveLength(1200)
    expect(await consumerNames(r, s, 'workers')).toEqual(['worker1', 'worker3'])
  })

  it('--handoff reports entries whose message was deleted (dropped from the PEL, not handed off)', async () => {
    const s = stream('tasks')
    const ids = await seedGroup(r, s, 'workers', 4, ['worker1'])
    await r.xdel(s, ids[2])
    const res = await runCg(['consumer', 'delete', s, 'workers', 'worker1', '--handoff', 'worker9', '--url', url, '--json'])
    expect(res.code, res.stderr).toBe(0)
    expect(res.json().handoff).toEqual({to: 'worker9', count: 3, ids: [ids[0], ids[1], ids[3]], deleted: {count: 1, ids: [ids[2]]}})
    expect((await pel(r, s, 'workers')).map((x) => [x[0], x[1]])).toEqual([ids[0], ids[1], ids[3]].map((id) => [id, 'worker9']))
    expect(await consumerNames(r, s, 'workers')).toEqual(['worker9'])
  })

  it('--force deletes anyway and says how many entries it dropped (stderr and report)', async () => {
    const s = stream('tasks')
    await seedGroup(r, s, 'workers', 5, ['worker1'])
    const dry = await runCg(['consumer', 'delete', s, 'workers', 'worker1', '--force', '--dry-run', '--url', url, '--json'])
    expect(dry.code).toBe(0)
    expect(dry.json()).toMatchObject({action: 'force', pending: 5, deleted: false, dropped: 0})
    expect(await pel(r, s, 'workers')).toHaveLength(5)
    const res = await runCg(['consumer', 'delete', s, 'workers', 'worker1', '--force', '--url', url, '--json'])
    expect(res.code, res.stderr).toBe(0)
    expect(res.json()).toMatchObject({action: 'force', deleted: true, dropped: 5})
    expect(res.json().warnings[0]).toContain('dropped 5')
    expect(res.stderr).toContain('dropped 5')
    expect(await pel(r, s, 'workers')).toHaveLength(0)
    expect(await consumerNames(r, s, 'workers')).toEqual([])
  })

  it('consumer delete exit codes: unknown consumer/group/stream 5; --handoff with --force, or to itself, 2', async () => {
    const s = stream('tasks')
    await seedGroup(r, s, 'workers', 2, ['worker1'])
    expect((await runCg(['consumer', 'delete', s, 'workers', 'ghost', '--url', url])).code).toBe(5)
    expect((await runCg(['consumer', 'delete', s, 'nope', 'worker1', '--url', url])).code).toBe(5)
    expect((await runCg(['consumer', 'delete', s + ':x', 'workers', 'worker1', '--url', url])).code).toBe(5)
    expect((await runCg(['consumer', 'delete', s, 'workers', 'worker1', '--handoff', 'b', '--force', '--url', url])).code).toBe(2)
    expect((await runCg(['consumer', 'delete', s, 'workers', 'worker1', '--handoff', 'worker1', '--url', url])).code).toBe(2)
    expect((await runCg(['consumer', 'delete', s, 'worker1', '--url', url])).code).toBe(2)
    expect(await pel(r, s, 'workers', 'worker1')).toHaveLength(2)
  })

  it('group create: default start $, --start 0, --entries-read; exists -> 4; missing stream -> 5 unless --mkstream', async () => {
    const s = stream('tasks')
    await seedGroup(r, s, 'workers', 3, [])
    const created = await runCg(['group', 'create', s, 'fresh', '--url', url, '--json'])
    expect(created.code, created.stderr).toBe(0)
    const last = (await r.xrevrange(s, '+', '-', 'COUNT', 1))[0][0]
    expect(created.json()).toMatchObject({
      created: true,
      start: '$',
      createsStream: false,
      after: {group: 'fresh', lastDeliveredId: last, lag: 0, consumers: 0},
    })
    const zero = await runCg(['group', 'create', s, 'replay', '--start', '0', '--url', url, '--json'])
    expect(zero.json().after).toMatchObject({lastDeliveredId: '0-0', lag: 3})
    const mid = (await r.xrange(s, '-', '+'))[0][0]
    const withN = await runCg(['group', 'create', s, 'mid', '--start', mid, '--entries-read', '1', '--url', url, '--json'])
    expect(withN.json().after).toMatchObject({lastDeliveredId: mid, entriesRead: 1, lag: 2})

    const exists = await runCg(['group', 'create', s, 'fresh', '--url', url, '--json'])
    expect(exists.code).toBe(4)
    expect(exists.json().error.hint).toBeTruthy()

    const ns = stream('new')
    const missing = await runCg(['group', 'create', ns, 'g', '--url', url, '--json'])
    expect(missing.code).toBe(5)
    expect(missing.json().error.hint).toContain('--mkstream')
    const dry = await runCg(['group', 'create', ns, 'g', '--mkstream', '--dry-run', '--url', url, '--json'])
    expect(dry.json()).toMatchObject({dryRun: true, created: false, createsStream: true})
    expect(await r.exists(ns)).toBe(0)
    const mk = await runCg(['group', 'create', ns, 'g', '--mkstream', '--url', url, '--json'])
    expect(mk.code, mk.stderr).toBe(0)
    expect(mk.json()).toMatchObject({created: true, createsStream: true, after: {lag: 0, pending: 0}})
    expect((await runCg(['group', 'create', s, 'bad', '--start', 'soon', '--url', url])).code).toBe(2)
  })

  it('group delete: refused (4) with consumers or pending entries, saying what would be lost; --force; --dry-run; missing 5', async () => {
    const s = stream('tasks')
    await seedGroup(r, s, 'workers', 4, ['worker1'])
    await r.xgroup('CREATE', s, 'unused', '$')
    const busy = await runCg(['group', 'delete', s, 'workers', '--url', url, '--json'])
    expect(busy.code).toBe(4)
    expect(busy.json().error.message).toContain('1 consumer(s) and 4 pending entries')
    expect(busy.json().error.hint).toContain('--force')
    const dry = await runCg(['group', 'delete', s, 'workers', '--force', '--dry-run', '--url', url, '--json'])
    expect(dry.json()).toMatchObject({dryRun: true, deleted: false, consumers: 1, pending: 4})
    const groups = async () => ((await r.xinfo('GROUPS', s)) as unknown[][]).map((g) => String(g[1])).sort()
    expect(await groups()).toEqual(['unused', 'workers'])

    const plain = await runCg(['group', 'delete', s, 'unused', '--url', url, '--json'])
    expect(plain.code, plain.stderr).toBe(0)
    expect(plain.json()).toMatchObject({deleted: true, consumers: 0, pending: 0})
    const forced = await runCg(['group', 'delete', s, 'workers', '--force', '--url', url, '--json'])
    expect(forced.code, forced.stderr).toBe(0)
    expect(forced.json()).toMatchObject({deleted: true, consumers: 1, pending: 4})
    expect(forced.stderr).toContain('4 pending')
    expect(await groups()).toEqual([])
    expect((await runCg(['group', 'delete', s, 'workers', '--url', url])).code).toBe(5)
    expect((await runCg(['group', 'delete', s + ':x', 'workers', '--url', url])).code).toBe(5)
  })
})
