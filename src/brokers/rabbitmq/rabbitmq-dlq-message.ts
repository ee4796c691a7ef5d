// Pure logic on dead-lettered RabbitMQ messages: x-death history, replay target, replay headers, the
// JSON view of typed headers and bodies, and --where matching. No I/O here (unit-tested on its own).
import * as crypto from 'node:crypto'
import {createHash} from 'node:crypto'
import type {WhereClause} from '../../services/dlq-select.js'

/** The header cg adds on every replayed message: how many times cg has replayed this message. */
export const REPLAY_COUNT = 'x-cg-replay-count'
/**
 * A stable id of the DLQ message (a hash of body, properties and headers, broker-maintained delivery
 * counters left out): a message published twice by an interrupted replay carries the same id and count
 * on both copies, so consumers can drop the second.
 */
export const REPLAY_ID = 'x-cg-replay-id'
/** Set when the DLQ copy had been delivered before (an earlier run may already have published it). */
export const POSSIBLE_DUPLICATE = 'x-cg-possible-duplicate'
/** When the replay happened (ms since the epoch). */
export const REPLAYED_AT = 'x-cg-replayed-at'

export type Headers = Record<string, unknown>

/** What amqplib gives for a delivery (the parts used here). */
export interface Delivery {
  content: Buffer
  fields: {deliveryTag: number; redelivered: boolean; exchange: string; routingKey: string}
  properties: {
    contentType?: string
    contentEncoding?: string
    headers?: Headers
    deliveryMode?: number
    priority?: number
    correlationId?: string
    replyTo?: string
    expiration?: string
    messageId?: string
    timestamp?: number
    type?: string
    userId?: string
    appId?: string
    clusterId?: string
  }
}

export interface Death {
  reason: string | null
  count: number | null
  queue: string | null
  exchange: string | null
  routingKeys: string[]
  /** ISO time of the (most recent) dead-lettering of this entry */
  time: string | null
  originalExpiration: string | null
}

/** x-death, most recent first (3.x and 4.x agree on the order); [] when the message was never dead-lettered. */
export function deathsOf(headers: Headers | undefined): Death[] {
  const xd = headers?.['x-death']
  if (!Array.isArray(xd)) return []
  return xd.filter((d) => d && typeof d === 'object').map((d: Record<string, unknown>) => deathOf(d))
}

function deathOf(d: Record<string, unknown>, withTime = true): Death {
  return {
    reason: str(d.reason),
    count: num(d.count),
    queue: str(d.queue),
    exchange: d.exchange === undefined || d.exchange === null ? null : (str(d.exchange) ?? ''),
    routingKeys: Array.isArray(d['routing-keys']) ? (d['routing-keys'] as unknown[]).map((k) => text(k)) : [],
    time: withTime ? timeOf(d.time) : null,
    originalExpiration: str(d['original-expiration']),
  }
}

/** x-death[0] (the most recent death) alone: what a replay routes by, without reading the rest. */
function firstDeathOf(headers: Headers | undefined, withTime: boolean): Death | null {
  const xd = headers?.['x-death']
  if (!Array.isArray(xd)) return null
  for (const d of xd) if (d && typeof d === 'object') return deathOf(d as Record<string, unknown>, withTime)
  return null
}

/**
 * The death a replay routes by. 3.x and 4.x both put the most recent death first in x-death. On 3.13+
 * the broker also sets x-last-death-*; on 4.x a client-supplied x-death is no longer interpreted by the
 * broker (a replayed message that dies again gets a fresh history), so the history before a replay is
 * only visible through cg's own replay headers there. `withTime` false leaves `time` null (cheaper, for
 * callers that only route or filter).
 */
export function lastDeath(headers: Headers | undefined, serverMajor: number, withTime = true): Death | null {
  const first = firstDeathOf(headers, withTime)
  if (first) return first
  if (serverMajor >= 4 || headers?.['x-last-death-exchange'] !== undefined) {
    const ex = headers?.['x-last-death-exchange']
    if (ex !== undefined)
      return {
        reason: str(headers?.['x-last-death-reason']),
        count: null,
        queue: str(headers?.['x-last-death-queue']),
        exchange: text(ex),
        routingKeys: [],
        time: null,
        originalExpiration: null,
      }
  }
  return null
}

