// The Redis adapter: one connection (standalone or cluster) and the reads cg makes there. Repairs and the
// DLQ have their own I/O classes (redis-repair.ts, redis-dlq.ts) on the same connection.
import type {Redis} from 'ioredis'
import type {ConnectOptions, ServerInfo} from '../../core/driver.js'
import {CgError} from '../../errors/cg-error.js'
import type {Profile} from '../../profiles/resolve.js'
import {connectRedis, type RedisConnection} from './redis-connection.js'
import {isPermissionDenied, redisError, wrap} from './redis-errors.js'
import {RedisDlq} from './redis-dlq.js'
import {RedisRepair} from './redis-repair.js'
import type {ConsumerRow, GroupQuery, GroupRow, PendingEntry, PendingQuery, PendingSummary, StatusRow, StreamsAdapter, TimedGroupRow} from './redis-types.js'
import {idTime} from './stream-id.js'
import {fields, num, text} from './replies.js'

const SCAN_COUNT = 1000
/** streams per STATUS_READ call: bounds how long one call holds the server */
const SCRIPT_KEYS = 250
const PENDING_PAGE = 5000
/**
 * The status read of some streams of one node, in one call: ARGV is the PEL sample's size, '1' and a group
 * name to read that group alone (else '0' and ''), '1' to read entries-added (else '0'), then the keys. Per
 * key, the reply has its number of groups (false when XINFO GROUPS fails: the key is gone or no longer a
 * stream) and XINFO STREAM's entries-added (false where unknown or not asked), then STATUS_FIELDS values per group: name, consumers, pending, last-delivered-id,
 * entries-read, lag (XINFO GROUPS), the id of the first entry after last-delivered-id (looked up where lag is
 * not 0: XRANGE key (id + COUNT 1), and of the PEL sample (XPENDING key group - + N, where pending is not 0)
 * the oldest id, its idle time and the highest delivery count. Ids and numbers alone: the client decodes no
 * field names and no entries (see statusByScript()).
 */
const STATUS_READ = `#!lua flags=no-writes,allow-cross-slot-keys
local sample = ARGV[1]
local only = false
if ARGV[2] == '1' then only = ARGV[3] end
local call = redis.pcall
local out = {}
local n = 0
local added = ARGV[4] == '1'
for i = 5, #ARGV do
  local key = ARGV[i]
  local groups = call('XINFO', 'GROUPS', key)
  local at = n + 1
  out[at] = false
  out[at + 1] = false
  n = n + 2
  if not groups.err then
    local count = 0
    for gi = 1, #groups do
      local g = groups[gi]
      local name, consumers, pending, last, read, lag = false, false, false, false, false, false
      for j = 1, #g, 2 do
        local k = g[j]
        local v = g[j + 1]
        if k == 'name' then name = v
        elseif k == 'consumers' then consumers = v
        elseif k == 'pending' then pending = v
        elseif k == 'last-delivered-id' then last = v
        elseif k == 'entries-read' then read = v
        elseif k == 'lag' then lag = v end
      end
      if not only or name == only then
        count = count + 1
        local after = false
        if lag ~= 0 and last then
          local entries = call('XRANGE', key, '(' .. last, '+', 'COUNT', 1)
          if not entries.err and entries[1] then after = entries[1][1] end
        end
        local oldest, idle, most = false, false, false
        if pending ~= 0 then
          local pel = call('XPENDING', key, name, '-', '+', sample)
          if not pel.err and pel[1] then
            oldest = pel[1][1]
            idle = pel[1][3]
            most = 0
            for e = 1, #pel do
              if pel[e][4] > most then most = pel[e][4] end
            end
          end
        end
        out[n + 1] = name
        out[n + 2] = consumers
        out[n + 3] = pending
        out[n + 4] = last
        out[n + 5] = read
        out[n + 6] = lag
        out[n + 7] = after
        out[n + 8] = oldest
        out[n + 9] = idle
        out[n + 10] = most
        n = n + 10
      end
    end
    out[at] = count
    if added and count > 0 then
      local info = call('XINFO', 'STREAM', key)
      if not info.err then
        for j = 1, #info, 2 do
          if info[j] == 'entries-added' then
            out[at + 1] = info[j + 1]
            break
          end
        end
      end
    end
  end
end
return out`
/** values per group in STATUS_READ's reply */
const STATUS_FIELDS = 10
/** SCAN batches whose reads are in flight at once (groups, lag, status over every stream) */
const BATCHES_AHEAD = 4

