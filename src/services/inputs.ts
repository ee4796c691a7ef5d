import {usage} from '../errors/cg-error.js'

/** A flag value that must be a whole number >= 0 (ms, counts); a usage error with a hint otherwise. */
export function nonNegativeInt(value: string, flag: string, example = '60000'): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN
  if (!Number.isSafeInteger(n)) throw usage(`${flag} ${JSON.stringify(value)} is not a whole number >= 0`, `Give digits only, for example ${flag} ${example}.`)
  return n
}

/** A signed whole number such as +10 or -5. */
export function signedInt(value: string, flag: string, example = '-100'): number {
  const n = /^[+-]?\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN
  if (!Number.isSafeInteger(n)) throw usage(`${flag} ${JSON.stringify(value)} is not a whole number`, `Give a number of entries, for example ${flag} ${example} (negative moves back).`)
  return n
}

/**
 * Positional arguments that fill from the right: `[STREAM] [GROUP] NAME` takes NAME alone (stream and group
 * from the profile) or all three. Returns the values named by position, undefined where left out.
 */
export function fromTheRight(given: Array<string | undefined>, names: string[]): Array<string | undefined> {
  const values = given.filter((v): v is string => v !== undefined)
  if (values.length === names.length) return values
  if (values.length === 1) return [...names.slice(1).map(() => undefined), values[0]]
  const last = names[names.length - 1]
  throw usage(`give ${names.join(' ')}, or ${last} alone`, `With ${last} alone, ${names.slice(0, -1).join(' and ')} come from the profile (stream:, group:).`)
}