export interface Target {
  exchange: string
  routingKey: string
  /** further routing keys (CC) when the original had several and the headers carry no CC */
  cc: string[]
}

/** "orders" or "(default) -> q" for the default exchange: what "one target" means for mixed-target checks. */
export function targetKey(t: Target): string {
  return t.exchange === '' ? `(default exchange) -> ${t.routingKey}` : t.exchange
}

/**
 * Where a replay republishes a message: --to-exchange / --routing-key when given, else x-death[0]'s
 * exchange and routing keys. With --to-exchange but no --routing-key the original keys are kept (else the
 * delivery's own routing key). null when nothing says where (no x-death and no --to-exchange).
 */
export function replayTarget(
  m: Delivery,
  death: Pick<Death, 'exchange' | 'routingKeys'> | null,
  override: {exchange?: string; routingKey?: string},
  hasCc = m.properties.headers?.CC !== undefined,
): Target | null {
  const exchange = override.exchange ?? death?.exchange ?? null
  if (exchange === null) return null
  let keys = override.routingKey !== undefined ? [override.routingKey] : death?.routingKeys.length ? death.routingKeys : [m.fields.routingKey]
  const [routingKey, ...rest] = keys
  // a CC header on the message routes the extra keys by itself; only add CC when the headers have none
  keys = hasCc ? [] : rest
  return {exchange, routingKey, cc: keys}
}

/** Broker-maintained counters that change when a message is merely read and requeued. */
const VOLATILE = new Set(['x-delivery-count', 'x-delivery-limit-count', POSSIBLE_DUPLICATE])
const VOLATILE_KEYS = [...VOLATILE].map((k) => Buffer.from(k))

/**
 * On a delivery's `properties` (set by a reader that keeps them, see keepRawProperties): its content header
 * payload as it came, undecoded.
 */
export const RAW_PROPERTIES = Symbol('cg.rawProperties')

/**
 * The stable replay id of a DLQ message (see REPLAY_ID). From the delivery's content header as it came
 * (RAW_PROPERTIES): a hash of the property bytes (the headers table in wire order, which the broker keeps
 * across redeliveries, without its delivery counters) and the body, read without decoding anything. A
 * delivery without those bytes (or with a malformed table) gets replayIdOfDecoded's.
 */
export function replayIdOf(m: Delivery): string {
  const raw = (m.properties as Record<symbol, unknown>)[RAW_PROPERTIES]
  return (Buffer.isBuffer(raw) && rawReplayId(raw, m.content)) || replayIdOfDecoded(m)
}

/**
 * The replay id from a content header payload (class id, weight, body size, flags, properties) and the body:
 * SHA-256 of the payload, with the headers table's delivery counters (VOLATILE) left out (an empty table, or
 * one left empty, is left out with its flag: a quorum queue's first delivery has no headers, its redelivery an
 * x-delivery-count), then the body; base64url, 22 characters. null when the payload cannot be read that way.
 */
export function rawReplayId(payload: Buffer, content: Buffer, asIs = false): string | null {
  if (asIs) return hashOf(payload, content)
  if (payload.length < FLAGS_AT + 2) return null
  const flags = payload.readUInt16BE(FLAGS_AT)
  if (flags & FLAG_CONTINUATION) return null
  const tableAt = headersAt(payload, flags)
  if (tableAt < 0) return null
  if (!(flags & FLAG_HEADERS)) return hashOf(payload, content)
  const end = tableEnd(payload, tableAt)
  if (end < 0) return null
  // the table's entries that are kept: [start, end) ranges
  const runs: number[] = []
  let p = tableAt + 4
  let runStart = p
  let entries = 0
  let dropped = 0
  while (p < end) {
    const next = fieldEnd(payload, p, end)
    if (next < 0) return null
    entries++
    if (isKey(payload, p + 1, payload[p], VOLATILE_KEYS)) {
      dropped++
      if (p > runStart) runs.push(runStart, p)
      runStart = next
    }
    p = next
  }
  if (dropped === 0 && entries > 0) return hashOf(payload, content)
  if (end > runStart) runs.push(runStart, end)
  // the payload edited: its flags (without the headers flag when the table is left empty) and table
  let tableLen = 0
  for (let i = 0; i < runs.length; i += 2) tableLen += runs[i + 1] - runs[i]
  const empty = tableLen === 0
  const size = payload.length - (end - tableAt) + (empty ? 0 : 4 + tableLen) + content.length
  const buf = scratchOf(size)
  payload.copy(buf, 0, 0, tableAt)
  buf.writeUInt16BE(empty ? flags & ~FLAG_HEADERS : flags, FLAGS_AT)
  let o = tableAt
  if (!empty) {
    o = buf.writeUInt32BE(tableLen, o)
    for (let i = 0; i < runs.length; i += 2) o += payload.copy(buf, o, runs[i], runs[i + 1])
  }
  o += payload.copy(buf, o, end)
  buf.set(content, o)
  return sha256(buf.subarray(0, size))
}

