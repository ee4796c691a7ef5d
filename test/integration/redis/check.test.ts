import type {Redis} from 'ioredis'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {runCg} from '../../helpers/cli.js'
import {expectValid} from '../../helpers/schemas.js'
import {REDIS_URL, redis, uniq} from '../../helpers/redis.js'

// cg check on Redis, every threshold it takes, each crossing to WARNING and CRITICAL on real data, and
// --stalled against a consumer that keeps up, one that falls behind and one that stopped.
describe('cg check on Redis', () => {
  let r: Redis
  const stream = uniq('check')
  const dlq = `${stream}:dlq`
  const check = (...argv: string[]) => runCg(['check', stream, 'workers', ...argv, '--url', REDIS_URL])
  const hour = 3_600_000

  beforeAll(async () => {
    r = await redis()
    const t = Date.now() - hour
    // 10 entries an hour old; the group read 4 of them (pending, one of them delivered 7 times); lag 6
    for (let i = 0; i < 10; i++) await r.xadd(stream, `${t + i}-0`, 'n', String(i))
    await r.xgroup('CREATE', stream, 'workers', '0')
    const read = (await r.xreadgroup('GROUP', 'workers', 'c1', 'COUNT', 4, 'STREAMS', stream, '>')) as unknown as Array<[string, Array<[string]>]>
    const first = read[0][1][0][0]
    await r.xclaim(stream, 'workers', 'c1', 0, first, 'RETRYCOUNT', 7)
    for (let i = 0; i < 3; i++) await r.xadd(dlq, '*', 'n', String(i))
  })
  afterAll(async () => {
    await r.del(stream, dlq)
    await r.quit()
  })

  const cases: Array<[string, string, string, number, RegExp]> = [
    ['--lag', '5,100', 'WARNING', 1, /lag 6 \(warn 5\)/],
    ['--lag', '1,5', 'CRITICAL', 2, /lag 6 \(crit 5\)/],
    ['--time-lag', '30m,2h', 'WARNING', 1, /time behind 1h0m \(warn 30m0s\)/],
    ['--time-lag', '1m,30m', 'CRITICAL', 2, /time behind 1h0m \(crit 30m0s\)/],
    ['--pending-idle', '30m,2h', 'WARNING', 1, /oldest pending 1h0m \(warn 30m0s\)/],
    ['--pending-idle', '1m,30m', 'CRITICAL', 2, /oldest pending 1h0m \(crit 30m0s\)/],
    ['--deliveries', '5,10', 'WARNING', 1, /deliveries 7 \(warn 5\)/],
    ['--deliveries', '2,5', 'CRITICAL', 2, /deliveries 7 \(crit 5\)/],
    ['--dlq', '2,10', 'WARNING', 1, /dead letters 3 \(warn 2\)/],
    ['--dlq', '0,2', 'CRITICAL', 2, /dead letters 3 \(crit 2\)/],
  ]
  it.each(cases)('%s %s is %s (exit %i)', async (flag, value, status, code, words) => {
    const res = await check(flag, value)
    expect(res.code, res.stdout + res.stderr).toBe(code)
    const [first, second] = res.stdout.split('\n')
    expect(first).toMatch(new RegExp(`^CG ${status} - ${stream}/workers: `))
    expect(first).toMatch(words)
    expect(second).toMatch(new RegExp(`^${status} ${stream}/workers: `))
    // the perfdata parsed back: value and thresholds of every metric
    const perf = Object.fromEntries(
      [...first.split(' | ')[1].matchAll(/'([^']+)'=([\d.]+)(s?);([\d.]*);([\d.]*);0/g)].map((m) => [
        m[1].split(' ').pop(),
        {v: Number(m[2]), w: m[4], c: m[5]},
      ]),
    )
    expect(perf.lag.v).toBe(6)
    expect(perf.time_lag.v).toBeGreaterThan(3599)
    expect(perf.time_lag.v).toBeLessThan(3700)
    const [w, c] = value.split(',')
    const label = {'--lag': 'lag', '--time-lag': 'time_lag', '--pending-idle': 'pending_age', '--deliveries': 'deliveries', '--dlq': 'dlq'}[flag]!
    const secs = (x: string) => (/[smh]$/.test(x) ? String(Number.parseInt(x, 10) * {s: 1, m: 60, h: 3600}[x.slice(-1) as 's' | 'm' | 'h']) : x)
    expect(perf[label]).toMatchObject({w: secs(w), c: secs(c)})
  })

  it('all thresholds under: OK (exit 0), and --json has every measured value', async () => {
    const res = await check('--lag', '100', '--time-lag', '2h', '--deliveries', '10', '--dlq', '10', '--pending-idle', '2h', '--json')
    expect(res.code, res.stderr).toBe(0)
    const doc = res.json()
    expectValid('check.json', doc)
    expect(doc).toMatchObject({status: 'OK', exitCode: 0})
    expect(doc.groups[0]).toMatchObject({group: 'workers', sources: [stream], status: 'OK', lag: 6, pending: 4, maxDeliveries: 7, dlq: {name: dlq, depth: 3}})
    expect(Math.abs(doc.groups[0].timeLagMs - hour)).toBeLessThan(60_000)
  })

  it('--stalled: a consumer that keeps up is OK, one slower than the producer warns, a stopped one is critical', async () => {
    const live = uniq('live')
    await r.xadd(live, '*', 'n', '0')
    await r.xgroup('CREATE', live, 'fast', '0')
    await r.xgroup('CREATE', live, 'slow', '0')
    await r.xgroup('CREATE', live, 'stopped', '0')
    let on = true
    // a producer (10/tick) with a consumer that keeps up and one that takes 2 a tick; the writes and the fast
    // consumer's read are one transaction, so no sample of cg check falls between them (it would see the fast
    // group 10 behind)
    const loop = (async () => {
      while (on) {
        const tick = r.multi()
        for (let i = 0; i < 10; i++) tick.xadd(live, '*', 'n', String(i))
        tick.xreadgroup('GROUP', 'fast', 'f', 'COUNT', 100, 'STREAMS', live, '>')
        await tick.exec()
        await r.xreadgroup('GROUP', 'slow', 's', 'COUNT', 2, 'STREAMS', live, '>')
        await new Promise((res) => setTimeout(res, 100))
      }
    })()
    try {
      const res = await runCg(['check', '--stalled', '--window', '2s', '--json', '--url', REDIS_URL])
      const doc = res.json()
      expectValid('check.json', doc)
      const of = (g: string) => doc.groups.find((x: {group: string; sources: string[]}) => x.group === g && x.sources[0] === live)
      expect(of('fast').status).toBe('OK')
      expect(of('fast').consumeRate).toBeGreaterThan(0)
      expect(of('slow')).toMatchObject({status: 'WARNING', findings: [{metric: 'stalled', text: expect.stringMatching(/^falling behind/)}]})
      expect(of('stopped')).toMatchObject({
        status: 'CRITICAL',
        consumeRate: 0,
        findings: [{metric: 'stalled', text: expect.stringMatching(/^stalled: consumed nothing in 2s/)}],
      })
      expect(res.code).toBe(2)
    } finally {
      on = false
      await loop
      await r.del(live)
    }
  })
})
