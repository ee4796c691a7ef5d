// Repair I/O on consumer groups: one atomic step per call (claim, SETID, DELCONSUMER, CREATE, DESTROY) and
// the reads they plan with. The operations (redis-claim.ts, redis-position.ts ...) drive the loops.
import type {Redis} from 'ioredis'
import {CgError} from '../../errors/cg-error.js'
import {aclGuard} from './acl-guard.js'
import {wrap} from './redis-errors.js'
import {fields, num, text} from './replies.js'
import type {ClaimQuery, ClaimStep, GroupCreateSpec, RepairOps, ShiftResult, StreamInfo, StreamsAdapter} from './redis-types.js'
import {compareIds} from './stream-id.js'

/** Entries read per XRANGE page when counting or shifting (only ids are kept). */
const RANGE_PAGE = 10_000

// Check-and-delete in one step: a consumer that received an entry after the last handoff is not deleted.
const DELETE_IF_IDLE = `${aclGuard([['xgroup|delconsumer', 'KEYS[1]', "'XGROUP'", "'DELCONSUMER'", 'KEYS[1]', 'ARGV[1]', 'ARGV[2]']])}
local list = redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])
for _, c in ipairs(list) do
  local name, pending
  for i = 1, #c, 2 do
    if c[i] == 'name' then name = c[i + 1] elseif c[i] == 'pending' then pending = c[i + 1] end
  end
  if name == ARGV[2] then
    if pending > 0 then return {'pending', pending} end
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
    return {'deleted', 0}
  end
end
return {'missing', 0}
`

// Destroys the group only when nobody could lose anything (unless forced), checked and done atomically.
const DESTROY_GROUP = `${aclGuard([['xgroup|destroy', 'KEYS[1]', "'XGROUP'", "'DESTROY'", 'KEYS[1]', 'ARGV[1]']])}
local list = redis.call('XINFO', 'GROUPS', KEYS[1])
for _, g in ipairs(list) do
  local f = {}
  for i = 1, #g, 2 do f[g[i]] = g[i + 1] end
  if f['name'] == ARGV[1] then
    if ARGV[2] ~= '1' and (f['consumers'] > 0 or f['pending'] > 0) then return {0, f['consumers'], f['pending']} end
    redis.call('XGROUP', 'DESTROY', KEYS[1], ARGV[1])
    return {1, f['consumers'], f['pending']}
  end
end
return {-1, 0, 0}
`

type RangeReply = Array<[string, unknown]>

export class RedisRepair implements RepairOps {
  constructor(private readonly redis: StreamsAdapter) {}

  private node(key: string): Redis {
    return this.redis.conn.nodeFor(key)
  }

  async claimStep(q: ClaimQuery, cursor: string | null, max: number): Promise<ClaimStep> {
    const step = await (q.from === undefined ? this.autoclaim(q, cursor, max) : this.claimFrom(q, q.from, cursor, max))
    // behind Sentinel: a step counts once a replica has it (see RedisConnection.confirmWrites)
    await this.redis.conn.confirmWrites?.()
    return step
  }

  /** One XAUTOCLAIM call: the server scans the PEL from the cursor, claims and reports deleted ids (7.0+). */
  private async autoclaim(q: ClaimQuery, cursor: string | null, max: number): Promise<ClaimStep> {
    const args: Array<string | number> = [q.source, q.group, q.to, q.minIdleMs, cursor ?? '0-0', 'COUNT', max]
    if (q.justId) args.push('JUSTID')
    const reply = (await wrap(q, () => this.node(q.source).call('XAUTOCLAIM', ...args))) as [string, unknown[], string[] | undefined]
    const next = String(reply[0])
    const claimed = q.justId ? (reply[1] as string[]) : (reply[1] as RangeReply).filter(Boolean).map((e) => String(e[0]))
    return {claimed, deleted: reply[2] ?? [], skipped: [], next: next === '0-0' ? null : next}
  }