/** SHA-256 of payload then content (see rawReplayId) */
function hashOf(payload: Buffer, content: Buffer): string {
  const size = payload.length + content.length
  const buf = scratchOf(size)
  buf.set(payload, 0)
  buf.set(content, payload.length)
  return sha256(buf.subarray(0, size))
}

/** a buffer of at least `size` bytes, reused from one id to the next (ids are computed synchronously) */
function scratchOf(size: number): Buffer {
  if (scratch.length < size) scratch = Buffer.allocUnsafeSlow(Math.max(size, 2 * scratch.length, 16 * 1024))
  return scratch
}

let scratch = Buffer.alloc(0)

const oneShot = (crypto as {hash?: (algorithm: string, data: Buffer, encoding: string) => string}).hash

function sha256(data: Buffer): string {
  if (oneShot) return oneShot('sha256', data, 'base64url').slice(0, 22)
  return createHash('sha256').update(data).digest('base64url').slice(0, 22)
}

/**
 * The replay id from the decoded properties (what versions before the content-header id printed, and what a
 * delivery without its raw content header still gets): a hash of the properties' JSON, the headers' (in wire
 * order; delivery counters left out) and the body.
 */
export function replayIdOfDecoded(m: Delivery): string {
  const {headers, ...props} = m.properties
  let stable = headers ?? {}
  for (const k of VOLATILE) {
    if (k in stable) {
      stable = {...stable}
      for (const v of VOLATILE) delete stable[v]
      break
    }
  }
  const text = JSON.stringify(props) + '\0' + JSON.stringify(stable) + '\0'
  const len = Buffer.byteLength(text)
  const all = Buffer.allocUnsafe(len + m.content.length)
  all.write(text, 0)
  m.content.copy(all, len)
  return sha256(all)
}

/** cg's replay count on the message (0 when never replayed by cg). */
export function replayCountOf(headers: Headers | undefined): number {
  const v = headers?.[REPLAY_COUNT]
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : 0
  return Number.isFinite(n) ? n : 0
}

/** The headers a replayed copy carries: the originals untouched (typed values as amqplib decoded them) plus cg's. */
export function replayHeaders(m: Delivery, replayId: string, now = Date.now()): Headers {
  // copied key by key (same order as the original): an object spread or a delete costs several times
  // more here and leaves an object that amqplib encodes more slowly
  const src = m.properties.headers
  const redelivered = m.fields.redelivered
  const h: Headers = {}
  if (src) for (const k in src) if (redelivered || k !== POSSIBLE_DUPLICATE) h[k] = src[k]
  h[REPLAY_COUNT] = replayCountOf(src) + 1
  h[REPLAY_ID] = replayId
  h[REPLAYED_AT] = {'!': 'timestamp', value: Math.floor(now / 1000)}
  if (redelivered) h[POSSIBLE_DUPLICATE] = true
  return h
}

/** amqplib publish options that reproduce the message's properties. */
export function publishOptions(m: Delivery, headers: Headers, cc: string[]): Record<string, unknown> {
  const p = m.properties
  const o: Record<string, unknown> = {mandatory: true, headers}
  for (const k of [
    'contentType',
    'contentEncoding',
    'deliveryMode',
    'priority',
    'correlationId',
    'replyTo',
    'expiration',
    'messageId',
    'timestamp',
    'type',
    'userId',
    'appId',
  ] as const) {
    if (p[k] !== undefined && p[k] !== null) o[k] = p[k]
  }
  if (cc.length) o.CC = cc
  return o
}

