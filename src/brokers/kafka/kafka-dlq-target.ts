// Pure rules of Kafka DLQ handling: which topic is the DLQ, where a record goes back to, which records
// a --where picks, the headers a replay adds and the partition it keeps. No I/O here.
import type {DlqRecord} from './kafka-dlq.js'
import {usage} from '../../errors/cg-error.js'
import type {WhereClause} from '../../services/dlq-select.js'

/** DLQ suffixes cg recognises, in the order it looks for them. */
export const DLQ_SUFFIXES = ['.dlq', '-dlq', '.DLT'] as const

/** Spring Kafka's DeadLetterPublishingRecoverer */
export const SPRING_TOPIC = 'kafka_dlt-original-topic'
export const SPRING_PARTITION = 'kafka_dlt-original-partition'
export const SPRING_OFFSET = 'kafka_dlt-original-offset'
export const SPRING_MESSAGE = 'kafka_dlt-exception-message'
/** Kafka Connect's errors.deadletterqueue.context.headers.enable */
export const CONNECT_TOPIC = '__connect.errors.topic'
export const CONNECT_PARTITION = '__connect.errors.partition'
export const CONNECT_OFFSET = '__connect.errors.offset'
export const CONNECT_MESSAGE = '__connect.errors.exception.message'
/** cg's own: written on every replayed record */
export const CG_TOPIC = 'cg-original-topic'
export const CG_COUNT = 'cg-replay-count'
export const CG_FROM = 'cg-replayed-from'

/** Names the DLQ of SOURCE may have, in order. */
export function dlqCandidates(source: string): string[] {
  return DLQ_SUFFIXES.map((s) => source + s)
}

/** `--dlq`, else the profile's dlq, else the first of SOURCE.dlq / SOURCE-dlq / SOURCE.DLT that exists. */
export function pickDlq(opts: {flag?: string; profile?: string; source?: string}, exists: (topic: string) => boolean): {dlq: string | null; tried: string[]} {
  const named = opts.flag ?? opts.profile
  if (named) return {dlq: exists(named) ? named : null, tried: [named]}
  if (!opts.source)
    throw usage(
      'missing the dead-letter topic',
      'Give SOURCE (its DLQ is SOURCE.dlq, SOURCE-dlq or SOURCE.DLT), --dlq TOPIC, or set `dlq:` or `stream:` in the profile.',
    )
  const tried = dlqCandidates(opts.source)
  return {dlq: tried.find(exists) ?? null, tried}
}

/** The DLQ name without its suffix, or null when it has none. */
export function stripDlqSuffix(dlq: string): string | null {
  for (const s of DLQ_SUFFIXES) if (dlq.endsWith(s) && dlq.length > s.length) return dlq.slice(0, -s.length)
  return null
}

/** header names as bytes, so lookups compare bytes instead of decoding every header name */
const nameBytes = new Map<string, Buffer>()
const asBytes = (name: string): Buffer => {
  let b = nameBytes.get(name)
  if (!b) {
    b = Buffer.from(name)
    nameBytes.set(name, b)
  }
  return b
}

function headerBytes(r: Pick<DlqRecord, 'headers'>, name: string): Buffer | null {
  const want = asBytes(name)
  for (const [k, v] of r.headers) if (v !== null && k.length === want.length && k.equals(want)) return v
  return null
}

export function headerText(r: Pick<DlqRecord, 'headers'>, name: string): string | null {
  const v = headerBytes(r, name)
  return v === null ? null : v.toString('utf8')
}

export type TargetSource = 'flag' | 'spring' | 'connect' | 'cg' | 'dlq-name'

/** Where a record goes: --to, else the Spring / Connect / cg header, else the DLQ name without its suffix. */
export function resolveTarget(r: Pick<DlqRecord, 'headers'>, dlq: string, to?: string): {topic: string | null; from: TargetSource | null} {
  if (to) return {topic: to, from: 'flag'}
  const spring = headerText(r, SPRING_TOPIC)
  if (spring) return {topic: spring, from: 'spring'}
  const connect = headerText(r, CONNECT_TOPIC)
  if (connect) return {topic: connect, from: 'connect'}
  const cg = headerText(r, CG_TOPIC)
  if (cg) return {topic: cg, from: 'cg'}
  const base = stripDlqSuffix(dlq)
  return base ? {topic: base, from: 'dlq-name'} : {topic: null, from: null}
}

