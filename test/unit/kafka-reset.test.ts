// The Kafka reset plan: scope and mode parsing, the CSV of --export/--from-file, and computePlan's rules
// (those of kafka-consumer-groups.sh: clamping, --shift-by without a commit, --to-datetime falling back to latest).
import {describe, expect, it} from 'vitest'
import type {CgError} from '../../src/errors/cg-error.js'
import {computePlan, parseResetMode, parseResetPlanCsv, parseScope, planCsv, resettable, type OffsetMap} from '../../src/brokers/kafka/kafka-reset.js'

const om = (o: Record<string, Array<number | null>>): OffsetMap => new Map(Object.entries(o).map(([t, list]) => [t, new Map(list.map((v, p) => [p, v]))]))
const cm = (o: Record<string, Array<number | null>>) =>
  new Map(Object.entries(o).map(([t, list]) => [t, new Map(list.flatMap((v, p) => (v === null ? [] : [[p, v] as [number, number]])))]))
const parts = (t: string, n: number) => Array.from({length: n}, (_, partition) => ({topic: t, partition}))
const base = {partitions: parts('t', 3), committed: cm({t: [5, 2, null]}), logStart: om({t: [0, 1, 4]}), logEnd: om({t: [10, 10, 10]})}
const code = (fn: () => unknown) => {
  try {
    fn()
  } catch (err) {
    return (err as CgError).code
  }
  return 'no error'
}

describe('parseScope', () => {
  it('reads topics, topic:partitions (merged and sorted), --all-topics and the file scope', () => {
    expect(parseScope(['a', 'b:2,0', 'b:1'], false, false)).toEqual({
      kind: 'topics',
      topics: [
        {topic: 'a', partitions: null},
        {topic: 'b', partitions: [0, 1, 2]},
      ],
    })
    expect(parseScope(['a', 'a:1'], false, false)).toEqual({kind: 'topics', topics: [{topic: 'a', partitions: null}]})
    expect(parseScope(undefined, true, false)).toEqual({kind: 'all-topics'})
    expect(parseScope(undefined, false, true)).toEqual({kind: 'file'})
  })
  it('refuses a missing scope, both scopes, a scope with --from-file and bad partitions (usage)', () => {
    expect(code(() => parseScope(undefined, false, false))).toBe('usage')
    expect(code(() => parseScope(['a'], true, false))).toBe('usage')
    expect(code(() => parseScope(['a'], false, true))).toBe('usage')
    expect(code(() => parseScope(['a:x'], false, false))).toBe('usage')
    expect(code(() => parseScope(['a:'], false, false))).toBe('usage')
  })
})

describe('parseResetMode', () => {
  it('takes exactly one mode', () => {
    expect(parseResetMode({toEarliest: true})).toEqual({kind: 'to-earliest'})
    expect(parseResetMode({shiftBy: '-3'})).toEqual({kind: 'shift-by', shift: -3})
    expect(parseResetMode({toOffset: '12'})).toEqual({kind: 'to-offset', offset: 12})
    expect(parseResetMode({toDatetime: '2026-01-01T00:10:00'})).toMatchObject({kind: 'to-datetime', timestamp: Date.parse('2026-01-01T00:10:00Z')})
    expect(parseResetMode({toDatetime: '2026-01-01T02:10:00.000+02:00'})).toMatchObject({timestamp: Date.parse('2026-01-01T00:10:00Z')})
    expect(parseResetMode({byDuration: 'P1DT2H'})).toMatchObject({kind: 'by-duration', ms: 26 * 3600_000})
    expect(parseResetMode({fromFile: 'plan.csv'})).toEqual({kind: 'from-file', path: 'plan.csv'})
    expect(code(() => parseResetMode({}))).toBe('usage')
    expect(code(() => parseResetMode({toEarliest: true, toLatest: true}))).toBe('usage')
    expect(code(() => parseResetMode({toOffset: '-1'}))).toBe('usage')
    expect(code(() => parseResetMode({shiftBy: '1.5'}))).toBe('usage')
    expect(code(() => parseResetMode({toId: '0-0'}))).toBe('usage')
    expect(code(() => parseResetMode({byDuration: 'PT'}))).toBe('usage')
  })
})

