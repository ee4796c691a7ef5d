// Dead-letter I/O: reads, journaled two-step and scripted atomic moves and replays, deletes (see redis-dlq-types.ts).
import {createHash} from 'node:crypto'
import type {Redis} from 'ioredis'
import calculateSlot from 'cluster-key-slot'
import {CgError} from '../../errors/cg-error.js'
import type {DlqOps, DlqSummary, MoveCandidate, MoveMode, MoveOutcome, MoveTarget, RawDlqEntry, RawField, ReplayItem, ReplayOutcome} from './redis-dlq-types.js'
import {JOURNALED_ADD, MOVE_ATOMIC, REPLAY_ATOMIC, SUMMARY_PAGE} from './dlq-scripts.js'
import {isPermissionDenied, redisError, wrap} from './redis-errors.js'
import type {RedisConnection} from './redis-connection.js'
import {isStreamId} from './stream-id.js'

const READ_PAGE = 1000
/** the fields cg adds to a dead-lettered entry (layout a), as SUMMARY_PAGE knows them */
const META_FIELDS = new Set(['original_id', 'original_stream', 'original_group', 'consumer', 'delivery_count', 'reason', 'failed_at'])
const PENDING_PAGE = 2000
/** ids per script call: long enough to amortise, short enough not to block the server for long */
const SCRIPT_BATCH = 250
const DEL_BATCH = 1000
/** Lua's unpack() takes at most ~8000 values */
const MAX_FIELD_VALUES = 7900

type Call = {keys: string[]; args: Array<string | Buffer>}

export class RedisDlq implements DlqOps {
  private readonly loaded = new WeakMap<Redis, Set<string>>()
  constructor(private readonly conn: RedisConnection) {}

  private node(key: string): Redis {
    return this.conn.nodeFor(key)
  }

  async assertDlq(dlq: string): Promise<void> {
    const type = await wrap({source: dlq}, () => this.node(dlq).type(dlq))
    if (type === 'none')
      throw new CgError(
        'not_found',
        `dead-letter stream ${dlq} does not exist`,
        'Nothing was dead-lettered yet, or the DLQ has another name: give it with --dlq KEY (cg groups lists streams).',
      )
    if (type !== 'stream') throw new CgError('wrong_type', `key ${dlq} is a ${type}, not a stream`, 'Name the dead-letter stream with --dlq KEY.')
  }

  async assertStreamOrAbsent(key: string): Promise<void> {
    const type = await wrap({source: key}, () => this.node(key).type(key))
    if (type !== 'none' && type !== 'stream')
      throw new CgError('wrong_type', `key ${key} is a ${type}, not a stream`, 'Name a stream key (or a key that does not exist yet).')
  }

  async length(dlq: string): Promise<number> {
    return Number(await wrap({source: dlq}, () => this.node(dlq).xlen(dlq)))
  }

  async *entries(dlq: string, opts: {start?: string; pageSize?: number} = {}): AsyncGenerator<RawDlqEntry[]> {
    const node = this.node(dlq)
    const size = opts.pageSize ?? READ_PAGE
    let start = opts.start ?? '-'
    for (;;) {
      const rows = await wrap({source: dlq}, () => node.xrangeBuffer(dlq, start, '+', 'COUNT', size))
      if (rows.length) yield rows.map(toEntry)
      if (rows.length < size) return
      start = '(' + rows[rows.length - 1][0].toString()
    }
  }

  async *summaries(dlq: string, opts: {pageSize?: number} = {}): AsyncGenerator<DlqSummary[]> {
    const node = this.node(dlq)
    const size = opts.pageSize ?? READ_PAGE
    let start = '-'
    for (;;) {
      let reply: Buffer[] | Error
      try {
        ;[reply] = await this.evalAll(node, SUMMARY_PAGE, [{keys: [dlq], args: [start, String(size)]}], {source: dlq})
      } catch (error) {
        // an ACL user without scripting: the same summaries from the entries themselves
        if (!isPermissionDenied(error)) throw error
        yield* this.summariesByRange(dlq, start, size)
        return
      }
      if (reply instanceof Error) throw redisError(reply, {source: dlq})
      const page: DlqSummary[] = []
      for (let i = 0; i + 2 < reply.length; i += 3) {
        const layout = reply[i + 1].toString()
        const stream = reply[i + 2]
        page.push({
          id: reply[i].toString(),
          layout: layout === '0' ? null : (layout as 'a' | 'b'),
          originalStream: stream.length ? stream.subarray(1).toString() : null,
        })
      }
      if (page.length) yield page
      if (page.length < size) return
      start = '(' + page[page.length - 1].id
    }
  }