/** The partition the record came from on its original topic (Spring: 4-byte int; Connect: decimal text). */
export function originalPartition(r: Pick<DlqRecord, 'headers'>): {topic: string; partition: number} | null {
  const st = headerText(r, SPRING_TOPIC)
  const sp = headerBytes(r, SPRING_PARTITION)
  if (st && sp) {
    const n = sp.length === 4 ? sp.readInt32BE(0) : /^\d+$/.test(sp.toString('utf8')) ? Number(sp.toString('utf8')) : Number.NaN
    if (Number.isInteger(n) && n >= 0) return {topic: st, partition: n}
  }
  const ct = headerText(r, CONNECT_TOPIC)
  const cp = headerText(r, CONNECT_PARTITION)
  if (ct && cp && /^\d+$/.test(cp)) return {topic: ct, partition: Number(cp)}
  return null
}

/**
 * The partition to produce to: the original partition when the record goes back to its original topic
 * and that partition exists; else the key's partition as Java's default partitioner computes it
 * (murmur2 & 0x7fffffff mod count), so keyed records join the other records of their key; else
 * undefined (the producer spreads keyless records).
 */
export function targetPartition(r: Pick<DlqRecord, 'headers' | 'key'>, target: string, partitions: number, murmur2: (b: Buffer) => number): number | undefined {
  const orig = originalPartition(r)
  if (orig && orig.topic === target && orig.partition < partitions) return orig.partition
  if (r.key && partitions > 0) return (murmur2(r.key) & 0x7fffffff) % partitions
  return undefined
}

/** Headers of the replayed record: the DLQ record's headers in order, cg's replay headers replaced. */
export function replayHeaders(r: Pick<DlqRecord, 'headers' | 'partition' | 'offset'>, dlq: string, target: string): Map<Buffer, Buffer> {
  const prev = Number(headerText(r, CG_COUNT) ?? '0')
  const ours = [asBytes(CG_COUNT), asBytes(CG_FROM), asBytes(CG_TOPIC)]
  const out = new Map<Buffer, Buffer>()
  for (const [k, v] of r.headers) if (!ours.some((o) => k.length === o.length && k.equals(o))) out.set(k, v ?? Buffer.alloc(0))
  // a Map keyed by Buffer objects: each record's map gets its own key objects (the client iterates, never looks up)
  out.set(Buffer.from(CG_COUNT), Buffer.from(String((Number.isFinite(prev) ? prev : 0) + 1)))
  out.set(Buffer.from(CG_FROM), Buffer.from(`${dlq}:${r.partition}:${r.offset}`))
  out.set(Buffer.from(CG_TOPIC), Buffer.from(target))
  return out
}

/**
 * `--where` for Kafka records: `key=V` (the key's bytes), `partition=N`, `target=TOPIC` (where it would
 * go), `header.NAME=V` or plain `NAME=V` (some header NAME has value V). Every clause must match.
 */
export function matchesWhere(r: DlqRecord, where: WhereClause[], target: string | null): boolean {
  return where.every((w) => {
    if (w.field === 'key') return r.key?.equals(w.value)
    if (w.field === 'partition') return String(r.partition) === w.value.toString('utf8')
    if (w.field === 'target') return target !== null && target === w.value.toString('utf8')
    const name = w.field.startsWith('header.') ? w.field.slice(7) : w.field
    return r.headers.some(([k, v]) => v !== null && k.toString('utf8') === name && v.equals(w.value))
  })
}

/** Text when the bytes are valid UTF-8 without control characters other than whitespace, else base64. */
export function showBytes(b: Buffer | null): {value: string | null; encoding: 'utf8' | 'base64' | null} {
  if (b === null) return {value: null, encoding: null}
  const text = b.toString('utf8')
  // eslint-disable-next-line no-control-regex
  if (Buffer.from(text, 'utf8').equals(b) && !/[\u0000-\u0008\u000e-\u001f\u007f]/.test(text)) return {value: text, encoding: 'utf8'}
  return {value: b.toString('base64'), encoding: 'base64'}
}

/** "partition:offset" */
export function parseRecordId(s: string): {partition: number; offset: bigint} | null {
  const m = /^(\d+):(\d+)$/.exec(s.trim())
  return m ? {partition: Number(m[1]), offset: BigInt(m[2]!)} : null
}
