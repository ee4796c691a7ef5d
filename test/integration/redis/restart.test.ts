import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {Redis} from 'ioredis'
import {runCg, spawnCg, type Exit} from '../../helpers/cli.js'
import {fieldValues, seedDlq, seedGroup, uniq} from '../../helpers/redis.js'
import {DedicatedRedis} from '../../helpers/redis-server.js'

// The broker dies (SIGKILL) in the middle of a repair and comes back from its AOF (fsync always: every
// acknowledged write survives). cg must stop with exit 69 and one error line, and the same command run
// again must finish the job: every entry exactly once, nothing lost.
const N = 20_000

const server = new DedicatedRedis()
let db: Redis

/** A fresh client of the dedicated server (the old one died with the server). */
async function reconnect(): Promise<Redis> {
  db?.disconnect()
  db = server.client()
  await db.connect()
  return db
}

beforeAll(async () => {
  // DEBUG SLEEP lets the claim test slow the server down enough to crash it mid-run.
  await server.start(['--enable-debug-command', 'yes'])
  await reconnect()
})

afterAll(async () => {
  db?.disconnect()
  await server.close()
})

/**
 * Starts cg, waits until `landed()` shows part of the work done, SIGKILLs the server and returns how
 * cg ended (it must end within a few seconds on its own) and what had landed at the crash.
 */
