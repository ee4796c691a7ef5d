import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {Redis} from 'ioredis'
import {runCg} from '../../helpers/cli.js'
import {redis, uniq} from '../../helpers/redis.js'

// The tutorial of seed 001, as a user would type it: a `tasks` stream, a `workers` group, three workers
// holding entries, `cg pending tasks workers`, a claim to `recovery-worker`, and the DLQ handler's layout.
// Key names carry a unique prefix through a profile, so the commands are typed exactly as in the seed.
describe('seed 001 scenario: tasks / workers', () => {
  let r: Redis
  const prefix = uniq('seed')
  const stream = `${prefix}:tasks`
  let cwd: string
  const ids: string[] = []

  beforeAll(async () => {
    r = await redis()
    for (const t of ['process-order-1', 'process-order-2', 'process-order-3', 'send-email-1', 'resize-image-1', 'process-order-4']) {
      ids.push(String(await r.xadd(stream, '*', 'task', t)))
    }
    await r.xgroup('CREATE', stream, 'workers', '0')
    for (const w of ['worker1', 'worker2', 'worker3']) await r.xreadgroup('GROUP', 'workers', w, 'COUNT', 2, 'STREAMS', stream, '>')
    // A profile names the stream, group and recovery consumer, so `cg claim --idle N` works as written.
    cwd = mkdtempSync(join(tmpdir(), 'cg-seed-'))
    writeFileSync(
      join(cwd, '.cg.yaml'),
      `default: local\nprofiles:\n  local:\n    url: redis://127.0.0.1:6379\n    stream: ${stream}\n    group: workers\n    consumer: recovery-worker\n`,
      {mode: 0o600},
    )
  })
  afterAll(async () => {
    await r.del(stream)
    await r.del(`${stream}:dlq`)
    await r.quit()
  })

  it('cg pending tasks workers shows the three workers and their entries', async () => {
    const res = await runCg(['pending', stream, 'workers'], {cwd})
    expect(res.code).toBe(0)
    expect(res.stdout).toMatch(/pending\s+6/)
    for (const w of ['worker1', 'worker2', 'worker3']) expect(res.stdout).toContain(w)
    const json = (await runCg(['pending', stream, 'workers', '--json'], {cwd})).json()
    expect(json.entries.map((e: any) => e.id)).toEqual(ids)
    expect(json.consumers).toEqual([
      {name: 'worker1', pending: 2},
      {name: 'worker2', pending: 2},
      {name: 'worker3', pending: 2},
    ])
  })

  it('cg claim --idle N moves idle entries to the recovery worker named by the profile', async () => {
    await new Promise((resolve) => setTimeout(resolve, 300))
    const res = await runCg(['claim', '--idle', '200', '--json'], {cwd})
    expect(res.code, res.stderr).toBe(0)
    const out = (await runCg(['pending', '--json'], {cwd})).json()
    expect(out.entries.every((e: any) => e.consumer === 'recovery-worker')).toBe(true)
    expect(out.pending).toBe(6)
  })

  it("the DLQ handler's layout (seed 001) is replayed onto tasks byte for byte", async () => {
    // dlq_handler.py: {**fields, original_id, original_stream, delivery_count, reason}
    const [[id, fields]] = await r.xrange(stream, ids[0], ids[0])
    await r.xadd(`${stream}:dlq`, '*', ...fields, 'original_id', id, 'original_stream', stream, 'delivery_count', '3', 'reason', 'max_deliveries_exceeded')
    await r.xack(stream, 'workers', id)
    const before = await r.xlen(stream)
    const res = await runCg(['dlq', 'replay', '--json'], {cwd})
    expect(res.code, res.stderr).toBe(0)
    expect(await r.xlen(`${stream}:dlq`)).toBe(0)
    expect(await r.xlen(stream)).toBe(before + 1)
    const [[, replayed]] = await r.xrevrange(stream, '+', '-', 'COUNT', 1)
    expect(replayed).toEqual(['task', 'process-order-1'])
  })
})