/** Header values as JSON: typed ones as {type, value}, byte arrays as base64, tables recursively. */
export function headerJson(v: unknown): unknown {
  if (v === null || v === undefined) return null
  if (Buffer.isBuffer(v)) return {type: 'bytes', value: v.toString('base64')}
  if (Array.isArray(v)) return v.map(headerJson)
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>
    if ('!' in o) {
      const t = String(o['!'])
      if (t === 'timestamp' && typeof o.value === 'number') return {type: 'timestamp', value: new Date(o.value * 1000).toISOString()}
      return {type: t, value: o.value as unknown}
    }
    const out: Record<string, unknown> = {}
    for (const [k, x] of Object.entries(o)) out[k] = headerJson(x)
    return out
  }
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v)
  return v
}

export interface BodyView {
  encoding: 'utf8' | 'base64'
  value: string
  bytes: number
}

/** The body as text when it is valid UTF-8 without control characters (tab/newline allowed), else base64. */
export function bodyView(b: Buffer, max?: number): BodyView & {truncated: boolean} {
  const cut = max !== undefined && b.length > max ? b.subarray(0, max) : b
  const truncated = cut.length < b.length
  const s = cut.toString('utf8')
  const ok = Buffer.from(s, 'utf8').equals(cut) && !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s)
  return ok ? {encoding: 'utf8', value: s, bytes: b.length, truncated} : {encoding: 'base64', value: cut.toString('base64'), bytes: b.length, truncated}
}

/**
 * --where FIELD=VALUE on a message: FIELD is a header name (values compared as text: strings, numbers,
 * booleans, byte arrays as their bytes), or one of x-death.reason, x-death.queue, x-death.exchange,
 * x-death.routing-key (the most recent death), or a property: message-id, type, app-id,
 * correlation-id, content-type. Every clause must match.
 */
export function matchesWhere(m: Delivery, death: Death | null, where: WhereClause[]): boolean {
  return where.every((w) => valuesOf(m, death, w.field).some((v) => v.equals(w.value)))
}

function valuesOf(m: Delivery, death: Death | null, field: string): Buffer[] {
  const p = m.properties
  switch (field) {
    case 'x-death.reason':
      return death?.reason ? [Buffer.from(death.reason)] : []
    case 'x-death.queue':
      return death?.queue ? [Buffer.from(death.queue)] : []
    case 'x-death.exchange':
      return death?.exchange !== null && death?.exchange !== undefined ? [Buffer.from(death.exchange)] : []
    case 'x-death.routing-key':
      return (death?.routingKeys ?? []).map((k) => Buffer.from(k))
    case 'message-id':
      return p.messageId !== undefined ? [Buffer.from(String(p.messageId))] : []
    case 'type':
      return p.type !== undefined ? [Buffer.from(String(p.type))] : []
    case 'app-id':
      return p.appId !== undefined ? [Buffer.from(String(p.appId))] : []
    case 'correlation-id':
      return p.correlationId !== undefined ? [Buffer.from(String(p.correlationId))] : []
    case 'content-type':
      return p.contentType !== undefined ? [Buffer.from(String(p.contentType))] : []
  }
  const v = p.headers?.[field]
  if (v === undefined) return []
  const flat = Array.isArray(v) ? v : [v]
  return flat.map((x) =>
    Buffer.isBuffer(x) ? x : Buffer.from(typeof x === 'object' && x !== null && 'value' in x ? String((x as {value: unknown}).value) : String(x)),
  )
}

function str(v: unknown): string | null {
  if (v === undefined || v === null) return null
  return text(v)
}

function text(v: unknown): string {
  return Buffer.isBuffer(v) ? v.toString('utf8') : String(v)
}

function num(v: unknown): number | null {
  if (typeof v === 'number') return v
  if (v && typeof v === 'object' && 'value' in v) return Number((v as {value: unknown}).value)
  return null
}

