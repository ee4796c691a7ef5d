import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {Cluster, Redis} from 'ioredis'
import {runCg} from '../../helpers/cli.js'
import {redis, seedGroup, uniq, TARGETS} from '../../helpers/redis.js'
import {expectValid} from '../../helpers/schemas.js'

describe.each(TARGETS)('inspect commands on %s Redis', (_name, url, connect) => {
  let r: Redis | Cluster
  const stream = uniq('tasks')
  const stream2 = uniq('other')
  beforeAll(async () => {
    r = await connect()
    // The seed scenario: a tasks stream, a workers group, three workers holding entries.
    await seedGroup(r, stream, 'workers', 6, ['worker1', 'worker2', 'worker3'])
    await r.xadd(stream, '*', 'task', 'not-yet-delivered')
    await r.xgroup('CREATE', stream, 'audit', '$')
    await seedGroup(r, stream2, 'g', 3, [])
  })
  afterAll(async () => {
    await r.del(stream)
    await r.del(stream2)
    await r.quit()
  })

  it('groups lists every group of every stream with lag and pending', async () => {
    const res = await runCg(['groups', '--url', url, '--json'])
    expect(res.code).toBe(0)
    const rows = res.json().groups.filter((g: any) => g.sources[0] === stream || g.sources[0] === stream2)
    expect(rows).toHaveLength(3)
    const workers = rows.find((g: any) => g.sources[0] === stream && g.group === 'workers')
    expect(workers).toMatchObject({consumers: 3, pending: 6, entriesRead: 6, lag: 1})
    const audit = rows.find((g: any) => g.group === 'audit')
    expect(audit).toMatchObject({consumers: 0, pending: 0, lag: 0})
    expect(rows.find((g: any) => g.sources[0] === stream2)).toMatchObject({pending: 0, lag: 3})
  })

  it('groups STREAM limits to one stream; lag is null (unknown), never 0, after SETID without ENTRIESREAD', async () => {
    const ids = (await r.xrange(stream, '-', '+')).map(([id]) => id)
    await r.xgroup('SETID', stream, 'audit', ids[2])
    const res = await runCg(['groups', stream, '--url', url, '--json'])
    expect(res.code).toBe(0)
    const audit = res.json().groups.find((g: any) => g.group === 'audit')
    expect(audit.lag).toBeNull()
    expect(audit.entriesRead).toBeNull()
    const table = await runCg(['groups', stream, '--url', url])
    expect(table.stdout).toMatch(/audit.*unknown/)
  })

  it('consumers shows each consumer with its pending count', async () => {
    const res = await runCg(['consumers', stream, 'workers', '--url', url, '--json'])
    expect(res.code).toBe(0)
    const cs = res.json().consumers
    expect(cs.map((c: any) => [c.name, c.pending])).toEqual([
      ['worker1', 2],
      ['worker2', 2],
      ['worker3', 2],
    ])
    expect(typeof cs[0].idleMs).toBe('number')
  })

  it('pending shows the summary and every entry with owner and deliveries', async () => {
    const res = await runCg(['pending', stream, 'workers', '--url', url, '--json'])
    expect(res.code).toBe(0)
    const d = res.json()
    expect(d.pending).toBe(6)
    expect(d.consumers).toEqual([
      {name: 'worker1', pending: 2},
      {name: 'worker2', pending: 2},
      {name: 'worker3', pending: 2},
    ])
    expect(d.entries).toHaveLength(6)
    expect(d.entries[0]).toMatchObject({consumer: 'worker1', deliveries: 1})
    expect(d.entries.map((e: any) => e.id)).toEqual([...d.entries.map((e: any) => e.id)].sort())
  })

  it('pending CONSUMER, --count, --start/--end and --min-idle filter', async () => {
    const one = (await runCg(['pending', stream, 'workers', 'worker2', '--url', url, '--json'])).json()
    expect(one.pending).toBe(2)
    expect(one.entries.every((e: any) => e.consumer === 'worker2')).toBe(true)
    const two = (await runCg(['pending', stream, 'workers', '--count', '2', '--url', url, '--json'])).json()
    expect(two.entries).toHaveLength(2)
    const all = (await runCg(['pending', stream, 'workers', '--url', url, '--json'])).json().entries
    const ranged = (await runCg(['pending', stream, 'workers', '--start', all[1].id, '--end', all[3].id, '--url', url, '--json'])).json()
    expect(ranged.entries.map((e: any) => e.id)).toEqual(all.slice(1, 4).map((e: any) => e.id))
    const idle = (await runCg(['pending', stream, 'workers', '--min-idle', '3600000', '--url', url, '--json'])).json()
    expect(idle.entries).toEqual([])
  })

  it('lag reports per group lag and the oldest pending entry', async () => {
    const res = await runCg(['lag', 'workers', '--stream', stream, '--url', url, '--json'])
    expect(res.code).toBe(0)
    const [row] = res.json().groups
    const first = (await r.xrange(stream, '-', '+', 'COUNT', 1))[0][0]
    expect(row).toMatchObject({sources: [stream], group: 'workers', lag: 1, pending: 6, oldestPendingId: first})
    expect(row.oldestPendingIdleMs).toBeGreaterThanOrEqual(0)
  })

  it('lag GROUP for a group no stream has exits 5, as on Kafka and RabbitMQ; lag with no GROUP lists what there is', async () => {
    for (const args of [
      ['lag', 'no-such-group'],
      ['lag', 'no-such-group', '--stream', stream],
    ]) {
      const res = await runCg([...args, '--url', url])
      expect(res.code, res.stderr).toBe(5)
      expect(res.stderr).toMatch(/^Error: no consumer group no-such-group on [^\n]+\nHint: cg groups lists/)
    }
    const all = await runCg(['lag', '--stream', stream, '--url', url, '--json'])
    expect(all.code, all.stderr).toBe(0)
    expect(all.json().groups.map((g: {group: string}) => g.group)).toContain('workers')
  })

  it('every --json document validates against its schema, with the common core', async () => {
    const samples: Array<[string, string[]]> = [
      ['groups', ['groups', stream]],
      ['consumers', ['consumers', stream, 'workers']],
      ['pending', ['pending', stream, 'workers', '--all']],
      ['pending', ['pending', stream, 'workers', 'worker1']],
      ['lag', ['lag', '--stream', stream]],
    ]
    for (const [schema, argv] of samples) {
      const res = await runCg([...argv, '--url', url, '--json'])
      expect(res.code, `${argv.join(' ')}: ${res.stderr}`).toBe(0)
      const doc = res.json()
      expectValid(`${schema}.json`, doc, argv.join(' '))
      expect(doc.broker).toBe('redis')
    }
    const pending = (await runCg(['pending', stream, 'workers', '--url', url, '--json'])).json()
    expect(pending).toMatchObject({group: 'workers', sources: [stream], pending: 6})
    const consumers = (await runCg(['consumers', stream, 'workers', '--url', url, '--json'])).json()
    expect(consumers).toMatchObject({group: 'workers', sources: [stream]})
    const groups = (await runCg(['groups', stream, '--url', url, '--json'])).json().groups
    expect(groups.find((g: any) => g.group === 'workers')).toMatchObject({sources: [stream], state: null, consumers: 3, lag: 1})
  })

  it('missing stream, group and consumer exit 5; bad ids exit 2', async () => {
    expect((await runCg(['pending', uniq('none'), 'workers', '--url', url])).code).toBe(5)
    expect((await runCg(['pending', stream, 'nogroup', '--url', url])).code).toBe(5)
    expect((await runCg(['consumers', stream, 'nogroup', '--url', url])).code).toBe(5)
    expect((await runCg(['pending', stream, 'workers', 'nobody', '--url', url])).code).toBe(5)
    const bad = await runCg(['pending', stream, 'workers', '--start', 'abc', '--url', url, '--json'])
    expect(bad.code).toBe(2)
    expect(bad.json().error).toMatchObject({code: 'usage'})
  })
})

describe('pending over a large PEL', () => {
  it('pages through 30,000 entries with --all', async () => {
    const r = await redis()
    const stream = uniq('big')
    try {
      await seedGroup(r, stream, 'g', 30_000, ['c1'])
      const res = await runCg(['pending', stream, 'g', '--all', '--json'])
      expect(res.code).toBe(0)
      const d = res.json()
      expect(d.entries).toHaveLength(30_000)
      expect(new Set(d.entries.map((e: any) => e.id)).size).toBe(30_000)
      const lines = (await runCg(['pending', stream, 'g'])).stdout
      expect(lines).toContain('(showing 100 of 30000; use --count N or --all)')
    } finally {
      await r.del(stream)
      await r.quit()
    }
  })
})
