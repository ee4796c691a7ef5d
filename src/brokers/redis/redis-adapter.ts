// The Redis adapter: one connection (standalone or cluster) and the reads cg makes there. Repairs and the
// DLQ have their own I/O classes (redis-repair.ts, redis-dlq.ts) on the same connection.
import type {Redis} from 'ioredis'
import type {ConnectOptions, ServerInfo} from '../../core/driver.js'
import {CgError} from '../../errors/cg-error.js'
import type {Profile} from '../../profiles/resolve.js'
import {connectRedis, type RedisConnection} from './redis-connection.js'
import {wrap} from './redis-errors.js'
import {RedisDlq} from './redis-dlq.js'
import {RedisRepair} from './redis-repair.js'
import type {ConsumerRow, GroupRow, LagRow, PendingEntry, PendingQuery, PendingSummary, StreamsAdapter} from './redis-types.js'
import {fields, num, text} from './replies.js'

const SCAN_COUNT = 1000
const PENDING_PAGE = 5000

export class RedisAdapter implements StreamsAdapter {
  readonly repair: RedisRepair
  readonly dlq: RedisDlq

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

  async *groups(source?: string): AsyncGenerator<GroupRow> {
    if (source !== undefined) {
      await this.assertStream(source)
      const reply = await wrap({source}, () => this.conn.nodeFor(source).call('XINFO', 'GROUPS', source))
      yield* (reply as unknown[]).map((g) => groupRow(source, g))
      return
    }
    for await (const {node, keys} of this.streams()) {
      const pipe = node.pipeline()
      for (const k of keys) pipe.call('XINFO', 'GROUPS', k)
      const replies = (await pipe.exec()) ?? []
      for (let i = 0; i < keys.length; i++) {
        const [err, reply] = replies[i]
        if (err) continue // deleted between SCAN and XINFO
        for (const g of reply as unknown[]) yield groupRow(keys[i], g)
      }
    }
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

  async *lag(group?: string, source?: string): AsyncGenerator<LagRow> {
    let batch: GroupRow[] = []
    const flush = async function* (this: RedisAdapter): AsyncGenerator<LagRow> {
      const byNode = new Map<Redis, GroupRow[]>()
      for (const g of batch) {
        const node = this.conn.nodeFor(g.source)
        byNode.set(node, [...(byNode.get(node) ?? []), g])
      }
      for (const [node, rows] of byNode) {
        const pipe = node.pipeline()
        for (const g of rows) pipe.call('XPENDING', g.source, g.group, '-', '+', 1)
        const replies = (await pipe.exec()) ?? []
        for (let i = 0; i < rows.length; i++) {
          const [err, reply] = replies[i]
          const first = !err && Array.isArray(reply) && reply.length ? (reply[0] as [string, string, number, number]) : null
          const g = rows[i]
          yield {
            source: g.source,
            group: g.group,
            lag: g.lag,
            pending: g.pending,
            oldestPendingId: first ? String(first[0]) : null,
            oldestPendingIdleMs: first ? Number(first[2]) : null,
          }
        }
      }
      batch = []
    }
    for await (const g of this.groups(source)) {
      if (group !== undefined && g.group !== group) continue
      batch.push(g)
      if (batch.length >= 500) yield* flush.call(this)
    }
    if (batch.length) yield* flush.call(this)
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