function timeOf(v: unknown): string | null {
  if (v && typeof v === 'object' && (v as Record<string, unknown>)['!'] === 'timestamp')
    return new Date(Number((v as {value: unknown}).value) * 1000).toISOString()
  if (typeof v === 'number') return new Date(v * 1000).toISOString()
  return null
}

/** "3.10.8" -> 3 (0 when unknown). */
export function majorOf(version: string): number {
  const m = /^(\d+)\./.exec(version)
  return m ? Number(m[1]) : 0
}

/** What a replay adds to a message's headers (see replayHeaders: the same headers, the same values). */
export interface ReplayStamp {
  /** the new x-cg-replay-count */
  count: number
  replayId: string
  /** x-cg-replayed-at, seconds since the epoch */
  at: number
  /** x-cg-possible-duplicate: true (set when the DLQ copy was redelivered) */
  possibleDuplicate: boolean
}

// the basic properties' flags word (AMQP 0-9-1): which properties follow, in this order
export const FLAG_CONTENT_TYPE = 0x8000
export const FLAG_CONTENT_ENCODING = 0x4000
export const FLAG_HEADERS = 0x2000
/** cluster-id: deprecated, never republished (publishOptions leaves it out too) */
export const FLAG_CLUSTER_ID = 0x0004
/** a second flags word follows (never sent by RabbitMQ for basic properties) */
export const FLAG_CONTINUATION = 0x0001
/** class id, weight and body size come before the flags */
export const FLAGS_AT = 12
const CG_KEYS = [REPLAY_COUNT, REPLAY_ID, REPLAYED_AT, POSSIBLE_DUPLICATE].map((k) => Buffer.from(k))

/** The bytes a field value of type `tag` takes after its tag at `at` (-1: a type AMQP 0-9-1 does not have). */
function valueSize(b: Buffer, tag: number, at: number): number {
  switch (tag) {
    case 0x74: // t
    case 0x62: // b
    case 0x42: // B
      return 1
    case 0x73: // s
    case 0x75: // u
      return 2
    case 0x49: // I
    case 0x69: // i
    case 0x66: // f
      return 4
    case 0x44: // D
      return 5
    case 0x6c: // l
    case 0x64: // d
    case 0x54: // T
      return 8
    case 0x56: // V
      return 0
    case 0x53: // S
    case 0x78: // x
    case 0x46: // F
    case 0x41: // A
      return at + 4 <= b.length ? 4 + b.readUInt32BE(at) : -1
    default:
      return -1
  }
}

/**
 * Where the headers table is (or would be) in a content header payload with these flags: after the content
 * type and encoding, the two short strings before it. -1 when the payload is shorter than that.
 */
function headersAt(payload: Buffer, flags: number): number {
  let at = FLAGS_AT + 2
  for (const f of [FLAG_CONTENT_TYPE, FLAG_CONTENT_ENCODING]) {
    if (flags & f) {
      if (at >= payload.length) return -1
      at += 1 + payload[at]
    }
  }
  return at > payload.length ? -1 : at
}

/** The end of the table (or array) whose 4-byte length is at `at`, within `limit`; -1 when it does not fit. */
function tableEnd(b: Buffer, at: number, limit = b.length): number {
  if (at + 4 > limit) return -1
  const end = at + 4 + b.readUInt32BE(at)
  return end > limit ? -1 : end
}

/**
 * The end of the table field at `p` (its key: b[p] bytes from p + 1, then its type tag and value), within a
 * table ending at `end`; -1 when the field is malformed or runs past the table.
 */
function fieldEnd(b: Buffer, p: number, end: number): number {
  const tagAt = p + 1 + b[p]
  if (tagAt >= end) return -1
  const size = valueSize(b, b[tagAt], tagAt + 1)
  const next = tagAt + 1 + size
  return size < 0 || next > end ? -1 : next
}

function isCgKey(b: Buffer, at: number, len: number): boolean {
  // every cg key starts with "x-cg-"
  if (len < 5 || b[at] !== 0x78 || b[at + 2] !== 0x63 || b[at + 3] !== 0x67) return false
  return isKey(b, at, len, CG_KEYS)
}

/** The key of `len` bytes at `at` is one of `keys` (all starting with "x-"). */
function isKey(b: Buffer, at: number, len: number, keys: Buffer[]): boolean {
  if (len < 2 || b[at] !== 0x78 || b[at + 1] !== 0x2d) return false
  for (const k of keys) if (keyIs(b, at, len, k)) return true
  return false
}

