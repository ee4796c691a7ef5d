// cg dlq replay on RabbitMQ: manual-ack consume from the DLQ (prefetch window), republish each selected
// message to x-death[0].exchange with its routing keys (or --to-exchange/--routing-key) with `mandatory`
// on a confirm channel, ack the DLQ copy only after the confirm came and no basic.return was seen;
// everything else stays in the DLQ (nack + requeue at the end). Never declares or changes a queue.
import type {ConsumeMessage} from 'amqplib'
import type {OpRequest, Progress} from '../../core/requests.js'
import {bulkEnd, type BulkEnd, type DlqReplayResult} from '../../core/results.js'
import {CgError, usage} from '../../errors/cg-error.js'
import {bulkCounts, runBulk} from '../../services/bulk.js'
import {parseRate, parseWhere, type WhereClause} from '../../services/dlq-select.js'
import {optionalName} from './rabbitmq-args.js'
import {sideEffect} from './rabbitmq-dlq-browse.js'
import {ConfirmPublisher, type PublishResult, QueueReader} from './rabbitmq-dlq-io.js'
import {requireWrite} from './rabbitmq-permissions.js'
import {checkQueue, exchangeExists} from './rabbitmq-reads.js'
import {
  amendedProperties,
  type Delivery,
  lastDeath,
  majorOf,
  matchesWhere,
  publishOptions,
  rawReplayId,
  type RawRoute,
  rawRouteOf,
  RAW_PROPERTIES,
  REPLAY_ID,
  replayCountOf,
  replayHeaders,
  replayIdOf,
  replayTarget,
  type Target,
  targetKey,
} from './rabbitmq-dlq-message.js'
import {dlqHeader, resolveDlq, type DlqHeader} from './rabbitmq-dlq-resolve.js'
import type {RabbitAdapter} from './rabbitmq-types.js'

export interface ReplayRequest {
  queue?: string
  dlq?: string
  toExchange?: string
  routingKey?: string
  where: WhereClause[]
  limit: number | null
  rate: number | null
  dryRun: boolean
  signal: AbortSignal
  progress?: Progress
  /** consumer prefetch of a replay (default REPLAY_PREFETCH; a dry run reads with 1000) */
  prefetch?: number
}

export interface ReplayOutcome {
  position: number
  messageId: string | null
  replayId: string
  target: string | null
  routingKey: string | null
  status: 'replayed' | 'skipped' | 'failed'
  note: string | null
}

export interface TargetPlan {
  target: string
  exchange: string
  exchangeExists: boolean
  count: number
  routingKeys: string[]
  firstMessageIds: string[]
}

export interface ReplayTotals extends BulkEnd {
  replayed: number
  /** messages with nothing saying where they came from (no x-death, no --to-exchange); left in the DLQ */
  skipped: number
  /** messages not replayed: returned, nacked, refused (mixed targets), or their exchange is missing; left in the DLQ */
  failed: number
  /** messages read that the filter (--where) did not select; left in the DLQ */
  notSelected: number
  /** selected messages refused because their target differs from the first one's (mixed targets; counted in failed) */
  refusedOtherTarget: number
  /** the target of this run (the first selected message's, or --to-exchange) */
  target: string | null
  otherTargets: string[]
}

export interface ReplayReport extends DlqHeader, DlqReplayResult {
  serverVersion: string
  dryRun: boolean
  ready: number
  criteria: {toExchange: string | null; routingKey: string | null; where: string[]; limit: number | null; rate: number | null}
  plan: null | {
    read: number
    selected: number
    notSelected: number
    noTarget: number
    mixedTargets: boolean
    targets: TargetPlan[]
    sideEffect: string
  }
  entries: AsyncIterable<ReplayOutcome> | ReplayOutcome[]
  /** complete once `entries` has been read */
  totals: ReplayTotals
}

/**
 * A replay's consumer prefetch: deliveries in flight while their publishes wait for confirms (the round
 * trip deliver -> publish -> confirm -> ack). With the shovel's 1000 both cg and the broker sat idle part
 * of the time; 5000 replayed 50,000 messages ~10% faster on a 2-core machine, 10,000 no faster.
 */
