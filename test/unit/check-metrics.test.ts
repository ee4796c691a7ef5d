import {execFileSync} from 'node:child_process'
import {describe, expect, it} from 'vitest'
import type {GroupStatus, StatusResult} from '../../src/core/results.js'
import {checkText, perfdata, showMetric, summary} from '../../src/output/check-format.js'
import {exposition} from '../../src/output/metrics-format.js'
import {judge, parseThreshold, worstOf} from '../../src/services/check.js'
import {parseListen} from '../../src/services/metrics-server.js'
import {StatusSeries} from '../../src/services/status-series.js'
import {groupStatus} from '../helpers/status.js'

const g = groupStatus

describe('thresholds', () => {
  it('parses WARN[,CRIT] as counts and durations', () => {
    expect(parseThreshold('lag', '100,1000')).toEqual({warn: 100, crit: 1000})
    expect(parseThreshold('lag', '5')).toEqual({warn: 5, crit: null})
    expect(parseThreshold('timeLag', '30s,5m')).toEqual({warn: 30_000, crit: 300_000})
    expect(parseThreshold('pendingIdle', 'PT1M')).toEqual({warn: 60_000, crit: null})
  })
  it('refuses what is not WARN[,CRIT] (a usage error, said as UNKNOWN by the command)', () => {
    for (const bad of ['', 'x', '1,2,3', '10,5', '1.5', '-1', '1,']) expect(() => parseThreshold('lag', bad), bad).toThrow()
    expect(() => parseThreshold('timeLag', '5 minutes')).toThrow(/not a duration/)
  })
  it('judges each metric: above WARN warns, above CRIT is critical', () => {
    const rules = {thresholds: {lag: {warn: 10, crit: 100}}, stalled: false}
    expect(judge(g({lag: 10}), rules, null, showMetric).status).toBe('OK')
    expect(judge(g({lag: 11}), rules, null, showMetric).status).toBe('WARNING')
    const v = judge(g({lag: 101}), rules, null, showMetric)
    expect(v.status).toBe('CRITICAL')
    expect(v.findings[0].text).toBe('lag 101 (crit 100)')
  })
  it('an unknown time behind while records wait is UNKNOWN, not OK', () => {
    const rules = {thresholds: {timeLag: {warn: 1000, crit: null}}, stalled: false}
    expect(judge(g({lag: 5, timeLagMs: null, timeLagNote: 'no timestamp'}), rules, null, showMetric)).toMatchObject({
      status: 'UNKNOWN',
      findings: [{text: 'time behind unknown (no timestamp)'}],
    })
    expect(judge(g({lag: 0, timeLagMs: null}), rules, null, showMetric).status).toBe('OK')
  })
  it('ranks CRITICAL over WARNING over UNKNOWN over OK', () => {
    expect(worstOf(['OK', 'UNKNOWN', 'WARNING'])).toBe('WARNING')
    expect(worstOf(['UNKNOWN', 'CRITICAL'])).toBe('CRITICAL')
    expect(worstOf([])).toBe('OK')
  })
})

describe('status series', () => {
  const at = (takenAt: number, groups: GroupStatus[]): StatusResult => ({broker: 'redis', takenAt, groups})
  it('gives rates, the time to drain, and stalled / falling behind', () => {
    const s = new StatusSeries()
    s.add(
      at(0, [
        g({lag: 100, consumed: 0, produced: 100}),
        g({group: 'stuck', lag: 50, consumed: 10, produced: 60}),
        g({group: 'slow', lag: 10, consumed: 0, produced: 10}),
      ]),
    )
    s.add(
      at(10_000, [
        g({lag: 60, consumed: 100, produced: 160}),
        g({group: 'stuck', lag: 70, consumed: 10, produced: 80}),
        g({group: 'slow', lag: 30, consumed: 10, produced: 40}),
      ]),
    )
    const t = Object.fromEntries(s.trends().map((x) => [x.group.group, x.trend]))
    expect(t.workers).toMatchObject({consumeRate: 10, produceRate: 6, drainMs: 15_000, fallingBehind: false, stalled: false, lagSeries: [100, 60]})
    expect(t.stuck).toMatchObject({consumeRate: 0, stalled: true, fallingBehind: true, drainMs: null})
    expect(t.slow).toMatchObject({consumeRate: 1, produceRate: 3, stalled: false, fallingBehind: true})
  })
  it('keys groups by their sources too (Redis group names repeat across streams)', () => {
    const s = new StatusSeries()
    s.add(at(0, [g({sources: ['a'], lag: 5, consumed: 0}), g({sources: ['b'], lag: 5, consumed: 0})]))
    s.add(at(1000, [g({sources: ['a'], lag: 5, consumed: 0}), g({sources: ['b'], lag: 0, consumed: 5})]))
    expect(s.trends().map((x) => x.trend.stalled)).toEqual([true, false])
  })
  it('a counter that went backwards (group re-created) gives no rate', () => {
    const s = new StatusSeries()
    s.add(at(0, [g({lag: 5, consumed: 50})]))
    s.add(at(1000, [g({lag: 5, consumed: 3})]))
    expect(s.trends()[0].trend).toMatchObject({consumeRate: null, stalled: false})
  })
})

