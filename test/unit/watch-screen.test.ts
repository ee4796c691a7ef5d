import {PassThrough} from 'node:stream'
import {Chalk} from 'chalk'
import {describe, expect, it} from 'vitest'
import type {GroupStatus} from '../../src/core/results.js'
import {sparkline, WatchScreen, jsonLinesPresenter} from '../../src/output/watch-screen.js'
import {StatusSeries} from '../../src/services/status-series.js'
import {groupStatus} from '../helpers/status.js'

const g = (over: Partial<GroupStatus>): GroupStatus => groupStatus({group: 'g', sources: ['s'], consumed: 0, produced: 0, ...over})

function series(): StatusSeries {
  const s = new StatusSeries()
  s.add({
    broker: 'redis',
    takenAt: 0,
    groups: [
      g({group: 'fine', lag: 0, consumed: 0, produced: 0}),
      g({group: 'stuck', lag: 50, consumed: 10, produced: 60, timeLagMs: 1000}),
      g({group: 'busy', lag: 100, consumed: 0, produced: 100, timeLagMs: 5000}),
    ],
  })
  s.add({
    broker: 'redis',
    takenAt: 10_000,
    groups: [
      g({group: 'fine', lag: 0, consumed: 40, produced: 40}),
      g({group: 'stuck', lag: 70, consumed: 10, produced: 80, timeLagMs: 11_000}),
      g({group: 'busy', lag: 60, consumed: 100, produced: 160, timeLagMs: 2000}),
    ],
  })
  return s
}

describe('--watch', () => {
  it('draws lag as a sparkline scaled to its own range', () => {
    expect(sparkline([0, 5, 10], 10)).toBe('▁▅█')
    expect(sparkline([3, 3], 10)).toBe('▄▄')
    expect(sparkline([null, 1, 2], 2)).toBe('▁█')
    expect(sparkline([], 5)).toBe('')
  })

  it('shows the worst group first, rates, the time to drain, and what did not fit', async () => {
    const out = Object.assign(new PassThrough(), {columns: 100, rows: 6, isTTY: true}) as unknown as NodeJS.WriteStream
    let text = ''
    ;(out as unknown as PassThrough).on('data', (d: Buffer) => (text += d.toString()))
    const screen = new WatchScreen({chalk: new Chalk({level: 0}), title: 'cg lag', broker: 'redis', intervalMs: 2000, out})
    await screen.sample(series())
    const lines = text
      .replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '')
      .split('\n')
      .map((l) => l.trimEnd())
    expect(lines[0]).toMatch(/^cg lag {2}every 2s {2}\S+ {2}q to quit$/)
    expect(lines[1]).toBe('3 groups, worst first')
    expect(lines[2]).toMatch(/^GROUP +LAG +BEHIND +OUT\/S +IN\/S +LAG TREND +DRAIN$/)
    expect(lines[3]).toMatch(/^s\/stuck +70 +11s +0\.00 +2\.00 +▁█ +stalled$/)
    expect(lines[4]).toMatch(/^\.\.\. 2 more groups not shown/)
  })

  it('writes one JSON document per sample when piped', async () => {
    const out = new PassThrough()
    let text = ''
    out.on('data', (d: Buffer) => (text += d.toString()))
    await jsonLinesPresenter(out).sample(series())
    const docs = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(docs).toHaveLength(1)
    const busy = docs[0].groups.find((x: {group: string}) => x.group === 'busy')
    expect(busy).toMatchObject({lag: 60, consumeRate: 10, produceRate: 6, drainMs: 15_000, stalled: false, fallingBehind: false})
  })
})