  /** summaries() read by XRANGE (what SUMMARY_PAGE works out on the server), for a user refused scripts */
  private async *summariesByRange(dlq: string, start: string, size: number): AsyncGenerator<DlqSummary[]> {
    for await (const entries of this.entries(dlq, {start, pageSize: size})) {
      yield entries.map(({id, fields}) => {
        let layout: 'a' | 'b' | null = null
        let originalStream: string | null = null
        for (const [k, v] of fields) {
          const name = k.toString()
          if (name === 'original_data') layout = 'b'
          else if (name === 'original_stream') originalStream ??= v.toString()
          else if (layout === null && !META_FIELDS.has(name)) layout = 'a'
        }
        return {id, layout, originalStream}
      })
    }
  }

  async entriesByIds(dlq: string, ids: string[]): Promise<RawDlqEntry[]> {
    const pipe = this.node(dlq).pipeline()
    for (const id of ids) pipe.xrangeBuffer(dlq, id, id)
    const replies = await execAll(pipe, {source: dlq})
    return replies.flatMap((r) => (r as Array<[Buffer, Buffer[]]>).map(toEntry))
  }

  async *pendingPages(stream: string, group: string, minIdleMs?: number): AsyncGenerator<MoveCandidate[]> {
    const node = this.node(stream)
    let start = '-'
    for (;;) {
      const args: Array<string | number> = [stream, group]
      if (minIdleMs) args.push('IDLE', minIdleMs)
      args.push(start, '+', PENDING_PAGE)
      const rows = (await wrap({source: stream, group}, () => node.call('XPENDING', ...args))) as Array<[string, string, number, number]>
      if (rows.length) yield rows.map(candidate)
      if (rows.length < PENDING_PAGE) return
      start = '(' + rows[rows.length - 1][0]
    }
  }

  async pendingByIds(stream: string, group: string, ids: string[]): Promise<MoveCandidate[]> {
    const pipe = this.node(stream).pipeline()
    for (const id of ids) pipe.call('XPENDING', stream, group, id, id, 1)
    const replies = await execAll(pipe, {source: stream, group})
    return replies.flatMap((r) => (r as Array<[string, string, number, number]>).map(candidate))
  }

  moveMode(stream: string, dlq: string): MoveMode {
    return this.conn.sameSlot(stream, dlq) ? 'atomic' : 'two-step'
  }

  replayMode(dlq: string, target: string): MoveMode {
    return this.conn.sameSlot(dlq, target) ? 'atomic' : 'two-step'
  }

  async moveBatch(t: MoveTarget, ids: string[], failedAtMs: number): Promise<MoveOutcome[]> {
    return this.confirmed(this.moveWrite(t, ids, failedAtMs))
  }

  /** A write step, returned once a replica has it where the connection asks for that (behind Sentinel). */
  private async confirmed<T>(write: Promise<T>): Promise<T> {
    const out = await write
    await this.conn.confirmWrites?.()
    return out
  }