const REPLAY_PREFETCH = 5000
/**
 * The window of a replay's first consumer, until the first message's target was checked (its exchange and
 * the write permission, replies on the same connection): with the full window they waited behind 5000
 * deliveries (~2.8 MB on the benchmark's messages).
 */
const FIRST_WINDOW = 256

export async function replayOp(rabbit: RabbitAdapter, req: OpRequest<'dlq:replay'>): Promise<ReplayReport> {
  const f = req.flags
  if (f['routing-key'] !== undefined && f['to-exchange'] === undefined)
    throw usage(
      '--routing-key needs --to-exchange',
      'Give both, e.g. --to-exchange orders --routing-key order.created (use --to-exchange "" for the default exchange).',
    )
  const queue = optionalName(req.args[0], 'QUEUE')
  const dlq = optionalName(f.dlq, '--dlq')
  const dryRun = Boolean(f['dry-run'])
  return replayDlq(rabbit, {
    queue,
    dlq,
    toExchange: optionalName(f['to-exchange'], '--to-exchange'),
    routingKey: optionalName(f['routing-key'], '--routing-key'),
    where: parseWhere(f.where),
    limit: f.limit ?? null,
    rate: parseRate(f.rate),
    dryRun,
    signal: req.run.signal,
    progress: dryRun ? undefined : req.run.progress('replaying ' + (dlq ?? queue ?? '')),
  })
}

export async function replayDlq(rabbit: RabbitAdapter, req: ReplayRequest): Promise<ReplayReport> {
  const r = await resolveDlq(rabbit, {queue: req.queue, dlq: req.dlq})
  if (r.details.type === 'stream')
    throw new CgError('unsupported', `${r.dlq} is a stream: replay reads dead-letter queues`, 'Streams keep their messages; there is nothing to move out.')
  const version = await rabbit.serverVersion()
  const {messageCount} = await checkQueue(rabbit, r.dlq)
  if (req.toExchange !== undefined && !(await exchangeExists(rabbit, req.toExchange))) {
    throw new CgError(
      'not_found',
      `exchange ${req.toExchange} not found in vhost ${rabbit.options.vhost}`,
      'cg never declares exchanges: check the name given to --to-exchange.',
    )
  }
  // a user without write permission on the target is refused here, before a message is read
  if (req.toExchange !== undefined && !req.dryRun) await requireWrite(rabbit, 'exchange', req.toExchange, `replay ${r.dlq} to ${exchangeName(req.toExchange)}`)
  const totals: ReplayTotals = {replayed: 0, ...bulkEnd(), notSelected: 0, refusedOtherTarget: 0, target: null, otherTargets: []}
  const base = {
    ...dlqHeader(rabbit, r),
    serverVersion: version,
    dryRun: req.dryRun,
    ready: messageCount,
    criteria: {
      toExchange: req.toExchange ?? null,
      routingKey: req.routingKey ?? null,
      where: req.where.map((w) => `${w.field}=${w.value.toString()}`),
      limit: req.limit,
      rate: req.rate,
    },
  }
  const ctx = {rabbit, req, dlq: r.dlq, major: majorOf(version), ready: messageCount, type: r.details.type, deliveryLimit: r.details.deliveryLimit}
  if (req.dryRun) return {...base, plan: await plan(ctx), entries: [], totals}
  return {...base, plan: null, entries: execute(ctx, totals), totals}
}

interface Ctx {
  rabbit: RabbitAdapter
  req: ReplayRequest
  dlq: string
  major: number
  ready: number
  type: string | null
  deliveryLimit: number | null
  /** the route of the last message read from its content header, and the target made of it */
  lastRoute?: {death: RawRoute['death']; hasCc: boolean; target: Target | null}
}

interface Candidate {
  m: ConsumeMessage
  position: number
  replayId: string
  target: Target | null
  key: string | null
  selected: boolean
  /** cg's replay count on the DLQ copy, when read from its content header (else from the decoded headers) */
  replayCount: number | null
  /** its content header's table has none of cg's headers (read from it; false when not known) */
  noCgKeys: boolean
}