/** The size of the stamp's entries (see writeStamp). */
function stampSize(s: ReplayStamp): number {
  return (
    1 +
    REPLAY_COUNT.length +
    1 +
    countSize(s.count) +
    (1 + REPLAY_ID.length + 1 + 4 + Buffer.byteLength(s.replayId, 'utf8')) +
    (1 + REPLAYED_AT.length + 1 + 8) +
    (s.possibleDuplicate ? 1 + POSSIBLE_DUPLICATE.length + 2 : 0)
  )
}

/** the smallest signed integer type amqplib encodes n with */
function countSize(n: number): number {
  return n >= -128 && n < 128 ? 1 : n >= -0x8000 && n < 0x8000 ? 2 : n >= -0x80000000 && n < 0x80000000 ? 4 : 8
}

/** Writes a table key (cg's keys are ASCII) at o; returns the offset after it. */
function writeKey(out: Buffer, o: number, k: string): number {
  out[o] = k.length
  return o + 1 + out.write(k, o + 1, 'latin1')
}

/**
 * Writes the stamp's entries at o, encoded as amqplib encodes replayHeaders' values (count: the smallest
 * signed integer type); returns the offset after them.
 */
function writeStamp(s: ReplayStamp, out: Buffer, o: number): number {
  const n = s.count
  const size = countSize(n)
  o = writeKey(out, o, REPLAY_COUNT)
  if (size === 1) {
    out[o++] = 0x62 // b
    o = out.writeInt8(n, o)
  } else if (size === 2) {
    out[o++] = 0x73 // s
    o = out.writeInt16BE(n, o)
  } else if (size === 4) {
    out[o++] = 0x49 // I
    o = out.writeInt32BE(n, o)
  } else {
    out[o++] = 0x6c // l
    o = out.writeBigInt64BE(BigInt(n), o)
  }
  o = writeKey(out, o, REPLAY_ID)
  out[o++] = 0x53 // S
  const idLen = out.write(s.replayId, o + 4, 'utf8')
  o = out.writeUInt32BE(idLen, o) + idLen
  o = writeKey(out, o, REPLAYED_AT)
  out[o++] = 0x54 // T
  o = out.writeUInt32BE(Math.floor(s.at / 0x100000000), o)
  o = out.writeUInt32BE(s.at >>> 0, o)
  if (s.possibleDuplicate) {
    o = writeKey(out, o, POSSIBLE_DUPLICATE)
    out[o++] = 0x74 // t
    out[o++] = 1
  }
  return o
}

/**
 * The content header payload of a replayed copy, made from the DLQ copy's (class id, weight, body size,
 * property flags, properties) without decoding it: every property byte for byte, and in the headers table
 * every entry byte for byte except cg's own (x-cg-replay-count, -id, -replayed-at, -possible-duplicate),
 * which are replaced by the stamp's, added at the end. The same headers and values as replayHeaders +
 * publishOptions give, without re-encoding x-death and the rest. null when the payload cannot be passed
 * through that way (a cluster-id property, a second flags word, a malformed table): the caller re-encodes.
 */
export function amendedProperties(payload: Buffer, stamp: ReplayStamp, noCgKeys = false): Buffer | null {
  if (payload.length < FLAGS_AT + 2) return null
  const flags = payload.readUInt16BE(FLAGS_AT)
  if (flags & (FLAG_CLUSTER_ID | FLAG_CONTINUATION)) return null
  const tableAt = headersAt(payload, flags)
  if (tableAt < 0) return null
  // the kept entries of the old table: [start, end) ranges
  const kept: number[] = []
  let after = tableAt
  if (flags & FLAG_HEADERS) {
    const end = tableEnd(payload, tableAt)
    if (end < 0) return null
    // (noCgKeys: the caller read the table already: no entry to drop)
    let p = noCgKeys ? end : tableAt + 4
    let runStart = tableAt + 4
    while (p < end) {
      const next = fieldEnd(payload, p, end)
      if (next < 0) return null
      if (isCgKey(payload, p + 1, payload[p])) {
        if (p > runStart) kept.push(runStart, p)
        runStart = next
      }
      p = next
    }
    if (end > runStart) kept.push(runStart, end)
    after = end
  }
  let tableLen = stampSize(stamp)
  for (let i = 0; i < kept.length; i += 2) tableLen += kept[i + 1] - kept[i]
  const out = Buffer.allocUnsafe(tableAt + 4 + tableLen + (payload.length - after))
  payload.copy(out, 0, 0, tableAt)
  out.writeUInt16BE(flags | FLAG_HEADERS, FLAGS_AT)
  let o = out.writeUInt32BE(tableLen, tableAt)
  for (let i = 0; i < kept.length; i += 2) o += payload.copy(out, o, kept[i], kept[i + 1])
  o = writeStamp(stamp, out, o)
  payload.copy(out, o, after)
  return out
}