export class RedisAdapter implements StreamsAdapter {
  readonly repair: RedisRepair
  readonly dlq: RedisDlq

  private readonly clocks = new Map<Redis, Promise<number>>()
  /** false once the server has refused STATUS_READ: the status reads of this connection go by commands */
  private scripts = true

  private constructor(readonly conn: RedisConnection) {
    this.repair = new RedisRepair(this)
    this.dlq = new RedisDlq(conn)
  }

  static async connect(profile: Profile, opts: ConnectOptions): Promise<RedisAdapter> {
    return new RedisAdapter(await connectRedis(profile, opts))
  }

  async close(): Promise<void> {
    await this.conn.close()
  }

  async ping(): Promise<ServerInfo> {
    const node = this.conn.masters()[0]
    const t0 = performance.now()
    await node.ping()
    const latencyMs = Math.round((performance.now() - t0) * 100) / 100
    const version = await serverVersion(node)
    const sentinel = this.conn.sentinelMaster?.()
    if (sentinel) return {broker: 'redis', version, mode: 'sentinel', latencyMs, master: `${sentinel.name} at ${sentinel.address}`}
    return {broker: 'redis', version, mode: this.conn.cluster ? 'cluster' : 'standalone', latencyMs}
  }

  /** Fails with "not found" / "wrong type" unless the key is a stream. */
  async assertStream(key: string): Promise<void> {
    const type = await wrap({source: key}, () => this.conn.nodeFor(key).type(key))
    if (type === 'none') throw new CgError('not_found', `stream ${key} does not exist`, 'List the streams with: cg groups.')
    if (type !== 'stream') throw new CgError('wrong_type', `key ${key} is a ${type}, not a stream`, 'Name a stream key (cg groups lists them).')
  }

  /**
   * Every stream on every master (SCAN ... TYPE stream), in batches as they are found. The next SCAN is sent
   * before a batch is handed out: it reaches the server ahead of the batch's reads, so that its reply does not
   * wait behind them and the next batch's reads are queued on the server while this one's replies are decoded.
   */
  async *streams(): AsyncGenerator<{node: Redis; keys: string[]}> {
    const scan = (node: Redis, cursor: string) => {
      const page = wrap({}, () => node.scan(cursor, 'COUNT', SCAN_COUNT, 'TYPE', 'stream'))
      page.catch(() => undefined) // awaited in turn; left unread when the reader stops early
      return page
    }
    for (const node of this.conn.masters()) {
      let page: Promise<[string, string[]]> | null = scan(node, '0')
      while (page) {
        const [next, keys]: [string, string[]] = await page
        page = next === '0' ? null : scan(node, next)
        if (keys.length) yield {node, keys}
      }
    }
  }

  /** Each stream's groups (XINFO GROUPS), one pipeline per SCAN batch; a named stream is one batch. */
  async *groupBatches(source?: string): AsyncGenerator<GroupRow[]> {
    if (source !== undefined) {
      yield await this.groupsOfStream(source)
      return
    }
    for await (const {node, keys} of this.streams()) {
      const rows = await this.groupsOf(node, keys)
      if (rows.length) yield rows
    }
  }

  async *groups(source?: string): AsyncGenerator<GroupRow> {
    for await (const batch of this.groupBatches(source)) yield* batch
  }

  /** The status read less entries-added and DLQs, batch by batch: the times cg groups and cg lag show. */
  async *timedGroups(q: GroupQuery): AsyncGenerator<TimedGroupRow[]> {
    yield* this.statusBatches(q, false)
  }

