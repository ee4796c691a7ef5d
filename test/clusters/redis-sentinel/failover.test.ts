import {afterAll, describe, expect, it} from 'vitest'
import type {Redis} from 'ioredis'
import {runCg, spawnCg, type Exit} from '../../helpers/cli.js'
import {fieldValues, seedDlq, uniq} from '../../helpers/redis.js'
import {failover, master, masterPort, promoted, SENTINEL_URL} from '../../helpers/redis-sentinel.js'

// SENTINEL FAILOVER cg-master in the middle of `cg dlq replay` and `cg claim` through Sentinel. The run either
// completes on the new master or stops with exit 69 and one error line; the same command run again finishes,
// and every entry is counted on the master the sentinels name at the end: each in exactly one place.

type Row = [string, string, number, number]
const cleanup: string[] = []

afterAll(async () => {
  const r = await master()
  for (const k of cleanup) await r.del(k)
  await r.quit()
})

/**
 * Starts cg, waits until `progress()` (read on the master) passes `at`, forces the failover, and waits for
 * cg to end and for the failover to finish (every sentinel naming the new master, the old one its replica).
 */
async function failoverMidRun(args: string[], progress: (r: Redis) => Promise<number>, at: number): Promise<{exit: Exit; before: number; after: number}> {
  const before = await masterPort()
  const r = await master()
  const run = spawnCg(args)
  try {
    const deadline = Date.now() + 60_000
    for (;;) {
      const done = await progress(r)
      if (done >= at) break
      if (run.child.exitCode !== null) throw new Error(`cg exited before the failover (at ${done}): ${run.stderr()}`)
      if (Date.now() > deadline) throw new Error(`cg made no progress (at ${done}): ${run.stderr()}`)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  } finally {
    r.disconnect()
  }
  const switched = failover()
  await promoted(before)
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`cg still running 30 s after the failover: ${run.stderr()}`)), 30_000))
  const exit = await Promise.race([run.exited, timeout]).catch((error) => {
    run.child.kill('SIGKILL')
    throw error
  })
  await switched
  const after = await masterPort()
  expect(after).not.toBe(before)
  return {exit, before, after}
}

/**
 * Completed (0), or stopped with exit 69, one error line saying the connection to the master was lost and a hint
 * to run it again (the report, printed first, holds what was done; a re-run resumes).
 */
function expectCompletedOrClearError(exit: Exit): void {
  expect([0, 69], exit.stderr).toContain(exit.code)
  if (exit.code === 0) return
  const lines = exit.stderr.trim().split('\n')
  expect(lines[0]).toMatch(/^Error: (lost the connection to Redis|the Redis server cg writes to has become a replica)/)
  expect(lines.filter((l) => l.startsWith('Error:'))).toHaveLength(1)
  expect(lines).toHaveLength(2)
  // the hint says what to do: run it again, it resumes
  expect(lines[1]).toMatch(/^Hint: .*run (the same )?command again/i)
  expect(exit.stderr).not.toMatch(/\n\s+at /) // no stack trace
  expect(JSON.parse(exit.stdout).totals).toMatchObject({errorCode: 'unreachable'})
}

describe('a Sentinel failover during a run, then a re-run: every entry in exactly one place', () => {
  it('cg dlq replay --rate: no entry lost or doubled', async () => {
    const N = 6000
    const s = uniq('sentinel-failover-replay')
    const dlq = `${s}:dlq`
    cleanup.push(s, dlq)
    const r = await master()
    await seedDlq(r, dlq, s, N)
    await r.quit()

    const {exit} = await failoverMidRun(['dlq', 'replay', s, '--rate', '1000/s', '--json', '--url', SENTINEL_URL], (m) => m.xlen(s), 1000)
    expectCompletedOrClearError(exit)

    const m = await master()
    try {
      const landed = await m.xlen(s)
      const left = await m.xlen(dlq)
      // on the new master, before the re-run: whatever replicated before the promotion, whole batches only;
      // every step the report counts was confirmed by the replica (WAIT), so none of it was undone
      expect(landed + left).toBe(N)
      expect(landed).toBeGreaterThanOrEqual(JSON.parse(exit.stdout).totals.replayed)
      const rerun = await runCg(['dlq', 'replay', s, '--json', '--url', SENTINEL_URL], {timeoutMs: 120_000})
      expect(rerun.code, rerun.stderr).toBe(0)
      expect(rerun.json().totals).toMatchObject({failed: 0, replayed: left})
      expect(await m.xlen(s)).toBe(N)
      expect(await m.xlen(dlq)).toBe(0)
      const uids = await fieldValues(m, s, 'uid')
      expect(new Set(uids).size).toBe(N)
    } finally {
      await m.quit()
    }
  }, 180_000)

  it('cg claim --from: no entry lost or doubled, every one owned once', async () => {
    const N = 300_000
    const s = uniq('sentinel-failover-claim')
    cleanup.push(s)
    const r = await master()
    for (let i = 0; i < N; i += 5000) {
      const p = r.pipeline()
      for (let j = i; j < Math.min(N, i + 5000); j++) p.xadd(s, '*', 'uid', String(j))
      await p.exec()
    }
    await r.xgroup('CREATE', s, 'workers', '0')
    for (let i = 0; i < N; i += 50_000) await r.xreadgroup('GROUP', 'workers', 'stuck', 'COUNT', 50_000, 'STREAMS', s, '>')
    await r.quit()

    const owned = async (m: Redis, consumer: string) => {
      const [, , , consumers] = (await m.xpending(s, 'workers')) as [number, string, string, Array<[string, string]> | null]
      return Number(consumers?.find(([c]) => c === consumer)?.[1] ?? 0)
    }
    const args = ['claim', s, 'workers', '--idle', '0', '--from', 'stuck', '--to', 'rescuer', '--json', '--url', SENTINEL_URL]
    const {exit} = await failoverMidRun(args, (m) => owned(m, 'rescuer'), 20_000)
    expectCompletedOrClearError(exit)

    const m = await master()
    try {
      expect(await m.xlen(s)).toBe(N)
      const moved = await owned(m, 'rescuer')
      expect(moved + (await owned(m, 'stuck'))).toBe(N)
      expect(moved).toBeGreaterThanOrEqual(JSON.parse(exit.stdout).totals.claimed)
      const rerun = await runCg(args, {timeoutMs: 120_000})
      expect(rerun.code, rerun.stderr).toBe(0)
      expect(rerun.json().totals).toMatchObject({claimed: N - moved, failed: 0})
      const [count] = (await m.xpending(s, 'workers')) as [number]
      expect(count).toBe(N)
      expect(await owned(m, 'rescuer')).toBe(N)
      expect(await owned(m, 'stuck')).toBe(0)
      // every id once in the PEL
      const ids = new Set<string>()
      let start = '-'
      for (;;) {
        const page = (await m.xpending(s, 'workers', start, '+', 50_000)) as Row[]
        for (const e of page) ids.add(e[0])
        if (page.length < 50_000) break
        start = `(${page[page.length - 1][0]}`
      }
      expect(ids.size).toBe(N)
    } finally {
      await m.quit()
    }
  }, 240_000)
})