  private async moveWrite(t: MoveTarget, ids: string[], failedAtMs: number): Promise<MoveOutcome[]> {
    if (this.moveMode(t.stream, t.dlq) === 'atomic') {
      const calls = chunks(ids, SCRIPT_BATCH).map((c) => ({keys: [t.stream, t.dlq], args: [t.group, t.reason, String(failedAtMs), ...c]}))
      const replies = await this.evalAll(this.node(t.stream), MOVE_ATOMIC, calls, {source: t.stream, group: t.group})
      const out: MoveOutcome[] = []
      replies.forEach((reply, k) => {
        const batch = calls[k].args.slice(3) as string[]
        batch.forEach((id, i) => {
          if (reply instanceof Error) return out.push({id, status: 'failed', dlqId: null, note: reply.message})
          const [status, value] = [reply[2 * i].toString(), reply[2 * i + 1].toString()]
          if (status === 'm') out.push({id, status: 'moved', dlqId: value, note: null})
          else if (status === 'd') out.push({id, status: 'deleted', dlqId: null, note: 'deleted from the stream while pending: acked'})
          else if (status === 's') out.push({id, status: 'skipped', dlqId: null, note: 'no longer pending'})
          else out.push({id, status: 'failed', dlqId: null, note: value})
        })
      })
      return out
    }
    return this.moveTwoStep(t, ids, failedAtMs)
  }

  /**
   * Different slots: (1) XADD to the DLQ + journal marker in the DLQ's slot, unless the marker exists;
   * (2) XACK the source; (3) drop the markers. A re-run finds the marker and only acks.
   */
  private async moveTwoStep(t: MoveTarget, ids: string[], failedAtMs: number): Promise<MoveOutcome[]> {
    const ctx = {source: t.stream, group: t.group}
    const src = this.node(t.stream)
    const dlqNode = this.node(t.dlq)
    const journal = journalKey(t.dlq)
    const marker = (id: string) => `${t.stream}\n${t.group}\n${id}`

    const read = src.pipeline()
    for (const id of ids) {
      read.call('XPENDING', t.stream, t.group, id, id, 1)
      read.xrangeBuffer(t.stream, id, id)
    }
    const replies = await execAll(read, ctx)
    const result = new Map<string, MoveOutcome>()
    const toAdd: Array<{id: string; fields: Buffer[]}> = []
    const dangling: string[] = []
    ids.forEach((id, i) => {
      const pending = replies[2 * i] as Array<[string, string, number, number]>
      const entry = replies[2 * i + 1] as Array<[Buffer, Buffer[]]>
      if (!pending.length) return result.set(id, {id, status: 'skipped', dlqId: null, note: 'no longer pending'})
      if (!entry.length) return dangling.push(id)
      const [, consumer, , deliveries] = pending[0]
      const fields = [...entry[0][1], ...metaFields(id, t, String(consumer), Number(deliveries), failedAtMs)]
      if (fields.length > MAX_FIELD_VALUES) return result.set(id, {id, status: 'failed', dlqId: null, note: 'too many fields for one script call'})
      toAdd.push({id, fields})
    })

    // An entry deleted from the stream after step 1 of an earlier run was still moved by that run.
    if (dangling.length) {
      const known = (await wrap(ctx, () => dlqNode.hmget(journal, ...dangling.map(marker)))) as Array<string | null>
      dangling.forEach((id, i) => {
        const dlqId = known[i]
        result.set(
          id,
          dlqId ? {id, status: 'moved', dlqId, note: 'resumed'} : {id, status: 'deleted', dlqId: null, note: 'deleted from the stream while pending: acked'},
        )
      })
    }

    const calls: Call[] = chunks(toAdd, SCRIPT_BATCH).map((c) => ({
      keys: [t.dlq, journal],
      args: c.flatMap((x) => [marker(x.id), String(x.fields.length), ...x.fields]),
    }))
    const added = await this.evalAll(dlqNode, JOURNALED_ADD, calls, {source: t.dlq})
    chunks(toAdd, SCRIPT_BATCH).forEach((c, ci) => {
      const reply = added[ci]
      c.forEach((x, i) => {
        if (reply instanceof Error) return result.set(x.id, {id: x.id, status: 'failed', dlqId: null, note: reply.message})
        const [status, value] = [reply[2 * i].toString(), reply[2 * i + 1].toString()]
        if (status === 'e') result.set(x.id, {id: x.id, status: 'failed', dlqId: null, note: value})
        else result.set(x.id, {id: x.id, status: 'moved', dlqId: value, note: status === 'j' ? 'resumed' : null})
      })
    })

    const ack = ids.filter((id) => ['moved', 'deleted'].includes(result.get(id)?.status ?? ''))
    await this.ackAndForget(t, ack, journal)
    return ids.map((id) => result.get(id) ?? {id, status: 'failed', dlqId: null, note: 'not processed'})
  }

