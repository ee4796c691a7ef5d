import {beforeAll, describe, expect, it} from 'vitest'
import type {Cluster, Redis} from 'ioredis'
import {runCg} from '../../helpers/cli.js'
import {TARGETS, useRedis} from '../../helpers/redis.js'

describe.each(TARGETS)('cg reset and cg setid on %s Redis', (_name, url, connect) => {
  const db = useRedis(connect)
  let r: Redis | Cluster
  beforeAll(() => {
    r = db.r
  })

  /** A stream with entries 1001-0 .. 1010-0 (1970-01-01T00:00:01.001Z ...) and a group at `start`. */
  async function tenEntries(start = '$'): Promise<string> {
    const s = db.key('pos')
    for (let i = 1; i <= 10; i++) await r.xadd(s, `${1000 + i}-0`, 'n', String(i))
    await r.xgroup('CREATE', s, 'g', start)
    return s
  }

  /** The group as `cg groups` shows it, less its ages (timeLagMs, oldestPendingMs: they grow with the clock). */
  async function group(s: string, name = 'g') {
    const res = await runCg(['groups', s, '--url', url, '--json'])
    expect(res.code, res.stderr).toBe(0)
    const {timeLagMs, oldestPendingMs, ...row} = res.json().groups.find((g: any) => g.group === name)
    expect(timeLagMs === null || timeLagMs >= 0).toBe(true)
    expect(oldestPendingMs === null || oldestPendingMs >= 0).toBe(true)
    return row
  }

  async function reset(s: string, ...args: string[]) {
    const res = await runCg(['reset', s, 'g', ...args, '--url', url, '--json'])
    expect(res.code, res.stderr + res.stdout).toBe(0)
    return {out: res.json(), stderr: res.stderr}
  }

  /** Runs the mode as a dry run (nothing changes), then with --execute; returns the report and the group after. */
  async function both(s: string, ...mode: string[]) {
    const before = await group(s)
    const dry = await reset(s, ...mode)
    expect(dry.out).toMatchObject({dryRun: true, executed: false, after: null})
    expect(await group(s)).toEqual(before)
    const run = await reset(s, ...mode, '--execute')
    expect(run.out).toMatchObject({dryRun: false, executed: true})
    expect(run.out.target).toEqual(dry.out.target)
    const after = await group(s)
    expect(run.out.after).toEqual({lastDeliveredId: after.lastDeliveredId, entriesRead: after.entriesRead, lag: after.lag})
    return {plan: run.out, after, stderr: run.stderr + dry.stderr}
  }

  it('--to-earliest: position 0, every entry redelivered, lag = length', async () => {
    const s = await tenEntries('$')
    const {plan, after} = await both(s, '--to-earliest')
    expect(plan).toMatchObject({
      mode: 'to-earliest',
      current: {lastDeliveredId: '1010-0', lag: 0},
      target: {lastDeliveredId: '0-0', entriesRead: 0, lag: 10},
      redeliver: 10,
      skip: 0,
    })
    expect(after).toMatchObject({lastDeliveredId: '0-0', entriesRead: 0, lag: 10})
  })

  it('--to-latest: position = the last id, lag 0', async () => {
    const s = await tenEntries('0')
    const {plan, after} = await both(s, '--to-latest')
    expect(plan).toMatchObject({target: {lastDeliveredId: '1010-0', entriesRead: 10, lag: 0}, skip: 10, redeliver: 0})
    expect(after).toMatchObject({lastDeliveredId: '1010-0', entriesRead: 10, lag: 0})
  })

  it('--to-datetime: the last entry before that time; no zone = UTC; an offset is honoured', async () => {
    const s = await tenEntries('$')
    const {plan, after} = await both(s, '--to-datetime', '1970-01-01T00:00:01.004')
    expect(plan.target).toEqual({lastDeliveredId: '1003-0', entriesRead: 3, lag: 7})
    expect(after).toMatchObject({lastDeliveredId: '1003-0', entriesRead: 3, lag: 7})
    const zoned = await both(s, '--to-datetime', '1970-01-01T01:00:01.008+01:00')
    expect(zoned.after).toMatchObject({lastDeliveredId: '1007-0', entriesRead: 7, lag: 3})
    const before = await both(s, '--to-datetime', '1970-01-01')
    expect(before.after).toMatchObject({lastDeliveredId: '0-0', lag: 10})
  })

  it('--by-duration: entries from that long ago on are delivered again', async () => {
    const s = db.key('pos')
    // entries two hours old and half an hour old, by their ids
    const now = Date.now()
    for (let i = 0; i < 4; i++) await r.xadd(s, `${now - 7_200_000}-${i}`, 'old', String(i))
    for (let i = 0; i < 3; i++) await r.xadd(s, `${now - 1_800_000}-${i}`, 'new', String(i))
    await r.xgroup('CREATE', s, 'g', '$')
    const oldIds = (await r.xrange(s, '-', '+')).map(([id]) => id)
    const {plan, after} = await both(s, '--by-duration', 'PT1H')
    expect(plan.target.lastDeliveredId).toBe(oldIds[3])
    expect(after).toMatchObject({lastDeliveredId: oldIds[3], entriesRead: 4, lag: 3})
  })

  it('--shift-by moves N entries forward or back, clamped to the stream with a warning', async () => {
    const s = await tenEntries('1005-0')
    // the group starts at 1005-0 without ENTRIESREAD: lag unknown until cg sets it
    const fwd = await both(s, '--shift-by', '3')
    expect(fwd.plan).toMatchObject({current: {lastDeliveredId: '1005-0'}, skip: 3, redeliver: 0})
    expect(fwd.after).toMatchObject({lastDeliveredId: '1008-0', entriesRead: 8, lag: 2})
    const back = await reset(s, '--shift-by', '-6', '--execute')
    expect(back.out).toMatchObject({redeliver: 6, skip: 0, warnings: []})
    expect(await group(s)).toMatchObject({lastDeliveredId: '1002-0', entriesRead: 2, lag: 8})
    const over = await reset(s, '--shift-by=+100', '--execute')
    expect(over.out.warnings[0]).toContain('clamped')
    expect(over.stderr).toContain('clamped')
    expect(over.out.skip).toBe(8)
    expect(await group(s)).toMatchObject({lastDeliveredId: '1010-0', entriesRead: 10, lag: 0})
    const under = await reset(s, '--shift-by=-100', '--execute')
    expect(under.out).toMatchObject({redeliver: 10})
    expect(under.out.warnings[0]).toContain('clamped')
    expect(await group(s)).toMatchObject({lastDeliveredId: '0-0', entriesRead: 0, lag: 10})
    const exact = await reset(s, '--shift-by', '10', '--execute')
    expect(exact.out.warnings).toEqual([])
    expect(await group(s)).toMatchObject({lastDeliveredId: '1010-0', lag: 0})
  })

  it('--to-id: the id as given ($ and 0 allowed)', async () => {
    const s = await tenEntries('$')
    const {after} = await both(s, '--to-id', '1005')
    expect(after).toMatchObject({lastDeliveredId: '1005-0', entriesRead: 5, lag: 5})
    expect((await both(s, '--to-id', '0')).after).toMatchObject({lastDeliveredId: '0-0', lag: 10})
    expect((await both(s, '--to-id', '$')).after).toMatchObject({lastDeliveredId: '1010-0', lag: 0})
  })

  it('entries deleted after the new position: ENTRIESREAD left out with a warning, lag unknown; deleted before it: lag known', async () => {
    const s = await tenEntries('$')
    await r.xdel(s, '1003-0')
    const before = await both(s, '--to-id', '1005-0')
    expect(before.plan.target).toEqual({lastDeliveredId: '1005-0', entriesRead: 5, lag: 5})
    expect(before.after).toMatchObject({lastDeliveredId: '1005-0', lag: 5})
    const after = await both(s, '--to-id', '1002-0')
    expect(after.plan.target).toEqual({lastDeliveredId: '1002-0', entriesRead: null, lag: null})
    expect(after.plan.warnings[0]).toContain('deleted')
    expect(after.stderr).toContain('lag becomes unknown')
    expect(after.after).toMatchObject({lastDeliveredId: '1002-0', lag: null})
    const human = await runCg(['groups', s, '--url', url])
    expect(human.stdout).toMatch(/unknown/)
  })

  it('the human plan says what moves and that nothing changed', async () => {
    const s = await tenEntries('$')
    const res = await runCg(['reset', s, 'g', '--to-earliest', '--url', url])
    expect(res.code).toBe(0)
    expect(res.stdout).toContain('Nothing changed.')
    expect(res.stdout).toContain('Add --execute to apply.')
    expect(res.stdout).toMatch(/current\s+1010-0/)
    expect(res.stdout).toMatch(/new\s+0-0 \(entries-read 0, lag 10\)/)
    expect(res.stdout).toMatch(/redeliver\s+10 entries/)
  })

  it('reset exit codes: bad values 2, no or two modes 2, missing stream or group 5', async () => {
    const s = await tenEntries('$')
    const cases: Array<[string[], number]> = [
      [['--to-datetime', '2024-13-01'], 2],
      [['--to-datetime', '2024-02-31T00:00:00Z'], 2],
      [['--to-datetime', 'yesterday'], 2],
      [['--by-duration', '1h'], 2],
      [['--by-duration', 'PT'], 2],
      [['--shift-by', 'ten'], 2],
      [['--to-id', 'abc'], 2],
      [[], 2],
      [['--to-earliest', '--to-latest'], 2],
      [['--to-earliest', '--execute', '--dry-run'], 2],
    ]
    for (const [args, code] of cases) {
      const res = await runCg(['reset', s, 'g', ...args, '--url', url, '--json'])
      expect(res.code, args.join(' ')).toBe(code)
      expect(res.json().error.hint, args.join(' ')).toBeTruthy()
    }
    expect((await runCg(['reset', s, 'nope', '--to-earliest', '--url', url])).code).toBe(5)
    expect((await runCg(['reset', s + ':nope', 'g', '--to-earliest', '--url', url])).code).toBe(5)
    expect(await group(s)).toMatchObject({lastDeliveredId: '1010-0', lag: 0})
  })

  it('setid with --entries-read keeps lag known; without it lag is unknown (null) with a warning', async () => {
    const s = await tenEntries('$')
    const withN = await runCg(['setid', s, 'g', '1004-0', '--entries-read', '4', '--url', url, '--json'])
    expect(withN.code, withN.stderr).toBe(0)
    expect(withN.json()).toMatchObject({
      mode: 'setid',
      current: {lastDeliveredId: '1010-0', lag: 0},
      target: {lastDeliveredId: '1004-0', entriesRead: 4},
      after: {lastDeliveredId: '1004-0', entriesRead: 4, lag: 6},
    })
    expect(await group(s)).toMatchObject({lastDeliveredId: '1004-0', entriesRead: 4, lag: 6})
    const without = await runCg(['setid', s, 'g', '1007', '--url', url, '--json'])
    expect(without.code, without.stderr).toBe(0)
    expect(without.json()).toMatchObject({current: {lastDeliveredId: '1004-0'}, after: {lastDeliveredId: '1007-0', lag: null}})
    expect(without.stderr).toContain('--entries-read')
    expect(await group(s)).toMatchObject({lastDeliveredId: '1007-0', lag: null})
    const dollar = await runCg(['setid', s, 'g', '$', '--url', url, '--json'])
    expect(dollar.json().after).toMatchObject({lastDeliveredId: '1010-0', lag: 0})
  })

  it('setid --dry-run changes nothing; exit codes 5 and 2', async () => {
    const s = await tenEntries('$')
    const dry = await runCg(['setid', s, 'g', '0', '--dry-run', '--url', url, '--json'])
    expect(dry.code).toBe(0)
    expect(dry.json()).toMatchObject({dryRun: true, executed: false, target: {lastDeliveredId: '0-0'}, after: null})
    expect(await group(s)).toMatchObject({lastDeliveredId: '1010-0', lag: 0})
    expect((await runCg(['setid', s, 'nope', '0', '--url', url])).code).toBe(5)
    expect((await runCg(['setid', s + ':x', 'g', '0', '--url', url])).code).toBe(5)
    const bad = await runCg(['setid', s, 'g', 'last', '--url', url])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('Hint:')
    expect((await runCg(['setid', s, 'g', '0', '--entries-read', '-3', '--url', url])).code).toBe(2)
    expect((await runCg(['setid', s, '0', '--url', url])).code).toBe(2)
  })
})