  /**
   * The rows of each SCAN batch (or of the named stream), with their times and, when asked, entries-added: one
   * STATUS_READ call (statusByScript), else by commands (statusOf). The keys scanned go into `seen` when given.
   */
  private async *statusBatches(q: GroupQuery, entriesAdded: boolean, seen?: Set<string>): AsyncGenerator<StatusRow[]> {
    const select = (rows: GroupRow[]) => (q.group === undefined ? rows : rows.filter((g) => g.group === q.group))
    const byCommands = async (rows: GroupRow[]) => (rows.length ? this.statusOf(rows, q.pendingEntries, entriesAdded) : [])
    // the clocks (TIME) are asked for ahead, in the same round trip as the first command of each node
    const prefetch = (nodes: Redis[]) => {
      for (const node of nodes) this.clock(node).catch(() => undefined)
    }
    if (q.source !== undefined) {
      const source = q.source
      prefetch([this.conn.nodeFor(source)])
      await this.assertStream(source)
      const rows =
        (await this.statusByScript(this.conn.nodeFor(source), [source], q, entriesAdded)) ?? (await byCommands(select(await this.groupsOfStream(source))))
      if (rows.length) yield rows
      return
    }
    prefetch(this.conn.masters())
    const batches = this.eachScan(
      async (node, keys) => (await this.statusByScript(node, keys, q, entriesAdded)) ?? byCommands(select(await this.groupsOf(node, keys))),
      seen,
    )
    for await (const rows of batches) if (rows.length) yield rows
  }

  /**
   * The rows of each SCAN batch (or of the named stream) in one STATUS_READ call (statusByScript), else by
   * commands (statusOf). With no stream named, a DLQ exists when SCAN ... TYPE stream has seen its key (on
   * whichever node owns it), so the DLQs' lengths are read at the end, in one pipeline per node, and only for
   * the DLQs that exist.
   */
  async statusRows(q: GroupQuery & {dlqOf: (stream: string) => string}): Promise<StatusRow[]> {
    const seen = q.source === undefined ? new Set<string>() : undefined
    const out: StatusRow[] = []
    for await (const rows of this.statusBatches(q, true, seen)) for (const r of rows) out.push(r)
    // the DLQs: EXISTS + XLEN of each (one named stream), or XLEN of those SCAN has seen
    const plan = new Plan()
    const dlqs = new Map<string, {exists: () => unknown; length: () => unknown} | null>()
    for (const r of out) {
      const dlq = q.dlqOf(r.source)
      if (dlqs.has(dlq)) continue
      const node = this.conn.nodeFor(dlq)
      if (seen && !seen.has(dlq)) dlqs.set(dlq, null)
      else dlqs.set(dlq, {exists: seen ? () => 1 : plan.add(node, ['EXISTS', dlq]), length: plan.add(node, ['XLEN', dlq])})
    }
    await plan.run()
    for (const r of out) {
      const dlq = q.dlqOf(r.source)
      const d = dlqs.get(dlq)
      const length = d?.length()
      // a key of another type under the DLQ's name is not a DLQ: XLEN fails on it
      if (d && Number(d.exists()) > 0 && !(length instanceof Error)) r.dlq = {name: dlq, depth: Number(length)}
    }
    return out
  }