  private async ackAndForget(t: MoveTarget, ids: string[], journal: string): Promise<void> {
    if (!ids.length) return
    const ack = this.node(t.stream).pipeline()
    for (const c of chunks(ids, DEL_BATCH)) ack.xack(t.stream, t.group, ...c)
    await execAll(ack, {source: t.stream, group: t.group})
    const forget = this.node(t.dlq).pipeline()
    for (const c of chunks(ids, DEL_BATCH)) forget.hdel(journal, ...c.map((id) => `${t.stream}\n${t.group}\n${id}`))
    await execAll(forget, {source: t.dlq})
  }

  /**
   * Finishes two-step moves a killed run left half done: markers whose entry is still pending are acked
   * (the DLQ already has the entry), and every marker of this stream and group is dropped.
   */
  async resumeMoves(t: MoveTarget): Promise<number> {
    if (this.moveMode(t.stream, t.dlq) === 'atomic') return 0
    const journal = journalKey(t.dlq)
    const prefix = `${t.stream}\n${t.group}\n`
    const dlqNode = this.node(t.dlq)
    let cursor = '0'
    let finished = 0
    do {
      const [next, flat] = await wrap({source: t.dlq}, () => dlqNode.hscan(journal, cursor, 'MATCH', globEscape(prefix) + '*', 'COUNT', 1000))
      cursor = next
      const ids: string[] = []
      for (let i = 0; i < flat.length; i += 2) ids.push(flat[i].slice(prefix.length))
      if (!ids.length) continue
      const pending = new Set((await this.pendingByIds(t.stream, t.group, ids)).map((c) => c.id))
      finished += pending.size
      await this.ackAndForget(
        t,
        ids.filter((id) => pending.has(id)),
        journal,
      )
      const stale = ids.filter((id) => !pending.has(id)).map((id) => prefix + id)
      if (stale.length) await wrap({source: t.dlq}, () => dlqNode.hdel(journal, ...stale))
    } while (cursor !== '0')
    return finished
  }

  /**
   * Finishes two-step replays onto `target` a killed run left half done: entries the target's journal
   * records are deleted from the DLQ (the target has them already) and the markers dropped.
   */
  async resumeReplays(dlq: string, target: string): Promise<string[]> {
    if (this.replayMode(dlq, target) === 'atomic') return []
    const journal = journalKey(target)
    const prefix = `${dlq}\n`
    const node = this.node(target)
    let cursor = '0'
    const finished: string[] = []
    do {
      const [next, flat] = await wrap({source: target}, () => node.hscan(journal, cursor, 'MATCH', globEscape(prefix) + '*', 'COUNT', 1000))
      cursor = next
      const ids: string[] = []
      // move markers ("stream\ngroup\nid") may share the hash: take only "dlq\nid"
      for (let i = 0; i < flat.length; i += 2) if (isStreamId(flat[i].slice(prefix.length))) ids.push(flat[i].slice(prefix.length))
      if (!ids.length) continue
      await this.deleteIds(dlq, ids)
      finished.push(...ids)
      await wrap({source: target}, () => node.hdel(journal, ...ids.map((id) => prefix + id)))
    } while (cursor !== '0')
    return finished
  }

  async replayBatch(dlq: string, items: ReplayItem[]): Promise<ReplayOutcome[]> {
    return this.confirmed(this.replayWrite(dlq, items))
  }