describe('reset plan CSV', () => {
  it('--export writes topic,partition,offset lines that --from-file reads back', () => {
    const csv = planCsv([
      {topic: 't', partition: 0, new: 4},
      {topic: 'a,b', partition: 1, new: 7},
    ])
    expect(csv).toBe('t,0,4\n"a,b",1,7\n')
    expect(parseResetPlanCsv(csv, 'g')).toEqual([
      {topic: 't', partition: 0, offset: 4},
      {topic: 'a,b', partition: 1, offset: 7},
    ])
  })
  it("reads the multi-group form (group,topic,partition,offset), keeping this group's rows", () => {
    expect(parseResetPlanCsv('g,t,0,3\nother,t,0,9\r\ng,t,1,4\n', 'g')).toEqual([
      {topic: 't', partition: 0, offset: 3},
      {topic: 't', partition: 1, offset: 4},
    ])
    expect(code(() => parseResetPlanCsv('other,t,0,9\n', 'g'))).toBe('usage')
  })
  it('refuses malformed lines and empty files (usage)', () => {
    expect(code(() => parseResetPlanCsv('t,0\n', 'g'))).toBe('usage')
    expect(code(() => parseResetPlanCsv('t,x,1\n', 'g'))).toBe('usage')
    expect(code(() => parseResetPlanCsv('\n\n', 'g'))).toBe('usage')
  })
})

describe('computePlan', () => {
  it('--to-earliest / --to-latest take the log start / end; lag after = log end - new', () => {
    const e = computePlan({kind: 'to-earliest'}, base)
    expect(e.partitions.map((r) => [r.new, r.lagAfter])).toEqual([
      [0, 10],
      [1, 9],
      [4, 6],
    ])
    const l = computePlan({kind: 'to-latest'}, base)
    expect(l.partitions.map((r) => r.new)).toEqual([10, 10, 10])
    expect(l.warnings).toEqual([])
  })
  it('--to-offset is clamped into [log-start, log-end] with a warning', () => {
    const r = computePlan({kind: 'to-offset', offset: 3}, base)
    expect(r.partitions.map((x) => [x.new, x.clamped])).toEqual([
      [3, null],
      [3, null],
      [4, 'log-start'],
    ])
    expect(r.warnings).toEqual(['new offset 3 is lower than the earliest offset of t-2: set to 4'])
    const hi = computePlan({kind: 'to-offset', offset: 99}, base)
    expect(hi.partitions.every((x) => x.new === 10 && x.clamped === 'log-end')).toBe(true)
    expect(hi.warnings).toHaveLength(3)
  })
  it('--shift-by moves from the committed offset, clamped; a partition without a commit fails, naming it', () => {
    const r = computePlan({kind: 'shift-by', shift: -3}, {...base, partitions: parts('t', 2)})
    expect(r.partitions.map((x) => [x.current, x.new, x.clamped])).toEqual([
      [5, 2, null],
      [2, 1, 'log-start'],
    ])
    let err: CgError | undefined
    try {
      computePlan({kind: 'shift-by', shift: 1}, base)
    } catch (e) {
      err = e as CgError
    }
    expect(err?.code).toBe('usage')
    expect(err?.message).toContain('t-2: no committed offset')
  })
  it('--to-current keeps commits and takes the log end where there is none (with a warning)', () => {
    const r = computePlan({kind: 'to-current'}, base)
    expect(r.partitions.map((x) => x.new)).toEqual([5, 2, 10])
    expect(r.warnings[0]).toContain('t-2 has no committed offset')
  })
  it('--to-datetime takes the offset for the time and falls back to latest where no record is that recent', () => {
    const r = computePlan({kind: 'to-datetime', value: '2026-01-01', timestamp: 0}, {...base, byTime: om({t: [4, null, 6]})})
    expect(r.partitions.map((x) => x.new)).toEqual([4, 10, 6])
    expect(r.warnings).toHaveLength(1)
    expect(r.warnings[0]).toContain('t-1 has no record at or after')
  })
  it('--from-file offsets are clamped too', () => {
    const rows = [
      {topic: 't', partition: 0, offset: 50},
      {topic: 't', partition: 1, offset: 7},
    ]
    const r = computePlan({kind: 'from-file', path: 'f', rows}, {...base, partitions: parts('t', 2)})
    expect(r.partitions.map((x) => x.new)).toEqual([10, 7])
  })
  it('a group may be reset when Empty, Dead or absent only', () => {
    expect(resettable({exists: false, state: 'Dead'})).toBe(true)
    expect(resettable({exists: true, state: 'Empty'})).toBe(true)
    expect(resettable({exists: true, state: 'Stable'})).toBe(false)
    expect(resettable({exists: true, state: 'Reconciling'})).toBe(false)
  })
})