describe('plugin output', () => {
  it('writes the status line with perfdata, then the groups not OK', () => {
    const thresholds = {lag: {warn: 10, crit: 100}, timeLag: {warn: 60_000, crit: 300_000}}
    const groups = [g({lag: 500, timeLagMs: 312_000}), g({group: 'ok', lag: 1, timeLagMs: 2000})]
    const checked = groups.map((group) => ({group, trend: null, verdict: judge(group, {thresholds, stalled: false}, null, showMetric)}))
    const text = checkText(
      {
        broker: 'redis',
        status: 'CRITICAL',
        exitCode: 2,
        summary: summary('redis', checked, 'CRITICAL'),
        groups: checked.map((c) => ({...c.group, status: c.verdict.status, consumeRate: null, produceRate: null, findings: c.verdict.findings})),
      },
      perfdata('redis', checked, thresholds),
    )
    const [first, ...rest] = text.trimEnd().split('\n')
    expect(first).toBe(
      "CG CRITICAL - tasks/workers: lag 500 (crit 100) | 'tasks/workers lag'=500;10;100;0 'tasks/workers time_lag'=312s;60;300;0 'tasks/ok lag'=1;10;100;0 'tasks/ok time_lag'=2s;60;300;0",
    )
    expect(rest).toEqual(['CRITICAL tasks/workers: lag 500 (crit 100), time behind 5m12s (crit 5m0s)'])
    // perfdata parsed back: label, value, warn, crit, min
    const perf = first.split(' | ')[1]
    const parsed = [...perf.matchAll(/'([^']+)'=([\d.]+)(s?);([\d.]*);([\d.]*);([\d.]*)/g)].map((m) => [m[1], Number(m[2]), m[4], m[5]])
    expect(parsed[1]).toEqual(['tasks/workers time_lag', 312, '60', '300'])
  })
})

describe('metrics exposition', () => {
  const result: StatusResult = {
    broker: 'kafka',
    takenAt: 0,
    groups: [
      g({
        group: 'billing',
        sources: ['a', 'b"q'],
        lag: 30,
        timeLagMs: 4500,
        pending: 30,
        consumers: 2,
        dlq: {name: 'a.DLT', depth: 3},
        partitions: [
          {source: 'a', partition: 0, lag: 10, timeLagMs: 4500},
          {source: 'a', partition: 1, lag: 0, timeLagMs: null},
          {source: 'b"q', partition: 0, lag: 20, timeLagMs: 1000},
        ],
      }),
    ],
  }
  it('has one series per group and source, Kafka per topic and partition, and escapes label values', () => {
    const text = exposition({broker: 'kafka', result, errors: 0, durationMs: 12})
    expect(text).toContain('cg_up{broker="kafka"} 1\n')
    expect(text).toContain('cg_group_lag{broker="kafka",source="a",group="billing"} 10\n')
    expect(text).toContain('cg_group_lag{broker="kafka",source="b\\"q",group="billing"} 20\n')
    expect(text).toContain('cg_group_lag_seconds{broker="kafka",source="a",group="billing"} 4.5\n')
    expect(text).toContain('cg_partition_lag{broker="kafka",source="a",group="billing",partition="1"} 0\n')
    expect(text).toContain('cg_dlq_depth{broker="kafka",source="a,b\\"q",group="billing",dlq="a.DLT"} 3\n')
  })
  it('is accepted by promtool check metrics, up and down', () => {
    for (const c of [
      {broker: 'kafka' as const, result, errors: 0, durationMs: 12},
      {broker: 'redis' as const, result: null, errors: 3, durationMs: 10_000},
    ]) {
      const out = execFileSync('promtool', ['check', 'metrics'], {input: exposition(c), encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe']})
      expect(out).toBe('')
    }
    expect(exposition({broker: 'redis', result: null, errors: 3, durationMs: 1})).toMatch(/^cg_up{broker="redis"} 0$/m)
  })
})

describe('--serve address', () => {
  it('takes HOST:PORT, [v6]:PORT and :PORT', () => {
    expect(parseListen('127.0.0.1:9464')).toEqual({host: '127.0.0.1', port: 9464})
    expect(parseListen('[::1]:9464')).toEqual({host: '::1', port: 9464})
    expect(parseListen(':9464')).toEqual({host: '127.0.0.1', port: 9464})
    for (const bad of ['9464', '127.0.0.1:0', '127.0.0.1:70000', 'x:y', '[nope]:1']) expect(() => parseListen(bad), bad).toThrow()
  })
})

describe('perfdata over many groups', () => {
  it('has totals, the highest values, and only the groups not OK', () => {
    const thresholds = {lag: {warn: 10, crit: 100}}
    const groups = Array.from({length: 500}, (_, i) => g({group: `g${i}`, lag: i === 7 ? 150 : i === 9 ? 20 : 1, timeLagMs: 1000}))
    const checked = groups.map((group) => ({group, trend: null, verdict: judge(group, {thresholds, stalled: false}, null, showMetric)}))
    expect(perfdata('kafka', checked, thresholds)).toBe(
      "'groups'=500;;;0 'groups_warning'=1;;;0 'groups_critical'=1;;;0 'max lag'=150;10;100;0 'max time_lag'=1s;;;0 'g7 lag'=150;10;100;0 'g7 time_lag'=1s;;;0 'g9 lag'=20;10;100;0 'g9 time_lag'=1s;;;0",
    )
  })
})