async function crashServerMidRun(args: string[], landed: () => Promise<number>): Promise<{exit: Exit; at: number; exitMs: number}> {
  const run = spawnCg(args)
  const deadline = Date.now() + 30_000
  let at = 0
  for (;;) {
    at = await landed()
    if (at >= N / 10) break
    if (run.child.exitCode !== null) throw new Error(`cg exited before the crash (at ${at}): ${run.stderr()}`)
    if (Date.now() > deadline) throw new Error(`cg made no progress (at ${at}): ${run.stderr()}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  await server.kill()
  const crashedAt = Date.now()
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`cg still running 10 s after the crash: ${run.stderr()}`)), 10_000))
  const exit = await Promise.race([run.exited, timeout]).catch((error) => {
    run.child.kill('SIGKILL')
    throw error
  })
  return {exit, at, exitMs: Date.now() - crashedAt}
}

/** Exit 69 within a few seconds; stderr is one error line a person can act on (plus its hint), no stack. */
function expectUnreachable(exit: Exit, exitMs: number): void {
  expect(exit.code, `stderr: ${exit.stderr}\nstdout tail: ${exit.stdout.slice(-600)}`).toBe(69)
  expect(exitMs).toBeLessThan(5_000)
  const lines = exit.stderr.trim().split('\n')
  expect(lines[0]).toMatch(/^Error: lost the connection to Redis/)
  expect(lines.filter((l) => l.startsWith('Error:'))).toHaveLength(1)
  expect(lines).toHaveLength(2)
  expect(lines[1]).toMatch(/^Hint: .*run (the same )?command again/i)
  expect(exit.stderr).not.toMatch(/\n\s+at /)
}

async function pendingTotal(r: Redis, s: string, g: string): Promise<{count: number; byConsumer: Map<string, number>}> {
  const [count, , , consumers] = (await r.xpending(s, g)) as [number, string | null, string | null, Array<[string, string]> | null]
  return {count: Number(count), byConsumer: new Map((consumers ?? []).map(([c, n]) => [c, Number(n)]))}
}

describe(`broker SIGKILL mid-repair, restart, re-run: nothing lost (${N} entries, AOF fsync always)`, () => {
  it('dlq replay', async () => {
    const s = uniq('restart-replay')
    const dlq = `${s}:dlq`
    await seedDlq(db, dlq, s, N)
    const original = new Set(await fieldValues(db, dlq, 'uid'))
    expect(original.size).toBe(N)

    const args = ['dlq', 'replay', s, '--rate', '8000/s', '--json', '--url', server.url]
    const {exit, exitMs} = await crashServerMidRun(args, async () => Number(await db.xlen(s)))
    expectUnreachable(exit, exitMs)
    // --json: stdout is still one document, and it says why it stopped
    const report = JSON.parse(exit.stdout)
    expect(report.totals.error).toMatch(/lost the connection/)

    await server.start()
    const r = await reconnect()
    const landed = await r.xlen(s)
    expect(landed).toBeGreaterThan(0)
    expect(landed).toBeLessThan(N)
    expect(landed + (await r.xlen(dlq))).toBe(N) // the crash lost nothing and duplicated nothing

    const rerun = await runCg(['dlq', 'replay', s, '--json', '--url', server.url], {timeoutMs: 120_000})
    expect(rerun.code, rerun.stderr).toBe(0)
    expect(rerun.json().totals).toMatchObject({failed: 0, error: null, replayed: N - landed})
    const seen = await fieldValues(r, s, 'uid')
    expect(seen).toHaveLength(N)
    expect(new Set(seen)).toEqual(original)
    expect(await r.xlen(dlq)).toBe(0)
    expect(await r.exists(dlq)).toBe(1) // emptied, not deleted
  }, 180_000)

  it('dlq move', async () => {
    const s = uniq('restart-move')
    const dlq = `${s}:dlq`
    const ids = await seedGroup(db, s, 'g', N, ['c1', 'c2'])

    const args = ['dlq', 'move', s, 'g', '--max-deliveries', '1', '--rate', '8000/s', '--json', '--url', server.url]
    const {exit, exitMs} = await crashServerMidRun(args, async () => Number(await db.xlen(dlq).catch(() => 0)))
    expectUnreachable(exit, exitMs)
    expect(JSON.parse(exit.stdout).totals.error).toMatch(/lost the connection/)

    await server.start()
    const r = await reconnect()
    const moved = await r.xlen(dlq)
    expect(moved).toBeGreaterThan(0)
    expect(moved).toBeLessThan(N)
    expect(moved + (await pendingTotal(r, s, 'g')).count).toBe(N)

    const rerun = await runCg(['dlq', 'move', s, 'g', '--max-deliveries', '1', '--json', '--url', server.url], {timeoutMs: 120_000})
    expect(rerun.code, rerun.stderr).toBe(0)
    expect(rerun.json().totals).toMatchObject({failed: 0, error: null, moved: N - moved})
    expect((await pendingTotal(r, s, 'g')).count).toBe(0)
    const seen = await fieldValues(r, dlq, 'original_id')
    expect(seen).toHaveLength(N)
    expect(new Set(seen)).toEqual(new Set(ids))
    expect(await r.xlen(s)).toBe(N) // acked, never deleted
  }, 180_000)

  it('claim', async () => {
    const s = uniq('restart-claim')
    const ids = await seedGroup(db, s, 'g', N, ['c1', 'c2'])
    const pel = async (r: Redis) => new Set((await r.xpending(s, 'g', '-', '+', N + 1)).map((row) => String((row as [string])[0])))
    expect(await pel(db)).toEqual(new Set(ids))

    // claim has no --rate: a second client keeps the server busy in DEBUG SLEEP so the run lasts.
    let throttling = true
    const throttle = server.client()
    await throttle.connect()
    const slow = (async () => {
      while (throttling) await throttle.call('DEBUG', 'SLEEP', '0.02').catch(() => (throttling = false))
    })()

    const args = ['claim', s, 'g', '--idle', '0', '--to', 'rescuer', '--url', server.url]
    const {exit, exitMs} = await crashServerMidRun(args, async () => (await pendingTotal(db, s, 'g')).byConsumer.get('rescuer') ?? 0)
    throttling = false
    await slow
    throttle.disconnect()
    expectUnreachable(exit, exitMs)

    await server.start()
    const r = await reconnect()
    const before = await pendingTotal(r, s, 'g')
    expect(before.count).toBe(N)
    expect(before.byConsumer.get('rescuer')).toBeGreaterThan(0)
    expect(before.byConsumer.get('rescuer')).toBeLessThan(N)

    const rerun = await runCg(['claim', s, 'g', '--idle', '0', '--to', 'rescuer', '--json', '--url', server.url], {timeoutMs: 120_000})
    expect(rerun.code, rerun.stderr).toBe(0)
    expect(rerun.json()).toMatchObject({totals: {claimed: N, deleted: 0, interrupted: false}})
    const after = await pendingTotal(r, s, 'g')
    expect(after.count).toBe(N)
    expect([...after.byConsumer]).toEqual([['rescuer', N]])
    expect(await pel(r)).toEqual(new Set(ids))
  }, 180_000)
})