/** What a replay routes by, read from the content header as it came (rawRouteOf). */
export interface RawRoute {
  /** x-death[0]: its exchange (null when it has none) and routing keys */
  death: {exchange: string | null; routingKeys: string[]}
  /** the headers have a CC entry */
  hasCc: boolean
  /** replayCountOf the headers */
  replayCount: number
  /** the table has entries and no delivery counter: the replay id hashes the payload as it is (rawReplayId) */
  asIs: boolean
  /** the table has none of cg's headers: amendedProperties keeps it whole */
  noCgKeys: boolean
}

const KEY_X_DEATH = Buffer.from('x-death')
const KEY_CC = Buffer.from('CC')
const KEY_REPLAY_COUNT = Buffer.from(REPLAY_COUNT)
const KEY_EXCHANGE = Buffer.from('exchange')
const KEY_ROUTING_KEYS = Buffer.from('routing-keys')
const TAG_S = 0x53
const TAG_A = 0x41
const TAG_F = 0x46

/** b[at, at + len) is `key` (a byte loop: for keys this short, faster than a native compare) */
function keyIs(b: Buffer, at: number, len: number, key: Buffer): boolean {
  if (len !== key.length) return false
  for (let i = 0; i < len; i++) if (b[at + i] !== key[i]) return false
  return true
}

/**
 * x-death[0]'s exchange and routing keys, whether the headers have a CC, and cg's replay count, read from a
 * content header payload without decoding the rest: the values lastDeath, replayTarget and replayCountOf take
 * from amqplib's decoded headers (the last entry of a key counts, as in the decoded object). null when the
 * payload has something else there (no x-death array of tables, an exchange or routing key that is not a
 * long string, a count of another type, a malformed table): the caller decodes.
 */
export function rawRouteOf(payload: Buffer): RawRoute | null {
  if (payload.length < FLAGS_AT + 2) return null
  const flags = payload.readUInt16BE(FLAGS_AT)
  if (!(flags & FLAG_HEADERS) || flags & FLAG_CONTINUATION) return null
  const at = headersAt(payload, flags)
  const end = at < 0 ? -1 : tableEnd(payload, at)
  if (end < 0) return null
  let deathAt = -1
  let hasCc = false
  let countTag = -1
  let countAt = -1
  let entries = 0
  let counters = false
  let cgKeys = false
  for (let p = at + 4; p < end; ) {
    const next = fieldEnd(payload, p, end)
    if (next < 0) return null
    const keyLen = payload[p]
    const keyAt = p + 1
    const tagAt = keyAt + keyLen
    const tag = payload[tagAt]
    entries++
    if (keyIs(payload, keyAt, keyLen, KEY_X_DEATH)) deathAt = tag === TAG_A ? tagAt + 1 : -1
    else if (keyIs(payload, keyAt, keyLen, KEY_CC)) hasCc = true
    else if (isKey(payload, keyAt, keyLen, VOLATILE_KEYS)) counters = true
    if (isCgKey(payload, keyAt, keyLen)) {
      cgKeys = true
      if (keyIs(payload, keyAt, keyLen, KEY_REPLAY_COUNT)) {
        countTag = tag
        countAt = tagAt + 1
      }
    }
    p = next
  }
  if (deathAt < 0) return null
  const replayCount = countAt < 0 ? 0 : rawCount(payload, countTag, countAt)
  if (replayCount === null) return null
  // x-death[0]: a table
  const arrayEnd = deathAt + 4 + payload.readUInt32BE(deathAt)
  const first = deathAt + 4
  if (first >= arrayEnd || payload[first] !== TAG_F) return null
  const deathEnd = tableEnd(payload, first + 1, arrayEnd)
  if (deathEnd < 0) return null
  // where the exchange's string and the routing keys' array are ([start, end) of their values, -1: none)
  let exAt = -1
  let exEnd = -1
  let rkAt = -1
  let rkEnd = -1
  for (let p = first + 5; p < deathEnd; ) {
    const next = fieldEnd(payload, p, deathEnd)
    if (next < 0) return null
    const keyLen = payload[p]
    const keyAt = p + 1
    const tagAt = keyAt + keyLen
    const tag = payload[tagAt]
    if (keyIs(payload, keyAt, keyLen, KEY_EXCHANGE)) {
      if (tag !== TAG_S) return null
      exAt = tagAt + 5
      exEnd = next
    } else if (keyIs(payload, keyAt, keyLen, KEY_ROUTING_KEYS)) {
      if (tag !== TAG_A) return null
      rkAt = tagAt + 5
      rkEnd = next
    }
    p = next
  }
  const death = deathRoute(payload, exAt, exEnd, rkAt, rkEnd)
  if (!death) return null
  return {death, hasCc, replayCount, asIs: entries > 0 && !counters, noCgKeys: !cgKeys}
}

