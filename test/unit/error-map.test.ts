import {describe, expect, it} from 'vitest'
import {toCgError} from '../../src/errors/error-map.js'

// oclif's parse errors, as its parser words them, become one-line usage errors (exit 2)
describe('toCgError on oclif parse errors', () => {
  it.each([
    ['Parsing --count\n\tExpected an integer but received: abc', 'Parsing --count: Expected an integer but received: abc'],
    [
      'The following error occurred:\n  All of the following must be provided when using --interval: --watch\nSee more help with --help',
      'All of the following must be provided when using --interval: --watch',
    ],
    ['Unexpected arguments: b, c\nSee more help with --help', 'Unexpected arguments: b, c'],
  ])('%j', (oclifMessage, line) => {
    const e = toCgError(Object.assign(new Error(oclifMessage), {oclif: {exit: 2}}))
    expect(e.code).toBe('usage')
    expect(e.exitCode).toBe(2)
    expect(e.message).toBe(line)
    expect(e.hint).toBe('See --help for the arguments and flags.')
  })
})