  /** One page of the consumer's idle entries (XPENDING IDLE ... consumer), claimed with XCLAIM. */
  private async claimFrom(q: ClaimQuery, from: string, cursor: string | null, max: number): Promise<ClaimStep> {
    const node = this.node(q.source)
    const ctx = {source: q.source, group: q.group, consumer: from}
    const args: Array<string | number> = [q.source, q.group]
    if (q.minIdleMs > 0) args.push('IDLE', q.minIdleMs)
    args.push(cursor === null ? '-' : '(' + cursor, '+', max, from)
    const rows = (await wrap(ctx, () => node.call('XPENDING', ...args))) as Array<[string, string, number, number]>
    if (rows.length === 0) return {claimed: [], deleted: [], skipped: [], next: null}
    const ids = rows.map((r) => String(r[0]))
    const claimArgs: Array<string | number> = [q.source, q.group, q.to, q.minIdleMs, ...ids]
    if (q.justId) claimArgs.push('JUSTID')
    const reply = (await wrap(ctx, () => node.call('XCLAIM', ...claimArgs))) as unknown[]
    const claimed = q.justId ? (reply as string[]) : (reply as RangeReply).filter(Boolean).map((e) => String(e[0]))
    const next = rows.length < max ? null : ids[ids.length - 1]
    if (claimed.length === ids.length) return {claimed, deleted: [], skipped: [], next}
    // Rare: some ids were not claimed. Gone from the PEL = their message was deleted (XCLAIM drops them
    // since 7.0); still pending = no longer idle enough or taken by someone else meanwhile.
    const got = new Set(claimed)
    const missing = ids.filter((id) => !got.has(id))
    const pipe = node.pipeline()
    for (const id of missing) pipe.call('XPENDING', q.source, q.group, id, id, 1)
    const checks = (await pipe.exec()) ?? []
    const gone = (i: number) => Array.isArray(checks[i]?.[1]) && (checks[i][1] as unknown[]).length === 0
    return {claimed, deleted: missing.filter((_, i) => gone(i)), skipped: missing.filter((_, i) => !gone(i)), next}
  }

  async streamExists(source: string): Promise<boolean> {
    const type = await wrap({source}, () => this.node(source).type(source))
    if (type === 'none') return false
    if (type !== 'stream') throw new CgError('wrong_type', `key ${source} is a ${type}, not a stream`, 'Name a stream key (cg groups lists them).')
    return true
  }

  async streamInfo(source: string): Promise<StreamInfo> {
    await this.redis.assertStream(source)
    const f = fields(await wrap({source}, () => this.node(source).call('XINFO', 'STREAM', source)))
    const edge = (e: unknown) => (Array.isArray(e) && e.length ? text(e[0]) : null)
    return {
      source,
      length: num(f.length) ?? 0,
      firstId: edge(f['first-entry']),
      lastId: edge(f['last-entry']),
      lastGeneratedId: text(f['last-generated-id']) ?? '0-0',
      entriesAdded: num(f['entries-added']),
      maxDeletedEntryId: text(f['max-deleted-entry-id']),
    }
  }

  async setId(source: string, group: string, id: string, entriesRead: number | null): Promise<void> {
    const args: Array<string | number> = ['SETID', source, group, id]
    if (entriesRead !== null) args.push('ENTRIESREAD', entriesRead)
    await wrap({source, group}, () => this.node(source).call('XGROUP', ...args))
    await this.redis.conn.confirmWrites?.()
  }

  async idBefore(source: string, ms: number): Promise<string | null> {
    if (ms <= 0) return null
    const rows = (await wrap({source}, () => this.node(source).call('XREVRANGE', source, `(${ms}-0`, '-', 'COUNT', 1))) as RangeReply
    return rows.length ? String(rows[0][0]) : null
  }

