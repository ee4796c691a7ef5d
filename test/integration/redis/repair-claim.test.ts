import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import type {Cluster, Redis} from 'ioredis'
import {runCg} from '../../helpers/cli.js'
import {seedGroup, TARGETS, useRedis} from '../../helpers/redis.js'

type Row = [string, string, number, number]
const pel = async (r: Redis | Cluster, stream: string, group: string): Promise<Row[]> => (await r.xpending(stream, group, '-', '+', 100_000)) as Row[]
const owners = async (r: Redis | Cluster, stream: string, group: string) => Object.fromEntries((await pel(r, stream, group)).map(([id, c]) => [id, c]))
const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms))

describe.each(TARGETS)('cg claim on %s Redis', (_name, url, connect) => {
  const db = useRedis(connect)
  const stream = db.key
  let r: Redis | Cluster
  beforeAll(() => {
    r = db.r
  })

  it('the seed scenario: three workers hold entries; claim --idle 0 moves all of them to recovery-worker', async () => {
    const tasks = stream('tasks')
    const ids = await seedGroup(r, tasks, 'workers', 9, ['worker1', 'worker2', 'worker3'])
    const res = await runCg(['claim', tasks, 'workers', '--idle', '0', '--to', 'recovery-worker', '--url', url, '--json'])
    expect(res.code, res.stderr).toBe(0)
    const out = res.json()
    expect(out).toMatchObject({
      sources: [tasks],
      group: 'workers',
      to: 'recovery-worker',
      from: null,
      minIdleMs: 0,
      justId: true,
      dryRun: false,
      totals: {interrupted: false, skipped: 0},
    })
    expect(out.totals.claimed).toBe(9)
    expect([...out.claimedIds].sort()).toEqual([...ids].sort())
    expect(out.deletedIds).toEqual([])
    expect(out.totals.deleted).toBe(0)
    const rows = await pel(r, tasks, 'workers')
    expect(rows).toHaveLength(9)
    for (const [, consumer, , deliveries] of rows) {
      expect(consumer).toBe('recovery-worker')
      expect(deliveries).toBe(1) // JUSTID: delivery counts kept
    }
  })

  it('human output names what was claimed', async () => {
    const tasks = stream('tasks')
    const ids = await seedGroup(r, tasks, 'workers', 3, ['worker1'])
    const res = await runCg(['claim', tasks, 'workers', '--idle', '0', '--to', 'recovery-worker', '--url', url])
    expect(res.code, res.stderr).toBe(0)
    expect(res.stdout).toContain('Claimed 3 entries')
    expect(res.stdout).toContain(ids[0])
  })

  it('only entries idle long enough are claimed', async () => {
    const tasks = stream('tasks')
    const ids = await seedGroup(r, tasks, 'workers', 6, ['worker1', 'worker2'])
    // make worker1's entries 10 minutes idle (XCLAIM ... IDLE sets the idle time), worker2's stay fresh
    await r.call('XCLAIM', tasks, 'workers', 'worker1', 0, ...ids.slice(0, 3), 'IDLE', 600_000, 'JUSTID')
    const res = await runCg(['claim', tasks, 'workers', '--idle', '300000', '--to', 'rescuer', '--url', url, '--json'])
    expect(res.code, res.stderr).toBe(0)
    expect(res.json().claimedIds).toEqual(ids.slice(0, 3))
    const own = await owners(r, tasks, 'workers')
    expect(ids.map((id) => own[id])).toEqual([...Array(3).fill('rescuer'), ...Array(3).fill('worker2')])
    const dry = await runCg(['claim', tasks, 'workers', '--idle', '300000', '--to', 'rescuer', '--dry-run', '--url', url, '--json'])
    expect(dry.json().plan.count).toBe(0)
  })

  it('reports ids deleted from the stream (XDEL of a pending entry) and drops them from the PEL', async () => {
    const tasks = stream('tasks')
    const ids = await seedGroup(r, tasks, 'workers', 5, ['worker1'])
    await r.xdel(tasks, ids[1], ids[3])
    const res = await runCg(['claim', tasks, 'workers', '--idle', '0', '--to', 'rescuer', '--url', url, '--json'])
    expect(res.code, res.stderr).toBe(0)
    const out = res.json()
    expect(out.claimedIds).toEqual([ids[0], ids[2], ids[4]])
    expect(out.deletedIds).toEqual([ids[1], ids[3]])
    expect(out.totals.deleted).toBe(2)
    expect((await pel(r, tasks, 'workers')).map((x) => x[0])).toEqual([ids[0], ids[2], ids[4]])
  })

  it("--from claims only that consumer's entries", async () => {
    const tasks = stream('tasks')
    const ids = await seedGroup(r, tasks, 'workers', 9, ['worker1', 'worker2', 'worker3'])
    const res = await runCg(['claim', tasks, 'workers', '--idle', '0', '--from', 'worker2', '--to', 'worker1', '--url', url, '--json'])
    expect(res.code, res.stderr).toBe(0)
    expect(res.json()).toMatchObject({from: 'worker2', to: 'worker1', claimedIds: ids.slice(3, 6), totals: {claimed: 3}})
    const own = await owners(r, tasks, 'workers')
    expect(ids.map((id) => own[id])).toEqual([...Array(6).fill('worker1'), ...Array(3).fill('worker3')])
  })

  it('--from reports deleted ids too and --from equal to --to is a usage error', async () => {
    const tasks = stream('tasks')
    const ids = await seedGroup(r, tasks, 'workers', 4, ['worker1'])
    await r.xdel(tasks, ids[0])
    const res = await runCg(['claim', tasks, 'workers', '--idle', '0', '--from', 'worker1', '--to', 'w9', '--url', url, '--json'])
    expect(res.code, res.stderr).toBe(0)
    expect(res.json()).toMatchObject({claimedIds: ids.slice(1), deletedIds: [ids[0]], totals: {claimed: 3, deleted: 1, skipped: 0}})
    const same = await runCg(['claim', tasks, 'workers', '--idle', '0', '--from', 'w9', '--to', 'w9', '--url', url, '--json'])
    expect(same.code).toBe(2)
    expect(same.json().error.code).toBe('usage')
  })

  it('--count stops after N entries, in order; a second run claims the rest (many batches)', async () => {
    const tasks = stream('tasks')
    const ids = await seedGroup(r, tasks, 'workers', 2500, ['worker1'])
    const first = await runCg(['claim', tasks, 'workers', '--idle', '0', '--to', 'rescuer', '--count', '1200', '--url', url, '--json'])
    expect(first.code, first.stderr).toBe(0)
    expect(first.json().claimedIds).toEqual(ids.slice(0, 1200))
    const rest = await runCg(['claim', tasks, 'workers', '--idle', '0', '--from', 'worker1', '--to', 'rescuer', '--count', '1100', '--url', url, '--json'])
    expect(rest.json().claimedIds).toEqual(ids.slice(1200, 2300))
    const own = await owners(r, tasks, 'workers')
    expect(ids.filter((id) => own[id] === 'rescuer')).toEqual(ids.slice(0, 2300))
  })

  it('--no-justid bumps the delivery count', async () => {
    const tasks = stream('tasks')
    const ids = await seedGroup(r, tasks, 'workers', 3, ['worker1'])
    const res = await runCg(['claim', tasks, 'workers', '--idle', '0', '--to', 'rescuer', '--no-justid', '--url', url, '--json'])
    expect(res.code, res.stderr).toBe(0)
    expect(res.json()).toMatchObject({justId: false, claimedIds: ids})
    expect((await pel(r, tasks, 'workers')).map((x) => x[3])).toEqual([2, 2, 2])
    const from = await runCg(['claim', tasks, 'workers', '--idle', '0', '--from', 'rescuer', '--to', 'other', '--no-justid', '--url', url, '--json'])
    expect(from.json().claimedIds).toEqual(ids)
    expect((await pel(r, tasks, 'workers')).map((x) => x[3])).toEqual([3, 3, 3])
  })

  it('--dry-run lists what would be claimed (with --from and --count) and changes nothing', async () => {
    const tasks = stream('tasks')
    const ids = await seedGroup(r, tasks, 'workers', 6, ['worker1', 'worker2'])
    const before = await pel(r, tasks, 'workers')
    const res = await runCg([
      'claim',
      tasks,
      'workers',
      '--idle',
      '0',
      '--to',
      'rescuer',
      '--from',
      'worker2',
      '--count',
      '2',
      '--dry-run',
      '--url',
      url,
      '--json',
    ])
    expect(res.code, res.stderr).toBe(0)
    const out = res.json()
    expect(out).toMatchObject({dryRun: true, claimedIds: [], totals: {claimed: 0}})
    expect(out.plan.count).toBe(2)
    expect(out.plan.entries.map((e: any) => [e.id, e.consumer, e.deliveries])).toEqual([
      [ids[3], 'worker2', 1],
      [ids[4], 'worker2', 1],
    ])
    const after = await pel(r, tasks, 'workers')
    expect(after.map((x) => [x[0], x[1], x[3]])).toEqual(before.map((x) => [x[0], x[1], x[3]]))
    const consumers = await runCg(['consumers', tasks, 'workers', '--url', url, '--json'])
    expect(consumers.json().consumers.map((c: any) => c.name)).not.toContain('rescuer')
    const human = await runCg(['claim', tasks, 'workers', '--idle', '0', '--to', 'rescuer', '--dry-run', '--url', url])
    expect(human.stdout).toContain('would claim 6 entries')
  })

  it('exit codes: missing stream or group 5, bad --idle 2 with a hint, no --to anywhere 2', async () => {
    const tasks = stream('tasks')
    await seedGroup(r, tasks, 'workers', 1, ['worker1'])
    const noStream = await runCg(['claim', tasks + ':nope', 'workers', '--idle', '0', '--to', 'x', '--url', url, '--json'])
    expect(noStream.code).toBe(5)
    expect(noStream.json().error.message).toContain('stream')
    const noGroup = await runCg(['claim', tasks, 'nope', '--idle', '0', '--to', 'x', '--url', url, '--json'])
    expect(noGroup.code).toBe(5)
    expect(noGroup.json().error.message).toContain('group nope')
    for (const idle of ['-1', 'abc', '1.5']) {
      const bad = await runCg(['claim', tasks, 'workers', '--idle', idle, '--to', 'x', '--url', url])
      expect(bad.code).toBe(2)
      expect(bad.stderr).toContain('--idle')
      expect(bad.stderr).toContain('Hint:')
    }
    const noTo = await runCg(['claim', tasks, 'workers', '--idle', '0', '--url', url, '--json'])
    expect(noTo.code).toBe(2)
    expect(noTo.json().error.hint).toContain('consumer')
    expect((await pel(r, tasks, 'workers'))[0][1]).toBe('worker1')
  })

  it('`cg claim --idle N` with stream, group and consumer from the profile', async () => {
    const tasks = stream('tasks')
    const ids = await seedGroup(r, tasks, 'workers', 6, ['worker1', 'worker2', 'worker3'])
    const dir = mkdtempSync(join(tmpdir(), 'cg-claim-'))
    writeFileSync(
      join(dir, '.cg.yaml'),
      `default: ops\nprofiles:\n  ops:\n    url: ${url}\n    stream: ${tasks}\n    group: workers\n    consumer: recovery-worker\n`,
    )
    await sleep(150)
    const res = await runCg(['claim', '--idle', '100', '--json'], {cwd: dir})
    expect(res.code, res.stderr).toBe(0)
    expect(res.json()).toMatchObject({sources: [tasks], group: 'workers', to: 'recovery-worker', totals: {claimed: 6}})
    expect(Object.entries(await owners(r, tasks, 'workers'))).toEqual(ids.map((id) => [id, 'recovery-worker']))
    const again = await runCg(['claim', '--idle', '60000'], {cwd: dir})
    expect(again.code).toBe(0)
    expect(again.stdout).toContain('Claimed 0 entries')
  })
})