function candidate(ctx: Ctx, m: ConsumeMessage, position: number): Candidate {
  const d = m as unknown as Delivery
  const override = {exchange: ctx.req.toExchange, routingKey: ctx.req.routingKey}
  // without --where, the route is read from the content header as it came: the headers are not decoded
  const raw = ctx.req.where.length === 0 ? (d.properties as Record<symbol, unknown>)[RAW_PROPERTIES] : undefined
  const route = Buffer.isBuffer(raw) ? rawRouteOf(raw) : null
  if (route) {
    // (the messages of a DLQ mostly share their route: then their target is the same object too)
    const same = ctx.lastRoute?.death === route.death && ctx.lastRoute.hasCc === route.hasCc
    const target = same ? ctx.lastRoute!.target : replayTarget(d, route.death, override, route.hasCc)
    if (!same) ctx.lastRoute = {death: route.death, hasCc: route.hasCc, target}
    // (the table was read once here: the id and the splice do not read it again)
    const replayId = route.asIs ? rawReplayId(raw as Buffer, d.content, true)! : replayIdOf(d)
    return {m, position, replayId, target, key: target ? targetKey(target) : null, selected: true, replayCount: route.replayCount, noCgKeys: route.noCgKeys}
  }
  // (the death's time is not needed to route or to match --where: not computed)
  const death = lastDeath(d.properties.headers, ctx.major, false)
  const selected = matchesWhere(d, death, ctx.req.where)
  const target = replayTarget(d, death, override)
  return {m, position, replayId: replayIdOf(d), target, key: target ? targetKey(target) : null, selected, replayCount: null, noCgKeys: false}
}

/** Reads (and puts back) the messages a run would take, and counts them per target. */
async function plan(ctx: Ctx): Promise<NonNullable<ReplayReport['plan']>> {
  const reader = new QueueReader(ctx.rabbit, ctx.dlq, {
    prefetch: ctx.req.prefetch ?? 1000,
    max: ctx.ready,
    idleMs: 1500,
    signal: ctx.req.signal,
    rawProperties: true,
  })
  const targets = new Map<string, TargetPlan>()
  let selected = 0
  let notSelected = 0
  let noTarget = 0
  await reader.start()
  try {
    for (;;) {
      if (ctx.req.limit !== null && selected >= ctx.req.limit) break
      const m = await reader.next()
      if (!m) break
      const c = candidate(ctx, m, reader.count)
      await reader.leave(m)
      if (!c.selected) {
        notSelected++
        continue
      }
      selected++
      if (!c.target || !c.key) {
        noTarget++
        continue
      }
      let t = targets.get(c.key)
      if (!t) {
        t = {target: c.key, exchange: c.target.exchange, exchangeExists: true, count: 0, routingKeys: [], firstMessageIds: []}
        targets.set(c.key, t)
      }
      t.count++
      if (t.routingKeys.length < 10 && !t.routingKeys.includes(c.target.routingKey)) t.routingKeys.push(c.target.routingKey)
      if (t.firstMessageIds.length < 5) t.firstMessageIds.push((m.properties.messageId as string | undefined) ?? c.replayId)
    }
  } finally {
    await reader.finish()
  }
  for (const t of targets.values()) t.exchangeExists = await exchangeExists(ctx.rabbit, t.exchange)
  const list = [...targets.values()].sort((a, b) => b.count - a.count)
  return {
    read: reader.count,
    selected,
    notSelected,
    noTarget,
    mixedTargets: list.length > 1 && ctx.req.toExchange === undefined,
    targets: list,
    sideEffect: sideEffect(ctx.type, ctx.deliveryLimit, reader.count),
  }
}

/**
 * The replay through the bulk runner. Publishes are pipelined: each message is published as it arrives
 * and settled (acked, or left for the requeue at the end) when its confirm comes; a step hands back the
 * outcomes settled so far, and the publishes in flight are bounded by the step's budget (the limit left,
 * and at most a prefetch window). Under --rate a step publishes its batch and waits for every confirm.
 * Stopping between steps loses nothing: whatever is not acked goes back to the DLQ at the end.
 */