  async shift(source: string, from: string, n: number): Promise<ShiftResult> {
    const node = this.node(source)
    let id = from
    let moved = 0
    if (n > 0) {
      // forward: the n-th entry after the position
      let start = from === '0-0' ? '-' : '(' + from
      while (moved < n) {
        const page = Math.min(RANGE_PAGE, n - moved)
        const rows = (await wrap({source}, () => node.call('XRANGE', source, start, '+', 'COUNT', page))) as RangeReply
        if (rows.length) id = String(rows[rows.length - 1][0])
        moved += rows.length
        if (rows.length < page) break
        start = '(' + id
      }
      return {id, moved}
    }
    // backward: the n entries at or below the position become undelivered; the new position is the
    // entry just below them, or 0-0 when the stream has no more
    const want = -n + 1
    let seen = 0
    let end = from
    while (seen < want && end !== '0-0') {
      const page = Math.min(RANGE_PAGE, want - seen)
      const rows = (await wrap({source}, () => node.call('XREVRANGE', source, end, '-', 'COUNT', page))) as RangeReply
      seen += rows.length
      if (rows.length < page) break
      end = '(' + String(rows[rows.length - 1][0])
      if (seen === want) return {id: String(rows[rows.length - 1][0]), moved: -n}
    }
    return {id: '0-0', moved: Math.min(seen, -n)}
  }

  async countAfter(source: string, id: string, limit: number): Promise<number | null> {
    const node = this.node(source)
    const count = async (start: string, end: string): Promise<number | null> => {
      let n = 0
      for (;;) {
        const page = Math.min(RANGE_PAGE, limit + 1 - n)
        const rows = (await wrap({source}, () => node.call('XRANGE', source, start, end, 'COUNT', page))) as RangeReply
        n += rows.length
        if (n > limit) return null
        if (rows.length < page) return n
        start = '(' + String(rows[rows.length - 1][0])
      }
    }
    const info = await this.streamInfo(source)
    if (info.lastId === null || compareIds(id, info.lastId) >= 0) return 0
    if (info.firstId === null || compareIds(id, info.firstId) < 0) return info.length
    const after = await count('(' + id, '+')
    if (after !== null) return after
    // many entries after the position: count those at or before it instead
    const before = await count('-', id)
    return before === null ? null : info.length - before
  }

  async deleteIdleConsumer(source: string, group: string, consumer: string): Promise<{deleted: boolean; pending: number}> {
    const [status, pending] = (await wrap({source, group, consumer}, () => this.node(source).eval(DELETE_IF_IDLE, 1, source, group, consumer))) as [
      string,
      number,
    ]
    if (status === 'missing')
      throw new CgError('not_found', `consumer ${consumer} does not exist in group ${group} of ${source}`, `List them with: cg consumers ${source} ${group}.`)
    if (status === 'deleted') await this.redis.conn.confirmWrites?.()
    return {deleted: status === 'deleted', pending: Number(pending)}
  }

  async deleteConsumer(source: string, group: string, consumer: string): Promise<number> {
    const dropped = Number(await wrap({source, group, consumer}, () => this.node(source).call('XGROUP', 'DELCONSUMER', source, group, consumer)))
    await this.redis.conn.confirmWrites?.()
    return dropped
  }

  async createGroup(req: GroupCreateSpec): Promise<void> {
    const args: Array<string | number> = ['CREATE', req.source, req.group, req.start]
    if (req.mkstream) args.push('MKSTREAM')
    if (req.entriesRead !== null) args.push('ENTRIESREAD', req.entriesRead)
    try {
      await wrap({source: req.source, group: req.group}, () => this.node(req.source).call('XGROUP', ...args))
    } catch (error) {
      if (/BUSYGROUP/.test(String((error as Error)?.message))) {
        throw new CgError(
          'refused',
          `group ${req.group} already exists on stream ${req.source}`,
          `Move it with: cg setid ${req.source} ${req.group} ID, or delete it first: cg group delete ${req.source} ${req.group}.`,
        )
      }
      throw error
    }
    await this.redis.conn.confirmWrites?.()
  }

  async destroyGroup(source: string, group: string, force: boolean): Promise<{destroyed: boolean; consumers: number; pending: number}> {
    await this.redis.assertStream(source)
    const [status, consumers, pending] = (await wrap({source, group}, () => this.node(source).eval(DESTROY_GROUP, 1, source, group, force ? '1' : '0'))) as [
      number,
      number,
      number,
    ]
    if (status === -1) throw new CgError('not_found', `group ${group} does not exist on stream ${source}`, `List the groups with: cg groups ${source}.`)
    if (status === 1) await this.redis.conn.confirmWrites?.()
    return {destroyed: status === 1, consumers: Number(consumers), pending: Number(pending)}
  }
}