  /**
   * The status rows of these streams of one node in one round trip: STATUS_READ (read-only, Redis 7.0+) reads
   * on the server what the command path (statusOf) reads by XINFO GROUPS, XINFO STREAM, XREAD and XPENDING,
   * and returns ids and numbers alone; decoding those commands' replies here (field names, entries with their
   * fields, whole PEL samples) took most of the time of a status read over 10,000 streams. Null where the
   * server refuses the script (an ACL without scripting, Redis < 7.0, scripts disabled): the caller reads by
   * commands, and so does every later batch of this connection. `entriesAdded` false: not read (null).
   */
  private async statusByScript(node: Redis, keys: string[], q: GroupQuery, entriesAdded = true): Promise<StatusRow[] | null> {
    if (!this.scripts) return null
    const offset = await this.clock(node)
    let reply: unknown[]
    try {
      const only = q.group === undefined ? ['0', ''] : ['1', q.group]
      // a script holds the server while it runs (~4 ms per 250 streams): calls of SCRIPT_KEYS streams, in one
      // pipeline, let other clients' commands in between them
      const pipe = node.pipeline()
      for (let i = 0; i < keys.length; i += SCRIPT_KEYS) {
        pipe.call('EVAL', STATUS_READ, 0, Math.max(1, q.pendingEntries), ...only, entriesAdded ? '1' : '0', ...keys.slice(i, i + SCRIPT_KEYS))
      }
      const replies = (await pipe.exec()) ?? []
      reply = []
      for (const [err, part] of replies) {
        if (err) throw err
        for (const v of part as unknown[]) reply.push(v)
      }
    } catch (error) {
      const e = redisError(error)
      if (e instanceof CgError && (e.code === 'unreachable' || e.code === 'timeout')) throw e
      this.scripts = false
      return null
    }
    // ages as of the reply, on the server's clock
    const now = Date.now() + offset
    const out: StatusRow[] = []
    let at = 0
    for (const source of keys) {
      const count = reply[at]
      const entriesAdded = num(reply[at + 1])
      at += 2
      if (typeof count !== 'number') continue // XINFO GROUPS failed: deleted between SCAN and the script
      for (let g = 0; g < count; g++, at += STATUS_FIELDS) {
        const after = reply[at + 6]
        const oldest = reply[at + 7]
        // built field by field, in one literal: a spread or fields added later are slow in V8 (µs per object)
        out.push({
          source,
          group: text(reply[at]) ?? '',
          consumers: num(reply[at + 1]),
          pending: num(reply[at + 2]),
          lastDeliveredId: text(reply[at + 3]),
          entriesRead: num(reply[at + 4]),
          lag: num(reply[at + 5]),
          timeLagMs: after === null ? null : age(String(after), now),
          oldestPendingId: oldest === null ? null : String(oldest),
          oldestPendingIdleMs: num(reply[at + 8]),
          oldestPendingMs: oldest === null ? null : age(String(oldest), now),
          maxDeliveries: num(reply[at + 9]),
          dlq: null,
          entriesAdded,
        })
      }
    }
    return out
  }

  /**
   * The status rows of these groups read by commands, where STATUS_READ is refused: XINFO STREAM per stream
   * (entries-added, when asked), the first entry after each position (nextIds) and the PEL samples (withTimes), pipelined
   * in one round trip after XINFO GROUPS.
   */
  private async statusOf(rows: GroupRow[], pendingEntries: number, entriesAdded: boolean): Promise<StatusRow[]> {
    const plan = new Plan()
    const nodes = rows.map((g) => this.conn.nodeFor(g.source))
    const infos = new Map<string, () => unknown>()
    for (let i = 0; entriesAdded && i < rows.length; i++) {
      const key = rows[i].source
      if (!infos.has(key)) infos.set(key, plan.add(nodes[i], ['XINFO', 'STREAM', key]))
    }
    const next = this.nextIds(
      rows.map((g, i) => (lookedUp(g) ? {node: nodes[i], key: g.source, after: g.lastDeliveredId!} : null)),
      plan,
    )
    const timed = await this.withTimes(rows, nodes, pendingEntries, plan, (i) => next[i]?.() ?? null)
    await plan.run()
    const out: StatusRow[] = new Array(rows.length)
    for (let i = 0; i < rows.length; i++) {
      const info = infos.get(rows[i].source)?.()
      out[i] = timed(i, info === undefined || info instanceof Error ? null : num(fields(info)['entries-added']))
    }
    return out
  }

  /**
   * `read` of each SCAN batch of every node, in order. Up to BATCHES_AHEAD batches are in flight at once: the
   * server works on one while the replies of another are decoded here. The keys scanned go into `seen` when
   * given.
   */
  private async *eachScan<T>(read: (node: Redis, keys: string[]) => Promise<T>, seen?: Set<string>): AsyncGenerator<T> {
    const queue: Array<Promise<T>> = []
    try {
      for await (const {node, keys} of this.streams()) {
        if (seen) for (const k of keys) seen.add(k)
        const done = read(node, keys)
        done.catch(() => undefined) // awaited in turn below; meanwhile a failure must not go unhandled
        queue.push(done)
        if (queue.length >= BATCHES_AHEAD) yield await queue.shift()!
      }
      while (queue.length) yield await queue.shift()!
    } finally {
      // left early (an error, or the reader stopped): the batches still in flight end unread
      queue.length = 0
    }
  }

