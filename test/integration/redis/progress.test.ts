import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {runCg, runCgTty} from '../../helpers/cli.js'
import {REDIS_URL, redis, seedDlq, seedGroup, useRedis} from '../../helpers/redis.js'

// Long work shows progress on stderr when stderr is a terminal (a real pseudo-terminal here, through
// util-linux `script`), and nothing at all when it is a pipe; --json stdout stays one document either way.
const N = 3000

const dir = mkdtempSync(join(tmpdir(), 'cg-progress-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

/** "label: count" as progress.ts draws it (\r, clear line, label, count, optional /total, rate). */
function progressCounts(output: string, label: string): number[] {
  const esc = label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  return [...output.matchAll(new RegExp(`\\r\\x1b\\[K${esc}: (\\d+)(?:/\\d+ \\(\\d+%\\))?  \\d+/s`, 'g'))].map((m) => Number(m[1]))
}

/** Runs the command twice on fresh state: stderr on a terminal (stdout to a file), then through pipes. */
async function bothWays(args: string[], seed: () => Promise<void>, label: string): Promise<{tty: any; piped: any}> {
  await seed()
  const out = join(dir, `${label.replace(/\W/g, '_')}.json`)
  const started = Date.now()
  const tty = await runCgTty(args, {stdoutFile: out, timeoutMs: 60_000})
  const ms = Date.now() - started
  expect(tty.code, tty.output).toBe(0)
  // progress on the terminal: drawn more than once, ending at the full count
  const counts = progressCounts(tty.output, label)
  expect(counts.length, `no "${label}: N" progress on the terminal after ${ms} ms:\n${JSON.stringify(tty.output)}`).toBeGreaterThanOrEqual(2)
  expect(counts.at(-1)).toBe(N)
  expect(counts).toEqual([...counts].sort((a, b) => a - b))
  expect(tty.output).toMatch(/\r\n$/) // done() ends the line
  // ... and only there: stdout (the file) is one JSON document
  const ttyJson = JSON.parse(readFileSync(out, 'utf8'))

  await seed()
  const piped = await runCg(args)
  expect(piped.code, piped.stderr).toBe(0)
  expect(piped.stderr).toBe('')
  expect(piped.stdout).not.toContain(label)
  expect(piped.stdout).not.toMatch(/[\r\x1b]/)
  return {tty: ttyJson, piped: piped.json()}
}

describe('progress on a terminal, none off it (standalone)', () => {
  const db = useRedis(redis)

  it(`dlq replay of ${N} entries at 5000/s`, async () => {
    const s = db.key('progress-replay')
    const dlq = db.key('progress-replay-dlq')
    const seed = async () => {
      await db.r.del(s, dlq)
      await seedDlq(db.r, dlq, s, N)
    }
    const {tty, piped} = await bothWays(['dlq', 'replay', s, '--dlq', dlq, '--rate', '5000/s', '--json', '--url', REDIS_URL], seed, `replaying ${dlq}`)
    for (const report of [tty, piped]) expect(report.totals).toMatchObject({replayed: N, failed: 0, error: null})
  })

  it(`dlq move of ${N} pending entries at 5000/s`, async () => {
    const s = db.key('progress-move')
    const dlq = db.key('progress-move-dlq')
    const seed = async () => {
      await db.r.del(s, dlq)
      await seedGroup(db.r, s, 'g', N, ['c1', 'c2'])
    }
    const {tty, piped} = await bothWays(
      ['dlq', 'move', s, 'g', '--dlq', dlq, '--max-deliveries', '1', '--rate', '5000/s', '--json', '--url', REDIS_URL],
      seed,
      `moving to ${dlq}`,
    )
    for (const report of [tty, piped]) expect(report.totals).toMatchObject({moved: N, failed: 0, error: null})
  })

  it(`claim of ${N} idle entries`, async () => {
    const s = db.key('progress-claim')
    const seed = async () => {
      await db.r.del(s)
      await seedGroup(db.r, s, 'g', N, ['c1', 'c2'])
    }
    const {tty, piped} = await bothWays(['claim', s, 'g', '--idle', '0', '--to', 'rescuer', '--json', '--url', REDIS_URL], seed, 'claiming to rescuer')
    for (const report of [tty, piped]) expect(report).toMatchObject({totals: {claimed: N, interrupted: false}})
  })
})
