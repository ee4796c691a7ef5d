// The Redis adapter: one connection (standalone or cluster) and the reads cg makes there. Repairs and the
// DLQ have their own I/O classes (redis-repair.ts, redis-dlq.ts) on the same connection.
import type {Redis} from 'ioredis'
import type {ConnectOptions, ServerInfo} from '../../core/driver.js'
import {CgError} from '../../errors/cg-error.js'
import type {Profile} from '../../profiles/resolve.js'
import {connectRedis, type RedisConnection} from './redis-connection.js'
import {redisError, wrap} from './redis-errors.js'
import {RedisDlq} from './redis-dlq.js'
import {RedisRepair} from './redis-repair.js'
import type {ConsumerRow, GroupQuery, GroupRow, PendingEntry, PendingQuery, PendingSummary, StatusRow, StreamsAdapter, TimedGroupRow} from './redis-types.js'
import {idTime} from './stream-id.js'
import {fields, num, text} from './replies.js'

const SCAN_COUNT = 1000
const PENDING_PAGE = 5000
/**
 * The status facts of a node's streams in one call: ARGV is, per stream, its key, a count n and n positions;
 * the reply is, per stream, XINFO STREAM's entries-added, then for each position the id of the first entry
 * after it (XRANGE key (pos + COUNT 1), ids and numbers alone, false where a read fails or finds nothing.
 * See statusFacts().
 */
const STATUS_FACTS = `#!lua flags=no-writes,allow-cross-slot-keys
local out = {}
local n = 0
local i = 1
while i <= #ARGV do
  local key = ARGV[i]
  local positions = tonumber(ARGV[i + 1])
  local info = redis.pcall('XINFO', 'STREAM', key)
  local added = false
  if not info.err then
    for j = 1, #info, 2 do
      if info[j] == 'entries-added' then added = info[j + 1] break end
    end
  end
  n = n + 1
  out[n] = added
  for p = 1, positions do
    local entries = redis.pcall('XRANGE', key, '(' .. ARGV[i + 1 + p], '+', 'COUNT', 1)
    local id = false
    if not entries.err and entries[1] then id = entries[1][1] end
    n = n + 1
    out[n] = id
  end
  i = i + 2 + positions
end
return out`
/** SCAN batches whose reads are in flight at once (groups, lag, status over every stream) */
const BATCHES_AHEAD = 4

export class RedisAdapter implements StreamsAdapter {
  readonly repair: RedisRepair
  readonly dlq: RedisDlq

