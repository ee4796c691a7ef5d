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
      await this.assertStream(source)
      const reply = await wrap({source}, () => this.conn.nodeFor(source).call('XINFO', 'GROUPS', source))
      yield (reply as unknown[]).map((g) => groupRow(source, g))
      return
    }
    for await (const {node, keys} of this.streams()) {
      const pipe = node.pipeline()
      for (const k of keys) pipe.call('XINFO', 'GROUPS', k)
      const replies = (await wrap({}, () => pipe.exec())) ?? []
      const rows: GroupRow[] = []
      for (let i = 0; i < keys.length; i++) {
        const [err, reply] = replies[i]
        if (err) continue // deleted between SCAN and XINFO
        for (const g of reply as unknown[]) rows.push(groupRow(keys[i], g))
      }
      if (rows.length) yield rows
    }
  }

  async *groups(source?: string): AsyncGenerator<GroupRow> {
    for await (const batch of this.groupBatches(source)) yield* batch
  }

  async *timedGroups(q: GroupQuery): AsyncGenerator<TimedGroupRow[]> {
    for await (const rows of this.selected(q)) {
      const plan = new Plan()
      const timed = await this.withTimes(rows, q.pendingEntries, plan)
      await plan.run()
      yield timed.map((t) => t())
    }
  }

  async *statusRows(q: GroupQuery & {dlqOf: (stream: string) => string}): AsyncGenerator<StatusRow[]> {
    for await (const rows of this.selected(q)) {
      const plan = new Plan()
      const timed = await this.withTimes(rows, q.pendingEntries, plan)
      // per stream: XINFO STREAM (entries-added) on its node, EXISTS + XLEN of its DLQ on the DLQ's node
      const streams = new Map<string, () => {dlq: StatusRow['dlq']; entriesAdded: number | null}>()
      for (const g of rows) {
        if (streams.has(g.source)) continue
        const node = this.conn.nodeFor(g.source)
        const dlq = q.dlqOf(g.source)
        const dlqNode = this.conn.nodeFor(dlq)
        const info = plan.add(node, ['XINFO', 'STREAM', g.source])
        const exists = plan.add(dlqNode, ['EXISTS', dlq])
        const length = plan.add(dlqNode, ['XLEN', dlq])
        streams.set(g.source, () => ({
          // a key of another type under the DLQ's name is not a DLQ: XLEN fails on it
          dlq: Number(exists()) > 0 && !(length() instanceof Error) ? {name: dlq, depth: Number(length())} : null,
          entriesAdded: info() instanceof Error ? null : num(fields(info())['entries-added']),
        }))
      }
      await plan.run()
      yield timed.map((t, i) => ({...t(), ...streams.get(rows[i].source)!()}))
    }
  }

  /** The batches of groups a query selects (empty batches left out). */
  private async *selected(q: GroupQuery): AsyncGenerator<GroupRow[]> {
    for await (const batch of this.groupBatches(q.source)) {
      const rows = q.group === undefined ? batch : batch.filter((g) => g.group === q.group)
      if (rows.length) yield rows
    }
  }

  /**
   * Adds to `plan` what the times of these groups take: the first entry after each lagging group's
   * last-delivered-id (XRANGE key (id + COUNT 1) and the oldest pending entries of each group with any
   * (XPENDING key group - + N); groups with lag 0 and no pending entries cost nothing. Returns, per row, the
   * row with its times once the plan has run.
   */
  private async withTimes(rows: GroupRow[], pendingEntries: number, plan: Plan): Promise<Array<() => TimedGroupRow>> {
    const nodes = rows.map((g) => this.conn.nodeFor(g.source))
    const clocks = new Map<Redis, number>()
    for (const node of new Set(nodes)) clocks.set(node, await this.clock(node))
    return rows.map((g, i) => {
      const node = nodes[i]
      const next = g.lag !== 0 && g.lastDeliveredId !== null ? plan.add(node, ['XRANGE', g.source, `(${g.lastDeliveredId}`, '+', 'COUNT', 1]) : null
      const oldest = g.pending !== 0 ? plan.add(node, ['XPENDING', g.source, g.group, '-', '+', Math.max(1, pendingEntries)]) : null
      return () => {
        // read when the replies are in: ages are as of then, on the server's clock
        const now = Date.now() + clocks.get(node)!
        const entry = next ? (listReply(next())[0] as [string] | undefined) : undefined
        const pel = (oldest ? listReply(oldest()) : []) as Array<[string, string, number, number]>
        const first = pel[0]
        return {
          ...g,
          timeLagMs: entry ? age(String(entry[0]), now) : null,
          oldestPendingId: first ? String(first[0]) : null,
          oldestPendingIdleMs: first ? Number(first[2]) : null,
          oldestPendingMs: first ? age(String(first[0]), now) : null,
          maxDeliveries: pel.length ? Math.max(...pel.map((e) => Number(e[3]))) : null,
        }
      }
    })
  }

  /**
   * The server's clock minus ours, in ms: read once per node per connection (TIME), as stream ids are stamped
   * by the server's clock; an age taken against this machine's clock would be off by the difference.
   */
  private clock(node: Redis): Promise<number> {
    let offset = this.clocks.get(node)
    if (!offset) {
      offset = (async () => {
        const t0 = Date.now()
        const [sec, usec] = (await wrap({}, () => node.call('TIME'))) as [string, string]
        const t1 = Date.now()
        return Number(sec) * 1000 + Math.floor(Number(usec) / 1000) - (t0 + t1) / 2
      })()
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
