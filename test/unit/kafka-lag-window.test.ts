import {describe, expect, it} from 'vitest'
import {partitionStatus, parseWindow, sampleTimes, worst, type Sample} from '../../src/brokers/kafka/kafka-lag-window.js'
import {CgError} from '../../src/errors/cg-error.js'

/** samples from [committed, logEnd] pairs */
const s = (...pairs: Array<[number | null, number | null]>): Sample[] => pairs.map(([offset, logEnd]) => ({offset, logEnd}))

describe('partitionStatus: the Burrow rules over a window of samples', () => {
  it('ok when the last sample has no lag, whatever came before', () => {
    expect(partitionStatus(s([0, 10], [0, 20], [20, 20]), true)).toBe('ok')
    expect(partitionStatus(s([5, 5], [5, 5], [5, 5]), false)).toBe('ok') // idle but caught up: not stopped
  })
  it('ok when lag reached 0 at some point in the window', () => {
    expect(partitionStatus(s([10, 10], [12, 15], [14, 18]), true)).toBe('ok')
  })
  it('ok when the consumer advances and lag goes down', () => {
    expect(partitionStatus(s([0, 100], [40, 120], [90, 130]), true)).toBe('ok')
  })
  it('warn when offsets advance but lag never decreases', () => {
    expect(partitionStatus(s([0, 100], [10, 120], [20, 140]), true)).toBe('warn')
    expect(partitionStatus(s([0, 100], [10, 110], [20, 120]), true)).toBe('warn') // fixed lag
  })
  it('stalled when a member owns the partition, lag > 0 and the committed offset never moves', () => {
    expect(partitionStatus(s([5, 10], [5, 10], [5, 12]), true)).toBe('stalled')
  })
  it('stopped when the offset never moves, lag > 0 and no member owns the partition (no commits)', () => {
    expect(partitionStatus(s([5, 10], [5, 10], [5, 12]), false)).toBe('stopped')
  })
  it('rewound when the committed offset goes backwards (lag never 0)', () => {
    expect(partitionStatus(s([50, 100], [20, 100], [30, 100]), true)).toBe('rewound')
    expect(partitionStatus(s([50, 100], [20, 100], [30, 100]), false)).toBe('rewound')
  })
  it('a rewind that ends caught up is ok (current lag 0 wins)', () => {
    expect(partitionStatus(s([50, 100], [20, 100], [100, 100]), true)).toBe('ok')
  })
  it('null (unknown) without any committed offset; samples without one are skipped', () => {
    expect(partitionStatus(s([null, 10], [null, 10]), true)).toBeNull()
    expect(partitionStatus(s([null, 10], [3, 10], [3, 12]), true)).toBe('stalled')
  })
})

describe('worst: group status = worst partition', () => {
  it('orders ok < warn < rewound < stalled < stopped and ignores unknown', () => {
    expect(worst(['ok', 'warn', 'ok'])).toBe('warn')
    expect(worst(['warn', 'rewound'])).toBe('rewound')
    expect(worst(['rewound', 'stalled', 'ok'])).toBe('stalled')
    expect(worst(['stalled', 'stopped', 'warn'])).toBe('stopped')
    expect(worst([null, 'ok'])).toBe('ok')
    expect(worst([null, null])).toBeNull()
    expect(worst([])).toBeNull()
  })
})

describe('parseWindow and sampleTimes', () => {
  it('reads 30s, 500ms-style units and ISO 8601 durations', () => {
    expect(parseWindow('30s')).toBe(30_000)
    expect(parseWindow('2m')).toBe(120_000)
    expect(parseWindow('1h')).toBe(3_600_000)
    expect(parseWindow('1500ms')).toBe(1500)
    expect(parseWindow('10')).toBe(10_000)
    expect(parseWindow('PT1M')).toBe(60_000)
    expect(parseWindow('PT1.5S')).toBe(1500)
  })
  it('refuses nonsense and windows under 1 s as usage errors (exit 2)', () => {
    for (const bad of ['', 'soon', 'P', 'PT', '-5s', '500ms']) {
      try {
        parseWindow(bad)
        expect.unreachable(bad)
      } catch (error) {
        expect(error).toBeInstanceOf(CgError)
        expect((error as CgError).exitCode).toBe(2)
      }
    }
  })
  it('spreads samples evenly from 0 to the window, first and last included', () => {
    expect(sampleTimes(10_000, 5)).toEqual([0, 2500, 5000, 7500, 10_000])
    expect(sampleTimes(3000, 2)).toEqual([0, 3000])
    expect(() => sampleTimes(3000, 1)).toThrow(CgError)
  })
})
