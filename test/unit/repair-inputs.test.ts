import {describe, expect, it} from 'vitest'
import {CgError} from '../../src/errors/cg-error.js'
import {fromTheRight, nonNegativeInt, signedInt} from '../../src/services/inputs.js'
import {resetMode} from '../../src/brokers/redis/redis-position.js'
import {parseDatetime, parseDuration} from '../../src/services/time.js'

const usageError = (fn: () => unknown) => {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(CgError)
    expect((error as CgError).exitCode).toBe(2)
    expect((error as CgError).hint).toBeTruthy()
    return
  }
  throw new Error('expected a usage error')
}

describe('repair inputs', () => {
  it('nonNegativeInt takes digits only', () => {
    expect(nonNegativeInt('60000', '--idle')).toBe(60000)
    expect(nonNegativeInt('0', '--idle')).toBe(0)
    for (const bad of ['-1', '1.5', 'abc', '', '1e3', '99999999999999999999']) usageError(() => nonNegativeInt(bad, '--idle'))
  })

  it('signedInt takes +N and -N', () => {
    expect(signedInt('+5', '--shift-by')).toBe(5)
    expect(signedInt('-5', '--shift-by')).toBe(-5)
    usageError(() => signedInt('five', '--shift-by'))
  })

  it('fromTheRight: all three, or the last one alone', () => {
    expect(fromTheRight(['s', 'g', 'c'], ['STREAM', 'GROUP', 'CONSUMER'])).toEqual(['s', 'g', 'c'])
    expect(fromTheRight(['c', undefined, undefined], ['STREAM', 'GROUP', 'CONSUMER'])).toEqual([undefined, undefined, 'c'])
    usageError(() => fromTheRight(['s', 'c', undefined], ['STREAM', 'GROUP', 'CONSUMER']))
    usageError(() => fromTheRight([undefined, undefined, undefined], ['STREAM', 'GROUP', 'CONSUMER']))
  })

  it('parseDatetime: ISO 8601, no zone = UTC, offsets honoured, impossible dates refused', () => {
    expect(parseDatetime('2024-05-01T12:00:00Z')).toBe(Date.UTC(2024, 4, 1, 12))
    expect(parseDatetime('2024-05-01T12:00:00')).toBe(Date.UTC(2024, 4, 1, 12))
    expect(parseDatetime('2024-05-01 12:00')).toBe(Date.UTC(2024, 4, 1, 12))
    expect(parseDatetime('2024-05-01')).toBe(Date.UTC(2024, 4, 1))
    expect(parseDatetime('2024-05-01T14:00:00+02:00')).toBe(Date.UTC(2024, 4, 1, 12))
    expect(parseDatetime('2024-05-01T14:00:00+0200')).toBe(Date.UTC(2024, 4, 1, 12))
    expect(parseDatetime('1970-01-01T00:00:01.004')).toBe(1004)
    for (const bad of ['2024-02-30', '2024-13-01', '2024-05-01T24:00', '2024-05-01T12:60', 'yesterday', '1714560000000', ''])
      usageError(() => parseDatetime(bad))
  })

  it('parseDuration: PnDTnHnMnS', () => {
    expect(parseDuration('PT1H')).toBe(3_600_000)
    expect(parseDuration('P1DT2H30M')).toBe((26 * 60 + 30) * 60_000)
    expect(parseDuration('PT0.5S')).toBe(500)
    expect(parseDuration('P2D')).toBe(2 * 86_400_000)
    for (const bad of ['P', 'PT', '1h', 'PT1H2', 'P1DT', '-PT1H']) usageError(() => parseDuration(bad))
  })

  it('resetMode: exactly one mode', () => {
    expect(resetMode({toEarliest: true})).toEqual({kind: 'to-earliest'})
    expect(resetMode({shiftBy: -3, toEarliest: false})).toEqual({kind: 'shift-by', value: -3})
    usageError(() => resetMode({}))
    usageError(() => resetMode({toEarliest: true, toId: '0'}))
  })
})