  private readonly clocks = new Map<Redis, Promise<number>>()

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
    const info = String(await node.info('server'))
    const version = /redis_version:(\S+)/.exec(info)?.[1] ?? null
    return {broker: 'redis', version, mode: this.conn.cluster ? 'cluster' : 'standalone', latencyMs}
  }

  /** Fails with "not found" / "wrong type" unless the key is a stream. */
  async assertStream(key: string): Promise<void> {
    const type = await wrap({source: key}, () => this.conn.nodeFor(key).type(key))
    if (type === 'none') throw new CgError('not_found', `stream ${key} does not exist`, 'List the streams with: cg groups.')
    if (type !== 'stream') throw new CgError('wrong_type', `key ${key} is a ${type}, not a stream`, 'Name a stream key (cg groups lists them).')
  }

  /** Every stream on every master (SCAN ... TYPE stream), in batches as they are found. */
  async *streams(): AsyncGenerator<{node: Redis; keys: string[]}> {
    for (const node of this.conn.masters()) {
      let cursor = '0'
      do {
        const [next, keys] = await wrap({}, () => node.scan(cursor, 'COUNT', SCAN_COUNT, 'TYPE', 'stream'))
        cursor = next
        if (keys.length) yield {node, keys}
      } while (cursor !== '0')
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

  async *timedGroups(q: GroupQuery): AsyncGenerator<TimedGroupRow[]> {
    yield* this.eachBatch(q, async (rows) => {
      const plan = new Plan()
      const nodes = rows.map((g) => this.conn.nodeFor(g.source))
      const next = this.nextIds(
        rows.map((g, i) => (lookedUp(g) ? {node: nodes[i], key: g.source, after: g.lastDeliveredId!} : null)),
        plan,
      )
      const timed = await this.withTimes(rows, nodes, q.pendingEntries, plan, (i) => next[i]?.() ?? null)
      await plan.run()
      const out: TimedGroupRow[] = new Array(rows.length)
      for (let i = 0; i < rows.length; i++) out[i] = timed(i, null)
      return out
    })
  }

  /**
   * With no stream named, a DLQ exists when SCAN ... TYPE stream has seen its key (on whichever node owns it),
   * so the DLQs' lengths are read at the end, in one pipeline per node, and only for the DLQs that exist.
   */
  async statusRows(q: GroupQuery & {dlqOf: (stream: string) => string}): Promise<StatusRow[]> {
    const seen = q.source === undefined ? new Set<string>() : undefined
    const out: StatusRow[] = []
    const batches = this.eachBatch(
      q,
      async (rows) => {
        const plan = new Plan()
        const nodes = rows.map((g) => this.conn.nodeFor(g.source))
        const facts = this.statusFacts(rows, nodes, plan)
        const timed = await this.withTimes(rows, nodes, q.pendingEntries, plan, (i) => facts.next[i])
        await facts.read() // runs the plan: one round trip for all (two where the script is refused)
        const out: StatusRow[] = new Array(rows.length)
        for (let i = 0; i < rows.length; i++) out[i] = timed(i, facts.added[i])
        return out
      },
      seen,
    )
    for await (const rows of batches) for (const r of rows) out.push(r)
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
   * Per row, its stream's entries-added and the id of the first entry after its last-delivered-id (null: not
   * looked up, or none there), filled in by read(), which runs the plan. Entries-added is in XINFO STREAM
   * only, whose reply also carries the first and last entries, and XREAD's reply carries each entry's fields:
   * decoding those here doubled the time of a status read over 10,000 streams. So a script (read-only, Redis
   * 7.0+) reads both on the server and returns ids and numbers alone, one call per node. Where it cannot run
   * (an ACL without scripting, Redis < 7.0), XINFO STREAM per stream and the lookups of nextIds() follow in a
   * second round trip, for that node's rows.
   */
  private statusFacts(rows: GroupRow[], nodes: Redis[], plan: Plan): {added: Array<number | null>; next: Array<string | null>; read: () => Promise<void>} {
    // per node, per stream: where its entries-added is in the reply, and where the id after each position is
    const byNode = new Map<Redis, Map<string, {at: number; positions: Map<string, number>}>>()
    for (let i = 0; i < rows.length; i++) {
      const g = rows[i]
      let streams = byNode.get(nodes[i])
      if (!streams) {
        streams = new Map()
        byNode.set(nodes[i], streams)
      }
      let s = streams.get(g.source)
      if (!s) {
        s = {at: 0, positions: new Map()}
        streams.set(g.source, s)
      }
      if (lookedUp(g)) s.positions.set(g.lastDeliveredId!, 0)
    }
    const calls = new Map<Redis, () => unknown>()
    for (const [node, streams] of byNode) {
      const args: Array<string | number> = ['EVAL', STATUS_FACTS, 0]
      let at = 0
      for (const [key, s] of streams) {
        args.push(key, s.positions.size)
        s.at = at++
        for (const position of s.positions.keys()) {
          args.push(position)
          s.positions.set(position, at++)
        }
      }
      calls.set(node, plan.add(node, args))
    }
    const added: Array<number | null> = new Array(rows.length).fill(null)
    const next: Array<string | null> = new Array(rows.length).fill(null)
    const read = async () => {
      await plan.run()
      const refused: number[] = []
      for (let i = 0; i < rows.length; i++) {
        const reply = calls.get(nodes[i])!()
        if (!Array.isArray(reply)) {
          refused.push(i)
          continue
        }
        const g = rows[i]
        const s = byNode.get(nodes[i])!.get(g.source)!
        added[i] = num(reply[s.at])
        if (lookedUp(g)) next[i] = text(reply[s.positions.get(g.lastDeliveredId!)!])
      }
      if (!refused.length) return
      const fallback = new Plan()
      const infos = new Map<string, () => unknown>()
      for (const i of refused) {
        const key = rows[i].source
        if (!infos.has(key)) infos.set(key, fallback.add(nodes[i], ['XINFO', 'STREAM', key]))
      }
      const ids = this.nextIds(
        refused.map((i) => (lookedUp(rows[i]) ? {node: nodes[i], key: rows[i].source, after: rows[i].lastDeliveredId!} : null)),
        fallback,
      )
      await fallback.run()
      refused.forEach((i, n) => {
        const info = infos.get(rows[i].source)!()
        added[i] = info instanceof Error ? null : num(fields(info)['entries-added'])
        next[i] = ids[n]?.() ?? null
      })
    }
    return {added, next, read}
  }

  /**
   * The groups a query selects, batch by batch (one SCAN batch each, or the named stream), each turned into T
   * by `work`. Up to BATCHES_AHEAD batches are in flight at once, in order: the server works on one while
   * the replies of another are decoded here. The keys scanned go into `seen` when given.
   */
  private async *eachBatch<T>(q: GroupQuery, work: (rows: GroupRow[]) => Promise<T>, seen?: Set<string>): AsyncGenerator<T> {
    const select = (rows: GroupRow[]) => (q.group === undefined ? rows : rows.filter((g) => g.group === q.group))
    if (q.source !== undefined) {
      const rows = select(await this.groupsOfStream(q.source))
      if (rows.length) yield await work(rows)
      return
    }
    const queue: Array<Promise<T | null>> = []
    try {
      for await (const {node, keys} of this.streams()) {
        if (seen) for (const k of keys) seen.add(k)
        const done = this.groupsOf(node, keys).then((all) => {
          const rows = select(all)
          return rows.length ? work(rows) : null
        })
        done.catch(() => undefined) // awaited in turn below; meanwhile a failure must not go unhandled
        queue.push(done)
        if (queue.length >= BATCHES_AHEAD) {
          const r = await queue.shift()!
          if (r !== null) yield r
        }
      }
      while (queue.length) {
        const r = await queue.shift()!
        if (r !== null) yield r
      }
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
   * gives, once the plan has run, the id of the first entry after row i's last-delivered-id (nextIds() or
   * statusFacts(), which look up lagging groups only). Returns what builds row i with its times once the
   * plan has run: a status row (dlq null, the entries-added given), so that the status read builds one
   * object per group; the other reads take it as a TimedGroupRow.
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
          const e = redisError(error)
          if (e instanceof CgError && e.code === 'auth') return 0
          throw e
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
