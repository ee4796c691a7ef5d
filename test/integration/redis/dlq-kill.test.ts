import calculateSlot from 'cluster-key-slot'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {Cluster, Redis} from 'ioredis'
import {runCg, spawnCg} from '../../helpers/cli.js'
import {CLUSTER_URL, REDIS_URL, cluster, fieldValues, redis, seedDlq, seedGroup, uniq} from '../../helpers/redis.js'

// kill -9 in the middle of a run, then run again: every entry must arrive exactly once.
const N = 20_000

type Client = Redis | Cluster

/** Starts cg, waits until `progress()` says the work is partly done, SIGKILLs it; returns the count seen. */
async function killMidRun(args: string[], progress: () => Promise<number>): Promise<{at: number; signal: string | null}> {
  const run = spawnCg(args)
  const deadline = Date.now() + 30_000
  let at = 0
  while (Date.now() < deadline) {
    at = await progress()
    if (at >= N / 10) break
    if (run.child.exitCode !== null) throw new Error(`cg exited before the kill: ${run.stderr()}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  run.child.kill('SIGKILL')
  return {at, signal: (await run.exited).signal}
}

async function replayKill(r: Client, url: string, s: string, dlq: string, mode: string): Promise<void> {
  await seedDlq(r, dlq, s, N)
  const kill = await killMidRun(['dlq', 'replay', s, '--rate', '8000/s', '--json', '--url', url], async () => Number(await r.xlen(s).catch(() => 0)))
  expect(kill.signal).toBe('SIGKILL')
  const landed = await r.xlen(s)
  expect(landed).toBeGreaterThan(0)
  expect(landed).toBeLessThan(N)
  expect(await r.xlen(dlq)).toBeGreaterThan(0)

  const rerun = await runCg(['dlq', 'replay', s, '--json', '--url', url], {timeoutMs: 120_000})
  expect(rerun.code, rerun.stderr).toBe(0)
  const totals = rerun.json().totals
  expect(totals).toMatchObject({failed: 0, targets: [{target: s, mode}]})
  expect(await r.xlen(s)).toBe(N)
  const seen = await fieldValues(r, s, 'uid')
  expect(new Set(seen).size).toBe(N)
  expect(await r.xlen(dlq)).toBe(0)
  const [, f] = (await r.xrangeBuffer(s, '-', '+', 'COUNT', 1))[0]
  expect(f.length).toBe(4) // uid, bin: meta fields stripped
}

describe('dlq kill -9 and re-run: exactly once', () => {
  let r: Redis
  let c: Cluster
  const keys: Array<[Client, string]> = []

  beforeAll(async () => {
    r = await redis()
    c = await cluster()
  })
  afterAll(async () => {
    for (const [client, k] of keys) await client.del(k)
    await r.quit()
    await c.quit()
  })

  it(`standalone replay of ${N} entries`, async () => {
    const s = uniq('kill-replay')
    keys.push([r, s], [r, `${s}:dlq`])
    await replayKill(r, REDIS_URL, s, `${s}:dlq`, 'atomic')
  }, 180_000)

  it(`cluster replay of ${N} entries across slots (two-step)`, async () => {
    const s = uniq('kill-replay-c')
    const dlq = `${s}:dlq`
    keys.push([c, s], [c, dlq], [c, `{${s}}:cg:journal`])
    expect(calculateSlot(s)).not.toBe(calculateSlot(dlq))
    await replayKill(c, CLUSTER_URL, s, dlq, 'two-step')
    expect(await c.exists(`{${s}}:cg:journal`)).toBe(0)
  }, 180_000)

  it('Ctrl-C stops between batches: exit 130, the report says interrupted, a re-run finishes', async () => {
    const s = uniq('int-replay')
    keys.push([r, s], [r, `${s}:dlq`])
    await seedDlq(r, `${s}:dlq`, s, N)
    const run = spawnCg(['dlq', 'replay', s, '--rate', '4000/s', '--json', '--url', REDIS_URL])
    while ((await r.xlen(s)) < 1000) await new Promise((resolve) => setTimeout(resolve, 10))
    run.child.kill('SIGINT')
    const {code, stdout} = await run.exited
    expect(code).toBe(130)
    const report = JSON.parse(stdout)
    expect(report.totals.interrupted).toBe(true)
    expect(report.totals.replayed).toBe(await r.xlen(s))
    expect(report.totals.replayed).toBeLessThan(N)
    const rerun = await runCg(['dlq', 'replay', s, '--json', '--url', REDIS_URL], {timeoutMs: 120_000})
    expect(rerun.code, rerun.stderr).toBe(0)
    expect(rerun.json().totals.replayed + report.totals.replayed).toBe(N)
    expect(new Set(await fieldValues(r, s, 'uid')).size).toBe(N)
    expect(await r.xlen(s)).toBe(N)
  }, 180_000)

  async function moveKill(client: Client, url: string, s: string, dlq: string, mode: string): Promise<void> {
    await seedGroup(client, s, 'g', N, ['c1', 'c2'])
    const kill = await killMidRun(['dlq', 'move', s, 'g', '--max-deliveries', '1', '--rate', '8000/s', '--json', '--url', url], async () =>
      Number(await client.xlen(dlq).catch(() => 0)),
    )
    expect(kill.signal).toBe('SIGKILL')
    const landed = await client.xlen(dlq)
    expect(landed).toBeGreaterThan(0)
    expect(landed).toBeLessThan(N)

    const rerun = await runCg(['dlq', 'move', s, 'g', '--max-deliveries', '1', '--json', '--url', url], {timeoutMs: 120_000})
    expect(rerun.code, rerun.stderr).toBe(0)
    expect(rerun.json()).toMatchObject({mode, totals: {failed: 0}})
    expect(await client.xlen(dlq)).toBe(N)
    const seen = await fieldValues(client, dlq, 'original_id')
    expect(new Set(seen).size).toBe(N)
    expect(((await client.xpending(s, 'g')) as [number])[0]).toBe(0)
    expect(await client.xlen(s)).toBe(N) // acked, never deleted
  }

  it(`standalone move of ${N} pending entries`, async () => {
    const s = uniq('kill-move')
    keys.push([r, s], [r, `${s}:dlq`])
    await moveKill(r, REDIS_URL, s, `${s}:dlq`, 'atomic')
  }, 180_000)

  it(`cluster move of ${N} pending entries across slots (two-step)`, async () => {
    const s = uniq('kill-move-c')
    const dlq = `${s}:dlq`
    keys.push([c, s], [c, dlq], [c, `{${dlq}}:cg:journal`])
    await moveKill(c, CLUSTER_URL, s, dlq, 'two-step')
    expect(await c.exists(`{${dlq}}:cg:journal`)).toBe(0)
  }, 180_000)
})