  private async groupsOfStream(source: string): Promise<GroupRow[]> {
    await this.assertStream(source)
    const reply = await wrap({source}, () => this.conn.nodeFor(source).call('XINFO', 'GROUPS', source))
    return (reply as unknown[]).map((g) => groupRow(source, g))
  }

  /** The groups of these streams of one node: XINFO GROUPS, one pipeline. */
  private async groupsOf(node: Redis, keys: string[]): Promise<GroupRow[]> {
    const pipe = node.pipeline()
    for (const k of keys) pipe.call('XINFO', 'GROUPS', k)
    const replies = (await wrap({}, () => pipe.exec())) ?? []
    const rows: GroupRow[] = []
    for (let i = 0; i < keys.length; i++) {
      const [err, reply] = replies[i]
      if (err) continue // deleted between SCAN and XINFO
      for (const g of reply as unknown[]) rows.push(groupRow(keys[i], g))
    }
    return rows
  }

  /**
   * Adds to `plan` the oldest pending entries of each group with any (XPENDING key group - + N); `next(i)`
   * gives, once the plan has run, the id of the first entry after row i's last-delivered-id (nextIds(), which
   * looks up lagging groups only). Returns what builds row i with its times once the plan has run: a status
   * row (dlq null, the entries-added given), so that a status read builds one object per group; the other
   * reads take it as a TimedGroupRow.
   */
  private async withTimes(
    rows: GroupRow[],
    nodes: Redis[],
    pendingEntries: number,
    plan: Plan,
    next: (row: number) => string | null,
  ): Promise<(row: number, entriesAdded: number | null) => StatusRow> {
    const clocks = new Map<Redis, number>()
    for (const node of new Set(nodes)) clocks.set(node, await this.clock(node))
    // only the groups with pending entries have an XPENDING: none for most groups of a large read
    const oldest: Array<(() => unknown) | null> = new Array(rows.length).fill(null)
    for (let i = 0; i < rows.length; i++) {
      const g = rows[i]
      if (g.pending !== 0) oldest[i] = plan.add(nodes[i], ['XPENDING', g.source, g.group, '-', '+', Math.max(1, pendingEntries)])
    }
    return (i, entriesAdded) => {
      const g = rows[i]
      // read when the replies are in: ages are as of then, on the server's clock
      const now = Date.now() + clocks.get(nodes[i])!
      const entry = next(i)
      const reply = oldest[i]?.()
      const pel = (Array.isArray(reply) ? reply : null) as Array<[string, string, number, number]> | null
      const first = pel?.[0]
      let maxDeliveries: number | null = null
      if (pel) for (const e of pel) maxDeliveries = Math.max(maxDeliveries ?? 0, Number(e[3]))
      // built field by field, in one literal: a spread or fields added later are slow in V8 (µs per object)
      return {
        source: g.source,
        group: g.group,
        consumers: g.consumers,
        pending: g.pending,
        lastDeliveredId: g.lastDeliveredId,
        entriesRead: g.entriesRead,
        lag: g.lag,
        timeLagMs: entry ? age(entry, now) : null,
        oldestPendingId: first ? String(first[0]) : null,
        oldestPendingIdleMs: first ? Number(first[2]) : null,
        oldestPendingMs: first ? age(String(first[0]), now) : null,
        maxDeliveries,
        dlq: null,
        entriesAdded,
      }
    }
  }