  private async replayWrite(dlq: string, items: ReplayItem[]): Promise<ReplayOutcome[]> {
    const result = new Map<ReplayItem, ReplayOutcome>()
    const atomic: ReplayItem[] = []
    const byTarget = new Map<string, ReplayItem[]>()
    for (const it of items) {
      if (it.fields.length > MAX_FIELD_VALUES) result.set(it, outcome(it, 'failed', null, 'too many fields for one script call'))
      else if (this.replayMode(dlq, it.target) === 'atomic') atomic.push(it)
      else byTarget.set(it.target, [...(byTarget.get(it.target) ?? []), it])
    }

    if (atomic.length) {
      const groups = chunks(atomic, SCRIPT_BATCH)
      const calls: Call[] = groups.map((c) => {
        const targets = [...new Set(c.map((x) => x.target))]
        const index = new Map(targets.map((tg, i) => [tg, String(i + 2)]))
        const args: Array<string | Buffer> = []
        for (const x of c) {
          args.push(x.dlqId, index.get(x.target)!)
          if (x.ownFields) args.push('-1')
          else args.push(String(x.fields.length), ...x.fields)
        }
        return {keys: [dlq, ...targets], args}
      })
      const replies = await this.evalAll(this.node(dlq), REPLAY_ATOMIC, calls, {source: dlq})
      groups.forEach((c, ci) => {
        const reply = replies[ci]
        c.forEach((x, i) => {
          if (reply instanceof Error) return result.set(x, outcome(x, 'failed', null, reply.message))
          const [status, value] = [reply[2 * i].toString(), reply[2 * i + 1].toString()]
          if (status === 'r') result.set(x, outcome(x, 'replayed', value, null))
          else if (status === 's') result.set(x, outcome(x, 'skipped', null, 'no longer in the DLQ'))
          else result.set(x, outcome(x, 'failed', null, value))
        })
      })
    }

    for (const [target, list] of byTarget) await this.replayTwoStep(dlq, target, list, result)
    return items.map((it) => result.get(it) ?? outcome(it, 'failed', null, 'not processed'))
  }

  /**
   * Different slots: (1) XADD to the target + journal marker in the target's slot, unless the marker
   * exists; (2) XDEL from the DLQ; (3) drop the markers. A re-run finds the marker and only deletes.
   */
  private async replayTwoStep(dlq: string, target: string, items: ReplayItem[], result: Map<ReplayItem, ReplayOutcome>): Promise<void> {
    const journal = journalKey(target)
    const marker = (x: ReplayItem) => `${dlq}\n${x.dlqId}`
    const groups = chunks(items, SCRIPT_BATCH)
    const calls: Call[] = groups.map((c) => ({keys: [target, journal], args: c.flatMap((x) => [marker(x), String(x.fields.length), ...x.fields])}))
    const replies = await this.evalAll(this.node(target), JOURNALED_ADD, calls, {source: target})
    const written: ReplayItem[] = []
    groups.forEach((c, ci) => {
      const reply = replies[ci]
      c.forEach((x, i) => {
        if (reply instanceof Error) return result.set(x, outcome(x, 'failed', null, reply.message))
        const [status, value] = [reply[2 * i].toString(), reply[2 * i + 1].toString()]
        if (status === 'e') return result.set(x, outcome(x, 'failed', null, value))
        written.push(x)
        result.set(x, outcome(x, 'replayed', value, status === 'j' ? 'resumed' : null))
      })
    })
    if (!written.length) return
    const del = this.node(dlq).pipeline()
    for (const c of chunks(written, DEL_BATCH)) del.xdel(dlq, ...c.map((x) => x.dlqId))
    await execAll(del, {source: dlq})
    const forget = this.node(target).pipeline()
    for (const c of chunks(written, DEL_BATCH)) forget.hdel(journal, ...c.map(marker))
    await execAll(forget, {source: target})
  }

  async deleteIds(dlq: string, ids: string[]): Promise<number> {
    if (!ids.length) return 0
    const pipe = this.node(dlq).pipeline()
    for (const c of chunks(ids, DEL_BATCH)) pipe.xdel(dlq, ...c)
    const replies = await this.confirmed(execAll(pipe, {source: dlq}))
    return replies.reduce<number>((n, r) => n + Number(r), 0)
  }

  async truncate(dlq: string): Promise<number> {
    return Number(await this.confirmed(wrap({source: dlq}, () => this.node(dlq).xtrim(dlq, 'MAXLEN', 0))))
  }

