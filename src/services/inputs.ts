import {readFile} from 'node:fs/promises'
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
  if (!Number.isSafeInteger(n))
    throw usage(`${flag} ${JSON.stringify(value)} is not a whole number`, `Give a number of entries, for example ${flag} ${example} (negative moves back).`)
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

/**
 * The text of a file a flag names (`-` reads stdin). A usage error that names the flag, the path and
 * what is wrong (no such file, a directory, no permission) otherwise, with `hint` saying what to give.
 */
export async function readInputFile(path: string, flag: string, hint: string): Promise<string> {
  if (path === '-') {
    let s = ''
    for await (const chunk of process.stdin) s += chunk
    return s
  }
  try {
    return await readFile(path, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a directory'
          : code === 'EACCES' || code === 'EPERM'
            ? 'permission denied'
            : String((err as Error).message).split('\n')[0]
    throw usage(`cannot read ${flag} ${JSON.stringify(path)}: ${why}`, hint)
  }
}