  /**
   * The id of the first entry after a position, for each lookup (null: none asked), once the plan has run.
   * A standalone server answers a whole batch in one XREAD COUNT 1 STREAMS k1 k2 ... id1 id2 ... (a key once
   * per XREAD: a stream with several positions takes one XREAD per position); a cluster refuses keys of
   * several slots in one command, so there it is XRANGE key (id + COUNT 1 per stream and position, pipelined.
   * A key that stopped being a stream meanwhile fails its XREAD: those lookups read as none.
   */
  private nextIds(lookups: Array<{node: Redis; key: string; after: string} | null>, plan: Plan): Array<(() => string | null) | null> {
    if (this.conn.cluster) {
      const byPosition = new Map<string, () => unknown>()
      return lookups.map((l) => {
        if (!l) return null
        const id = `${l.key}\n${l.after}`
        const reply = byPosition.get(id) ?? plan.add(l.node, ['XRANGE', l.key, `(${l.after}`, '+', 'COUNT', 1])
        byPosition.set(id, reply)
        return () => {
          const entry = listReply(reply()).at(0)
          return Array.isArray(entry) ? String(entry[0]) : null
        }
      })
    }
    // rounds[n]: the n-th distinct position of each key, key -> position
    const rounds: Array<Map<string, string>> = []
    const roundOf = lookups.map((l) => {
      if (!l) return -1
      let n = 0
      for (; n < rounds.length; n++) {
        const at = rounds[n].get(l.key)
        if (at === undefined || at === l.after) break
      }
      if (n === rounds.length) rounds.push(new Map())
      rounds[n].set(l.key, l.after)
      return n
    })
    const node = this.conn.masters()[0]
    const replies = rounds.map((round) => {
      const reply = plan.add(node, ['XREAD', 'COUNT', 1, 'STREAMS', ...round.keys(), ...round.values()])
      let found: Map<string, string> | undefined
      // [[key, [[id, fields]]], ...], only the streams that have an entry after their position
      return () => {
        found ??= new Map(listReply(reply()).map((s) => [String((s as unknown[])[0]), String(((s as unknown[])[1] as unknown[][])[0][0])]))
        return found
      }
    })
    return lookups.map((l, i) => (l ? () => replies[roundOf[i]]().get(l.key) ?? null : null))
  }

  /**
   * The server's clock minus ours, in ms: read once per node per connection (TIME), as stream ids are stamped
   * by the server's clock; an age taken against this machine's clock would be off by the difference. An ACL
   * user refused TIME (it is not in @read) gets ages on this machine's clock.
   */
  private clock(node: Redis): Promise<number> {
    let offset = this.clocks.get(node)
    if (!offset) {
      offset = (async () => {
        const t0 = Date.now()
        let reply: [string, string]
        try {
          reply = (await node.call('TIME')) as [string, string]
        } catch (error) {
          if (isPermissionDenied(error)) return 0
          throw redisError(error)
        }
        const t1 = Date.now()
        return Number(reply[0]) * 1000 + Math.floor(Number(reply[1]) / 1000) - (t0 + t1) / 2
      })()
      // a failed read is not kept: the next batch asks again
      offset.catch(() => this.clocks.delete(node))
      this.clocks.set(node, offset)
    }
    return offset
  }

  async group(source: string, group: string): Promise<GroupRow> {
    for await (const g of this.groups(source)) if (g.group === group) return g
    throw new CgError('not_found', `group ${group} does not exist on stream ${source}`, `List the groups with: cg groups ${source}.`)
  }

  async consumers(source: string, group: string): Promise<ConsumerRow[]> {
    await this.assertStream(source)
    const reply = await wrap({source, group}, () => this.conn.nodeFor(source).call('XINFO', 'CONSUMERS', source, group))
    return (reply as unknown[]).map((c) => {
      const f = fields(c)
      const inactive = num(f.inactive)
      return {name: text(f.name) ?? '', pending: num(f.pending) ?? 0, idleMs: num(f.idle) ?? 0, inactiveMs: inactive === null || inactive < 0 ? null : inactive}
    })
  }

  async pendingSummary(source: string, group: string, consumer?: string): Promise<PendingSummary> {
    await this.assertStream(source)
    const node = this.conn.nodeFor(source)
    const [count, minId, maxId, perConsumer] = (await wrap({source, group}, () => node.call('XPENDING', source, group))) as [
      number,
      string | null,
      string | null,
      Array<[string, string]> | null,
    ]
    const consumers = (perConsumer ?? []).map(([name, n]) => ({name: String(name), pending: Number(n)}))
    if (consumer === undefined) return {count: Number(count), minId: minId ?? null, maxId: maxId ?? null, consumers}
    const mine = consumers.filter((c) => c.name === consumer)
    const known = (await this.consumers(source, group)).some((c) => c.name === consumer)
    if (!known)
      throw new CgError('not_found', `consumer ${consumer} does not exist in group ${group} of ${source}`, `List them with: cg consumers ${source} ${group}.`)
    const first = mine.length ? (((await node.call('XPENDING', source, group, '-', '+', 1, consumer)) as Array<[string]>)[0]?.[0] ?? null) : null
    return {count: mine[0]?.pending ?? 0, minId: first, maxId: null, consumers: mine}
  }