  /** One EVALSHA per call, all pipelined; a script flushed from the server's cache is loaded again. */
  private async evalAll(node: Redis, script: string, calls: Call[], ctx: {source?: string; group?: string}): Promise<Array<Buffer[] | Error>> {
    if (!calls.length) return []
    const sha = createHash('sha1').update(script).digest('hex')
    const run = async (list: Call[]) => {
      const loaded = this.loaded.get(node) ?? new Set<string>()
      if (!loaded.has(sha)) {
        await wrap(ctx, () => node.script('LOAD', script))
        loaded.add(sha)
        this.loaded.set(node, loaded)
      }
      const pipe = node.pipeline()
      for (const c of list) pipe.callBuffer('EVALSHA', sha, c.keys.length, ...c.keys, ...c.args)
      return (await wrap(ctx, () => pipe.exec())) ?? []
    }
    const replies = await run(calls)
    // NOSCRIPT (the script cache was flushed) means that call did not run: load it again and rerun only those.
    const again = replies.flatMap(([e], i) => (e && /NOSCRIPT/.test(e.message) ? [i] : []))
    if (again.length) {
      this.loaded.get(node)?.delete(sha)
      const rerun = await run(again.map((i) => calls[i]))
      again.forEach((i, j) => (replies[i] = rerun[j]))
    }
    // Anything but an error reply from Redis (connection closed, timeout) leaves the outcome unknown: stop
    // the run (exit 69) instead of reporting entries as failed that may have been applied; a re-run settles them.
    const lost = replies.find(([e]) => e && e.name !== 'ReplyError')
    if (lost) throw redisError(lost[0], ctx)
    // the ACL user may not make a write of the script: its guard refused before anything was written (exit 4)
    const denied = replies.find(([e]) => e && isPermissionDenied(e))
    if (denied) throw redisError(denied[0], ctx)
    return replies.map(([e, r]) => (e ? e : (r as Buffer[])))
  }
}

function toEntry([id, flat]: [Buffer, Buffer[]]): RawDlqEntry {
  const fields: RawField[] = []
  for (let i = 0; i + 1 < flat.length; i += 2) fields.push([flat[i], flat[i + 1]])
  return {id: id.toString(), fields}
}

function candidate([id, consumer, idle, deliveries]: [string, string, number, number]): MoveCandidate {
  return {id: String(id), consumer: String(consumer), idleMs: Number(idle), deliveries: Number(deliveries)}
}

function metaFields(id: string, t: MoveTarget, consumer: string, deliveries: number, failedAtMs: number): Buffer[] {
  const meta = [
    'original_id',
    id,
    'original_stream',
    t.stream,
    'original_group',
    t.group,
    'consumer',
    consumer,
    'delivery_count',
    String(deliveries),
    'reason',
    t.reason,
    'failed_at',
    String(failedAtMs),
  ]
  return meta.map((s) => Buffer.from(s))
}

function outcome(x: ReplayItem, status: ReplayOutcome['status'], newId: string | null, note: string | null): ReplayOutcome {
  return {dlqId: x.dlqId, target: x.target, status, newId, note}
}

/** The journal lives in the slot of `key`: the same hash tag, or the whole key as the tag. */
export function journalKey(key: string): string {
  const open = key.indexOf('{')
  const close = open >= 0 ? key.indexOf('}', open + 1) : -1
  if (open >= 0 && close > open + 1) return `{${key.slice(open + 1, close)}}:cg:journal`
  if (!/[{}]/.test(key)) return `{${key}}:cg:journal`
  // Braces that make no tag cannot be wrapped in one: find a tag that hashes to the same slot.
  const slot = calculateSlot(key)
  for (let n = 0; ; n++) if (calculateSlot(`cg-journal-${n}`) === slot) return `{cg-journal-${n}}:cg:journal`
}

function globEscape(s: string): string {
  return s.replace(/[*?[\]\\]/g, '\\$&')
}

function chunks<T>(xs: T[], n: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n))
  return out
}

async function execAll(pipe: ReturnType<Redis['pipeline']>, ctx: {source?: string; group?: string}): Promise<unknown[]> {
  const replies = (await wrap(ctx, () => pipe.exec())) ?? []
  return replies.map(([e, r]) => {
    if (e) throw redisError(e, ctx)
    return r
  })
}