async function* execute(ctx: Ctx, totals: ReplayTotals): AsyncGenerator<ReplayOutcome> {
  const {req} = ctx
  const prefetch = req.prefetch ?? REPLAY_PREFETCH
  const reader = new QueueReader(ctx.rabbit, ctx.dlq, {
    prefetch,
    firstPrefetch: FIRST_WINDOW,
    max: ctx.ready,
    idleMs: 2000,
    signal: req.signal,
    rawProperties: true,
  })
  const publisher = new ConfirmPublisher(ctx.rabbit, REPLAY_ID)
  const exchanges = new Map<string, boolean>()
  const other = new Set<string>()
  const username = ctx.rabbit.options.username
  // the runner stops between steps on this: after Ctrl-C, once every publish in flight has settled
  const stop = new AbortController()
  let started = false
  let readerDone = false
  let inflight = 0
  let settled: ReplayOutcome[] = []
  let wake: (() => void) | undefined

  const outcome = (c: Candidate, status: ReplayOutcome['status'], note: string | null): ReplayOutcome => ({
    position: c.position,
    messageId: (c.m.properties.messageId as string | undefined) ?? null,
    replayId: c.replayId,
    target: c.key,
    routingKey: c.target?.routingKey ?? null,
    status,
    note,
  })
  /** wakes the step waiting for a settlement (or, see reader.arrival, a delivery) */
  const rouse = () => {
    const w = wake
    wake = undefined
    w?.()
  }
  const land = (o: ReplayOutcome) => {
    inflight--
    settled.push(o)
    rouse()
  }
  const publish = (c: Candidate) => {
    const t = c.target!
    const d = c.m as unknown as Delivery
    inflight++
    const settle = (res: PublishResult) => {
      if (res.ok) {
        reader.ack(c.m)
        land(outcome(c, 'replayed', null))
        return
      }
      const failed = outcome(c, 'failed', `${res.note}; left in the DLQ`)
      void reader.leave(c.m).then(
        () => land(failed),
        () => land(failed),
      )
    }
    // the usual case: the DLQ copy's content header passed through with cg's headers spliced into its
    // table, the body as it came (no CC to add: a CC header would have to be encoded)
    const raw = (d.properties as Record<symbol, unknown>)[RAW_PROPERTIES]
    if (raw !== undefined && t.cc.length === 0 && publisher.passThrough) {
      const stamp = {
        count: (c.replayCount ?? replayCountOf(d.properties.headers)) + 1,
        replayId: c.replayId,
        at: Math.floor(Date.now() / 1000),
        possibleDuplicate: d.fields.redelivered,
      }
      const props = amendedProperties(raw as Buffer, stamp, c.noCgKeys)
      if (props && publisher.sendAmended(t.exchange, t.routingKey, props, d.content, c.replayId, settle)) return
    }
    publisher.send(t.exchange, t.routingKey, d.content, publishOptions(d, replayHeaders(d, c.replayId), t.cc), c.replayId, settle)
  }

  /** Why a selected message is not published (skipped or failed), or null: it goes out. */
  const refusal = (c: Candidate): {status: 'skipped' | 'failed'; note: string} | null => {
    if (!c.target || c.key === null) return {status: 'skipped', note: 'no x-death header says where it came from (give --to-exchange); left in the DLQ'}
    if (req.toExchange === undefined) {
      totals.target ??= c.key
      if (c.key !== totals.target) {
        other.add(c.key)
        totals.refusedOtherTarget++
        return {
          status: 'failed',
          note: `refused: target ${c.key} differs from ${totals.target} (mixed targets: choose one with --where or --to-exchange); left in the DLQ`,
        }
      }
    }
    if (!exchanges.get(c.target.exchange)) return {status: 'failed', note: `exchange ${c.target.exchange} not found (cg never declares it); left in the DLQ`}
    if (c.m.properties.userId !== undefined && c.m.properties.userId !== username) {
      return {
        status: 'failed',
        note: `its user-id property ${c.m.properties.userId} is not the replaying user ${username}: the broker would refuse the publish; left in the DLQ`,
      }
    }
    return null
  }
  const dispatch = (c: Candidate): boolean | Promise<boolean> => {
    const no = refusal(c)
    if (no) {
      return reader.leave(c.m).then(() => {
        settled.push(outcome(c, no.status, no.note))
        return no.status === 'failed'
      })
    }
    const full = publisher.full
    if (full) {
      return full.then(() => {
        publish(c)
        return true
      })
    }
    publish(c)
    return true
  }
  /**
   * One delivery: published (true: it used the step's budget), settled at once as skipped or failed, or left
   * unselected. The usual case (a known exchange, room to write) returns at once, without a promise.
   */
  const admitOne = (m: ConsumeMessage): boolean | Promise<boolean> => {
    const c = candidate(ctx, m, reader.count)
    if (!c.selected) {
      totals.notSelected++
      return reader.leave(m).then(() => false)
    }
    const exchange = c.target?.exchange
    if (exchange !== undefined && !exchanges.has(exchange)) {
      // (write permission on a target is checked once, before its first publish: a refusal stops the run, and
      // what was read goes back to the DLQ)
      return exchangeExists(ctx.rabbit, exchange)
        .then(async (exists) => {
          if (exists) await requireWrite(ctx.rabbit, 'exchange', exchange, `replay ${ctx.dlq} to ${exchangeName(exchange)}`)
          exchanges.set(exchange, exists)
        })
        .then(() => dispatch(c))
    }
    return dispatch(c)
  }
  /** The first delivery's admission (and its target's checks) done, the reader takes its full window. */
  const admit = (m: ConsumeMessage): boolean | Promise<boolean> => {
    const r = admitOne(m)
    if (reader.widened) return r
    return Promise.resolve(r).then(async (used) => {
      await reader.widen()
      return used
    })
  }
  const drain = (): ReplayOutcome[] => {
    const out = settled
    settled = []
    return out
  }
  const settlement = () => new Promise<void>((resolve) => (wake = resolve))
  // a delivery that arrives while the step waits for confirms is published then, not at the next confirm
  // (confirms come on the same connection as the deliveries, behind them)
  reader.arrival = rouse
  // after Ctrl-C nothing more is taken: what is in flight settles, the rest stays in the DLQ
  const reading = () => !readerDone && !req.signal.aborted
  /** the end of the messages: null, or (after Ctrl-C) an empty step that lets the runner see the stop */
  const end = (): ReplayOutcome[] | null => {
    if (!req.signal.aborted) return null
    stop.abort()
    return []
  }

  const step = async (max: number): Promise<ReplayOutcome[] | null> => {
    if (!started) {
      started = true
      // (the publish channel first: its replies would otherwise come after the first window's deliveries)
      await publisher.open()
      await reader.start()
      if (req.toExchange !== undefined) totals.target = targetKey({exchange: req.toExchange, routingKey: req.routingKey ?? '', cc: []})
    }
    let budget = max - inflight
    if (req.rate !== null) {
      // a rate-sized batch: publish it whole, then wait for every confirm
      while (budget > 0 && reading()) {
        const m = reader.take() ?? (await reader.next())
        if (!m) readerDone = true
        else if (await admit(m)) budget--
      }
      while (inflight > 0) await settlement()
      if (publisher.lost) throw publisher.lost
      return settled.length ? drain() : reading() ? [] : end()
    }
    for (;;) {
      if (publisher.lost) throw publisher.lost
      // publish what has arrived, within the budget
      while (budget > 0 && reading()) {
        const m = reader.take()
        if (!m) break
        const r = admit(m)
        if (typeof r === 'boolean' ? r : await r) budget--
      }
      if (settled.length) return drain()
      if (inflight > 0) await settlement()
      else if (!reading()) return end()
      else {
        // nothing in flight: wait for the next delivery (null: the messages of the run are all read)
        const m = await reader.next()
        if (!m) readerDone = true
        else if (await admit(m)) budget--
      }
    }
  }

  const counts = bulkCounts()
  try {
    yield* runBulk<ReplayOutcome>(
      {
        step,
        status: (o) => (o.status === 'replayed' ? 'done' : o.status),
        limit: req.limit,
        rate: req.rate,
        batch: req.rate === null ? prefetch : undefined,
        signal: stop.signal,
        progress: req.progress,
      },
      counts,
    )
  } finally {
    Object.assign(totals, {
      replayed: counts.done,
      skipped: counts.skipped,
      failed: counts.failed,
      interrupted: counts.interrupted,
      error: counts.error,
      errorCode: counts.errorCode,
      otherTargets: [...other],
    })
    // anything not acked (left, unsent after Ctrl-C, prefetched but unread) goes back to the DLQ
    await reader.finish()
    await publisher.close()
  }
}

/** "exchange X", or "the default exchange" for "" */
function exchangeName(exchange: string): string {
  return exchange === '' ? 'the default exchange' : `exchange ${exchange}`
}