  /** Pages through the PEL with an exclusive start, so any size is read in bounded memory. */
  async *pendingEntries(q: PendingQuery): AsyncGenerator<PendingEntry> {
    const node = this.conn.nodeFor(q.source)
    let start = q.start ?? '-'
    const end = q.end ?? '+'
    let remaining = q.count ?? Number.POSITIVE_INFINITY
    while (remaining > 0) {
      const page = Math.min(remaining, PENDING_PAGE)
      const args: Array<string | number> = [q.source, q.group]
      if (q.minIdleMs) args.push('IDLE', q.minIdleMs)
      args.push(start, end, page)
      if (q.consumer) args.push(q.consumer)
      const rows = (await wrap(q, () => node.call('XPENDING', ...args))) as Array<[string, string, number, number]>
      for (const [id, consumer, idle, deliveries] of rows) yield {id, consumer, idleMs: Number(idle), deliveries: Number(deliveries)}
      if (rows.length < page) return
      remaining -= rows.length
      start = '(' + rows[rows.length - 1][0]
    }
  }
}

function groupRow(source: string, reply: unknown): GroupRow {
  const f = fields(reply)
  return {
    source,
    group: text(f.name) ?? '',
    consumers: num(f.consumers),
    pending: num(f.pending),
    lastDeliveredId: text(f['last-delivered-id']),
    entriesRead: num(f['entries-read']),
    lag: num(f.lag),
  }
}

/** Whether the first entry after the group's last-delivered-id is looked up: not when the group has no lag. */
function lookedUp(g: GroupRow): boolean {
  return g.lag !== 0 && g.lastDeliveredId !== null
}

/** now minus the time part of a stream id, never below 0 (an id set ahead of the clock) */
function age(id: string, now: number): number | null {
  const t = idTime(id)
  return t === null ? null : Math.max(0, Math.round(now - t))
}

/** A reply that should be a list: an error (the key or group deleted meanwhile) reads as an empty one. */
function listReply(reply: unknown): unknown[] {
  return Array.isArray(reply) ? reply : []
}

/**
 * Commands gathered from several places and sent in one round trip: one pipeline per node, the nodes in
 * parallel. add() returns the reply's getter (the reply, or the Error in its place), valid after run().
 * A lost connection fails the run; any other error reply is left to the getter.
 */
class Plan {
  private readonly byNode = new Map<Redis, Array<{args: Array<string | number>; reply: unknown}>>()

  add(node: Redis, args: Array<string | number>): () => unknown {
    const cmd = {args, reply: undefined as unknown}
    const list = this.byNode.get(node)
    if (list) list.push(cmd)
    else this.byNode.set(node, [cmd])
    return () => cmd.reply
  }

  async run(): Promise<void> {
    await Promise.all(
      [...this.byNode].map(async ([node, cmds]) => {
        const pipe = node.pipeline()
        for (const c of cmds) pipe.call(String(c.args[0]), ...c.args.slice(1))
        const replies = (await wrap({}, () => pipe.exec())) ?? []
        for (let i = 0; i < cmds.length; i++) {
          const [err, reply] = replies[i] ?? [new Error('Connection is closed.'), null]
          if (err) {
            const mapped = redisError(err)
            if (mapped instanceof CgError && (mapped.code === 'unreachable' || mapped.code === 'timeout')) throw mapped
          }
          cmds[i].reply = err ?? reply
        }
      }),
    )
    this.byNode.clear()
  }
}

/** The server's version: from INFO, else (an ACL user refused INFO) from HELLO, which every user may send. */
async function serverVersion(node: Redis): Promise<string | null> {
  try {
    return /redis_version:(\S+)/.exec(String(await node.info('server')))?.[1] ?? null
  } catch (error) {
    if (!isPermissionDenied(error)) throw redisError(error)
    const hello = (await wrap({}, () => node.call('HELLO', '2'))) as unknown[]
    const at = hello.findIndex((v) => String(v) === 'version')
    return at >= 0 ? String(hello[at + 1]) : null
  }
}
