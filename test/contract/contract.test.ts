import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {execFileSync} from 'node:child_process'
import {runCg, spawnCg} from '../helpers/cli.js'
import {expectValid} from '../helpers/schemas.js'
import {KAFKA_KITS} from './kits/kafka-kit.js'
import type {Kit, Scenario} from './kits/kit.js'
import {RABBITMQ_KIT} from './kits/rabbitmq-kit.js'
import {REDIS_KITS} from './kits/redis-kit.js'

// One suite, every deployment: the same scenarios and the same assertions on the common core of --json
// (schemas/<command>.json), whatever the broker. What only one broker does is in test/integration/<broker>/.
const KITS: Kit[] = [...REDIS_KITS, ...KAFKA_KITS, RABBITMQ_KIT]

describe.each(KITS)('contract on $name', (kit) => {
  let s: Scenario
  const cg = (argv: string[]) => runCg([...argv, '--url', s.url])
  const json = async (command: string, argv: string[]) => {
    const res = await cg([...command.split(' '), ...argv, '--json'])
    expect(res.code, `${command} ${argv.join(' ')}: ${res.stderr}`).toBe(0)
    const doc = res.json()
    expectValid(`${command.replace(' ', '-')}.json`, doc, `${kit.name}: ${command}`)
    expect(doc.broker).toBe(kit.broker)
    return doc
  }

  beforeAll(async () => {
    s = await kit.seed()
  }, 120_000)
  afterAll(async () => {
    await s?.cleanup()
  })

  it('groups: the seeded group with its sources, consumers and lag', async () => {
    const doc = await json('groups', s.argv.groups)
    const row = doc.groups.find((g: {group: string}) => g.group === s.group)
    expect(row, JSON.stringify(doc.groups)).toBeDefined()
    expect(row.sources).toContain(s.source)
    expect(row.lag).toBe(s.expect.lag)
    expect(typeof row.consumers === 'number' || row.consumers === null).toBe(true)
    expect('state' in row).toBe(true)
    expect(row.type).toBe(s.expect.type)
  })

  it('lag: the seeded lag under the same names', async () => {
    const doc = await json('lag', s.argv.lag)
    const row = doc.groups.find((g: {group: string}) => g.group === s.group)
    expect(row, JSON.stringify(doc.groups)).toBeDefined()
    expect(row.sources).toContain(s.source)
    expect(row.lag).toBe(s.expect.lag)
  })

  it('consumers: name, pending and idleMs of each', async () => {
    const doc = await json('consumers', s.argv.consumers)
    expect(doc.group).toBe(s.group)
    expect(doc.consumers).toHaveLength(s.expect.consumers)
    for (const c of doc.consumers) {
      expect(typeof c.name).toBe('string')
      expect(c.pending === null || typeof c.pending === 'number').toBe(true)
      expect(c.idleMs === null || typeof c.idleMs === 'number').toBe(true)
    }
  })

  it('pending: the total the group has not finished', async () => {
    const doc = await json('pending', s.argv.pending)
    expect(doc.group).toBe(s.group)
    expect(doc.pending).toBe(s.expect.pending)
  })

  // cg check, cg metrics and --watch read the drivers' status read; its scope is the group as cg pending names it
  it('metrics --json: the status read carries the seeded lag, pending and dead letters under the same names', async () => {
    const doc = await json('metrics', s.argv.pending)
    const row = doc.groups.find((g: {group: string}) => g.group === s.group)
    expect(row, JSON.stringify(doc.groups)).toBeDefined()
    expect(row.sources).toContain(s.source)
    expect(row).toMatchObject({lag: s.expect.lag, pending: s.expect.pending})
    expect(row.dlq?.depth, JSON.stringify(row.dlq)).toBe(s.expect.deadLetters)
  })

  it('metrics: Prometheus text that promtool accepts, with the seeded lag', async () => {
    const res = await cg(['metrics', ...s.argv.pending])
    expect(res.code, res.stderr).toBe(0)
    expect(res.stdout).toMatch(new RegExp(`^cg_up\\{broker="${kit.broker}"\\} 1$`, 'm'))
    const lag = new RegExp(
      `^cg_group_lag\\{broker="${kit.broker}",(?:vhost="[^"]*",)?source="${escapeRe(s.source)}",group="${escapeRe(s.group)}"\\} (\\d+)$`,
      'm',
    ).exec(res.stdout)
    expect(lag?.[1], res.stdout).toBe(String(s.expect.lag))
    expect(promtool(res.stdout)).toBe('')
  })

  it('check: OK, WARNING and CRITICAL on the seeded lag, with perfdata; --json says the same', async () => {
    const lag = s.expect.lag
    const ok = await cg(['check', ...s.argv.pending, '--lag', `${lag},${lag + 10}`])
    expect(ok.code, ok.stdout + ok.stderr).toBe(0)
    expect(ok.stdout).toMatch(/^CG OK - /)
    const warn = await cg(['check', ...s.argv.pending, '--lag', `${lag - 1},${lag + 10}`])
    expect(warn.code, warn.stdout + warn.stderr).toBe(1)
    expect(warn.stdout).toMatch(new RegExp(`^CG WARNING - .*lag ${lag} \\(warn ${lag - 1}\\) \\| `))
    expect(warn.stdout).toMatch(new RegExp(` lag'=${lag};${lag - 1};${lag + 10};0`))
    const crit = await cg(['check', ...s.argv.pending, '--lag', `0,${lag - 1}`])
    expect(crit.code, crit.stdout + crit.stderr).toBe(2)
    expect(crit.stdout.split('\n')[1]).toMatch(/^CRITICAL .*lag \d+ \(crit \d+\)/)
    const doc = (await cg(['check', ...s.argv.pending, '--lag', `0,${lag - 1}`, '--json'])).json()
    expectValid('check.json', doc)
    expect(doc).toMatchObject({broker: kit.broker, status: 'CRITICAL', exitCode: 2})
    expect(doc.groups.find((g: {group: string}) => g.group === s.group)).toMatchObject({status: 'CRITICAL', lag})
  })

  it('check --stalled: a group with records waiting that consumes nothing over the window is CRITICAL', async () => {
    const res = await cg(['check', ...s.argv.pending, '--stalled', '--window', '1s'])
    expect(res.code, res.stdout + res.stderr).toBe(2)
    expect(res.stdout).toMatch(/^CG CRITICAL - .*stalled: consumed nothing in 1s with \d+ waiting/)
  })

  it('check: a missing group, a bad threshold and an unreachable broker are UNKNOWN (exit 3)', async () => {
    const missing = await cg(['check', ...s.missingGroup.slice(1), '--lag', '1'])
    expect(missing.code, missing.stdout + missing.stderr).toBe(3)
    expect(missing.stdout).toMatch(/^CG UNKNOWN - /)
    const bad = await cg(['check', ...s.argv.pending, '--lag', '10,5'])
    expect(bad.code).toBe(3)
    expect(bad.stdout).toMatch(/^CG UNKNOWN - --lag 10,5: CRIT is below WARN\n/)
    const unreachable = kit.unreachable(s)
    const url = unreachable[unreachable.indexOf('--url') + 1]
    const down = await runCg(['check', '--url', url, '--timeout', '3000', '--json'])
    expect(down.code).toBe(3)
    expectValid('check.json', down.json())
    expect(down.json()).toMatchObject({status: 'UNKNOWN', exitCode: 3, error: {code: 'unreachable'}})
  })

  it('lag --watch piped: one JSON document per sample, per line, until Ctrl-C (exit 0)', async () => {
    const run = spawnCg(['lag', ...s.argv.lag, '--watch', '--interval', '300ms', '--url', s.url])
    const lines: string[] = []
    await new Promise<void>((resolve, reject) => {
      let buf = ''
      const t = setTimeout(() => reject(new Error(`no second sample: ${run.stderr()}`)), 30_000)
      run.child.stdout!.on('data', (d) => {
        buf += d
        const parts = buf.split('\n')
        buf = parts.pop()!
        lines.push(...parts)
        if (lines.length >= 2) {
          clearTimeout(t)
          resolve()
        }
      })
    })
    run.child.kill('SIGINT')
    const exit = await run.exited
    expect(exit.code, exit.stderr).toBe(0)
    for (const line of lines.slice(0, 2)) {
      const doc = JSON.parse(line)
      expectValid('watch.json', doc)
      expect(doc.groups.find((g: {group: string}) => g.group === s.group)).toMatchObject({lag: s.expect.lag})
    }
  })

  it('dlq replay: a dry run changes nothing; a replay puts every dead letter back; a second replays nothing', async () => {
    const before = await s.sourceDepth()
    const dry = await json('dlq replay', [...s.argv.replay, '--dry-run'])
    expect(dry.dryRun).toBe(true)
    expect(await s.sourceDepth()).toBe(before)

    const first = await json('dlq replay', s.argv.replay)
    expect(first.dryRun).toBe(false)
    expect(first.totals).toMatchObject({replayed: s.expect.deadLetters, failed: 0, interrupted: false})
    expect(await s.sourceDepth()).toBe(before + s.expect.deadLetters)

    const second = await json('dlq replay', s.argv.replay)
    expect(second.totals).toMatchObject({replayed: 0, failed: 0})
    expect(await s.sourceDepth()).toBe(before + s.expect.deadLetters)
  })

  it('a missing group exits 5 with one error line and a hint; the JSON error has code, message, hint', async () => {
    const res = await cg(s.missingGroup)
    expect(res.code, res.stderr).toBe(5)
    expect(res.stderr).toMatch(/^Error: [^\n]+\nHint: [^\n]+\n$/)
    const doc = (await cg([...s.missingGroup, '--json'])).json()
    expectValid('error.json', doc)
    expect(doc.error.code).toBe('not_found')
  })

  it('an operation the broker has not got exits 4 with a hint, before anything happens', async () => {
    const res = await cg(s.refused)
    expect(res.code, res.stderr).toBe(4)
    expect(res.stderr).toMatch(/is not possible on/)
    expect(res.stderr).toMatch(/\nHint: \S/)
  })

  it('a flag of another broker exits 2 and names the flag', async () => {
    const res = await cg(s.foreignFlag)
    expect(res.code, res.stderr).toBe(2)
    expect(res.stderr).toMatch(/^Error: --\S+ is for /)
  })

  it('an unreachable broker exits 69', async () => {
    const res = await runCg([...kit.unreachable(s), '--timeout', '3000', '--json'])
    expect(res.code, res.stdout + res.stderr).toBe(69)
    expectValid('error.json', res.json())
  })
})

function escapeRe(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** promtool check metrics: '' when the text is valid (its complaints otherwise). */
function promtool(text: string): string {
  try {
    return execFileSync('promtool', ['check', 'metrics'], {input: text, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe']})
  } catch (e) {
    const err = e as {stdout?: string; stderr?: string}
    return `${err.stdout ?? ''}${err.stderr ?? ''}` || String(e)
  }
}
