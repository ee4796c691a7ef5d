import {CgError} from '../../errors/cg-error.js'

/** A Redis stream id "ms-seq" as two bigints, for comparison and arithmetic. */
export interface StreamId {
  ms: bigint
  seq: bigint
}

const ID = /^(\d{1,20})(?:-(\d{1,20}))?$/
export const MAX_SEQ = 18446744073709551615n

export function isStreamId(s: string): boolean {
  return ID.test(s)
}

/** Validates an id given by a user; `allowed` lists the special ids the command accepts. */
export function parseStreamId(s: string, what = 'id', allowed: string[] = []): string {
  if (allowed.includes(s)) return s
  const m = ID.exec(s)
  if (!m || BigInt(m[1]) > MAX_SEQ || (m[2] !== undefined && BigInt(m[2]) > MAX_SEQ)) {
    const specials = allowed.length ? ` or one of ${allowed.join(' ')}` : ''
    throw new CgError('usage', `${what} ${JSON.stringify(s)} is not a stream id`, `Use <ms>-<seq> such as 1700000000000-0${specials}.`)
  }
  return m[2] === undefined ? `${m[1]}-0` : `${m[1]}-${m[2]}`
}

export function splitId(id: string): StreamId {
  const [ms, seq = '0'] = id.split('-')
  return {ms: BigInt(ms), seq: BigInt(seq)}
}

export function compareIds(a: string, b: string): number {
  const x = splitId(a)
  const y = splitId(b)
  if (x.ms !== y.ms) return x.ms < y.ms ? -1 : 1
  if (x.seq !== y.seq) return x.seq < y.seq ? -1 : 1
  return 0
}

/** The greatest id strictly below `id` ("0-0" has none and stays "0-0"). */
export function previousId(id: string): string {
  const {ms, seq} = splitId(id)
  if (seq > 0n) return `${ms}-${seq - 1n}`
  if (ms > 0n) return `${ms - 1n}-${MAX_SEQ}`
  return '0-0'
}

/** The millisecond part of an id as a Date's epoch ms (null for special ids). */
export function idTime(id: string): number | null {
  const m = ID.exec(id)
  return m ? Number(m[1]) : null
}