/**
 * The last route read and the bytes it was read from: the messages of a DLQ mostly share it, and then share
 * one object (its strings and array are not made again; nothing changes them).
 */
let lastRoute: {exchange: Buffer | null; keys: Buffer | null; death: RawRoute['death']} | null = null

function sameBytes(b: Buffer, at: number, end: number, kept: Buffer | null): boolean {
  if (at < 0 || kept === null) return at < 0 && kept === null
  return keyIs(b, at, end - at, kept)
}

/** x-death[0]'s exchange (a long string at [exAt, exEnd)) and routing keys (an array of long strings at [rkAt, rkEnd)) */
function deathRoute(payload: Buffer, exAt: number, exEnd: number, rkAt: number, rkEnd: number): RawRoute['death'] | null {
  const last = lastRoute
  if (last && sameBytes(payload, exAt, exEnd, last.exchange) && sameBytes(payload, rkAt, rkEnd, last.keys)) return last.death
  const routingKeys: string[] = []
  for (let k = rkAt; k >= 0 && k < rkEnd; ) {
    if (payload[k] !== TAG_S || k + 5 > rkEnd) return null
    const kEnd = k + 5 + payload.readUInt32BE(k + 1)
    if (kEnd > rkEnd) return null
    routingKeys.push(payload.toString('utf8', k + 5, kEnd))
    k = kEnd
  }
  const death = {exchange: exAt < 0 ? null : payload.toString('utf8', exAt, exEnd), routingKeys}
  // (copies: a delivery's bytes are a slice of a socket read, not to be kept alive by this)
  lastRoute = {
    exchange: exAt < 0 ? null : Buffer.from(payload.subarray(exAt, exEnd)),
    keys: rkAt < 0 ? null : Buffer.from(payload.subarray(rkAt, rkEnd)),
    death,
  }
  return death
}

/** replayCountOf a header value of type `tag` at `at` (integers and long strings), null for another type */
function rawCount(b: Buffer, tag: number, at: number): number | null {
  let n: number
  switch (tag) {
    case 0x62: // b
      n = b.readInt8(at)
      break
    case 0x42: // B
      n = b[at]
      break
    case 0x73: // s
      n = b.readInt16BE(at)
      break
    case 0x75: // u
      n = b.readUInt16BE(at)
      break
    case 0x49: // I
      n = b.readInt32BE(at)
      break
    case 0x69: // i
      n = b.readUInt32BE(at)
      break
    case 0x6c: // l
      n = Number(b.readBigInt64BE(at))
      break
    case TAG_S:
      n = Number(b.toString('utf8', at + 4, at + 4 + b.readUInt32BE(at)))
      break
    default:
      return null
  }
  return Number.isFinite(n) ? n : 0
}
