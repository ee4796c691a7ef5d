// cg dlq replay on RabbitMQ: manual-ack consume from the DLQ (prefetch window), republish each selected
// message to x-death[0].exchange with its routing keys (or --to-exchange/--routing-key) with `mandatory`
// on a confirm channel, ack the DLQ copy only after the confirm came and no basic.return was seen;
// everything else stays in the DLQ (nack + requeue at the end). Never declares or changes a queue.
import type {ConsumeMessage} from 'amqplib'
import {checkQueue, ConfirmPublisher, exchangeExists, QueueReader} from '../../brokers/rabbitmq/rabbitmq-dlq.js'
import type {RabbitAdapter} from '../../brokers/rabbitmq/rabbitmq-types.js'
import {CgError} from '../../errors/cg-error.js'
import {batchSize, TokenBucket} from '../dlq-rate.js'
import type {WhereClause} from '../dlq-select.js'
import {type Delivery, lastDeath, majorOf, matchesWhere, publishOptions, REPLAY_ID, replayHeaders, replayIdOf, replayTarget, type Target, targetKey} from './dlq-message.js'
import {sideEffect} from './dlq-browse.js'
import {dlqHeader, resolveDlq, type DlqHeader} from './dlq-resolve.js'

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
  progress?: {add(n: number): void; done(): void}
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

export interface ReplayTotals {
  replayed: number
  skipped: number
  failed: number
  /** messages read that the filter (--where) did not select; left in the DLQ */
  notSelected: number
  /** selected messages refused because their target differs from the first one's (mixed targets) */
  refusedOtherTarget: number
  interrupted: boolean
  error: string | null
  /** the target of this run (the first selected message's, or --to-exchange) */
  target: string | null
  otherTargets: string[]
}

export interface ReplayReport extends DlqHeader {
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

/** Why a run stopped early (a lost channel): read by the variant for the exit code. */
export const stopCause = new WeakMap<ReplayTotals, unknown>()

export async function replayDlq(rabbit: RabbitAdapter, req: ReplayRequest): Promise<ReplayReport> {
  const r = await resolveDlq(rabbit, {queue: req.queue, dlq: req.dlq})
  if (r.details.type === 'stream') throw new CgError('unsupported', `${r.dlq} is a stream: replay reads dead-letter queues`, 'Streams keep their messages; there is nothing to move out.')
  const version = await rabbit.serverVersion()
  const {messageCount} = await checkQueue(rabbit, r.dlq)
  if (req.toExchange !== undefined && !(await exchangeExists(rabbit, req.toExchange))) {
    throw new CgError('not_found', `exchange ${req.toExchange} not found in vhost ${rabbit.options.vhost}`, 'cg never declares exchanges: check the name given to --to-exchange.')
  }
  const totals: ReplayTotals = {replayed: 0, skipped: 0, failed: 0, notSelected: 0, refusedOtherTarget: 0, interrupted: false, error: null, target: null, otherTargets: []}
  const base = {
    ...dlqHeader(rabbit, r),
    serverVersion: version,
    dryRun: req.dryRun,
    ready: messageCount,
    criteria: {toExchange: req.toExchange ?? null, routingKey: req.routingKey ?? null, where: req.where.map((w) => `${w.field}=${w.value.toString()}`), limit: req.limit, rate: req.rate},
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
}

interface Candidate {
  m: ConsumeMessage
  position: number
  replayId: string
  target: Target | null
  key: string | null
  selected: boolean
}

function candidate(ctx: Ctx, m: ConsumeMessage, position: number): Candidate {
  const d = m as unknown as Delivery
  // (the death's time is not needed to route or to match --where: not computed)
  const death = lastDeath(d.properties.headers, ctx.major, false)
  const selected = matchesWhere(d, death, ctx.req.where)
  const target = replayTarget(d, death, {exchange: ctx.req.toExchange, routingKey: ctx.req.routingKey})
  return {m, position, replayId: replayIdOf(d), target, key: target ? targetKey(target) : null, selected}
}

/** Reads (and puts back) the messages a run would take, and counts them per target. */
async function plan(ctx: Ctx): Promise<NonNullable<ReplayReport['plan']>> {
  const reader = new QueueReader(ctx.rabbit, ctx.dlq, {prefetch: ctx.req.prefetch ?? 1000, max: ctx.ready, idleMs: 1500, signal: ctx.req.signal})
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
      if (!t) targets.set(c.key, (t = {target: c.key, exchange: c.target.exchange, exchangeExists: true, count: 0, routingKeys: [], firstMessageIds: []}))
      t.count++
      if (t.routingKeys.length < 10 && !t.routingKeys.includes(c.target.routingKey)) t.routingKeys.push(c.target.routingKey)
      if (t.firstMessageIds.length < 5) t.firstMessageIds.push((m.properties.messageId as string | undefined) ?? c.replayId)
    }
  } finally {
    await reader.finish()
  }
  for (const t of targets.values()) t.exchangeExists = await exchangeExists(ctx.rabbit, t.exchange)
  const list = [...targets.values()].sort((a, b) => b.count - a.count)
  return {read: reader.count, selected, notSelected, noTarget, mixedTargets: list.length > 1 && ctx.req.toExchange === undefined, targets: list, sideEffect: sideEffect(ctx.type, ctx.deliveryLimit, reader.count)}
}

async function* execute(ctx: Ctx, totals: ReplayTotals): AsyncGenerator<ReplayOutcome> {
  const {req} = ctx
  const prefetch = req.prefetch ?? REPLAY_PREFETCH
  const reader = new QueueReader(ctx.rabbit, ctx.dlq, {prefetch, max: ctx.ready, idleMs: 2000, signal: req.signal})
  const publisher = new ConfirmPublisher(ctx.rabbit, REPLAY_ID)
  const exchanges = new Map<string, boolean>()
  const other = new Set<string>()
  const username = ctx.rabbit.options.username
  let selected = 0

  const outcome = (c: Candidate, status: ReplayOutcome['status'], note: string | null): ReplayOutcome => ({
    position: c.position,
    messageId: (c.m.properties.messageId as string | undefined) ?? null,
    replayId: c.replayId,
    target: c.key,
    routingKey: c.target?.routingKey ?? null,
    status,
    note,
  })

  // Publishes are pipelined: each message is published as it arrives and settled (ack, or left for the
  // requeue at the end) when its confirm comes; the consumer prefetch bounds what is in flight.
  const bucket = req.rate ? new TokenBucket(req.rate, batchSize(req.rate)) : null
  let finished: ReplayOutcome[] = []
  const count = (o: ReplayOutcome) => {
    totals[o.status]++
    return o
  }
  // publishes whose confirm (and, for a failed one, its leave()) has not come yet; `idle` wakes the
  // final wait when the last one settles
  let pending = 0
  let idle: (() => void) | undefined
  const settled = () => {
    req.progress?.add(1)
    if (--pending === 0) idle?.()
  }
  const publish = (c: Candidate) => {
    const t = c.target!
    const d = c.m as unknown as Delivery
    const headers = replayHeaders(d, c.replayId)
    pending++
    publisher.send(t.exchange, t.routingKey, d.content, publishOptions(d, headers, t.cc), c.replayId, (res) => {
      if (res.ok) {
        reader.ack(c.m)
        finished.push(outcome(c, 'replayed', null))
        settled()
        return
      }
      void reader.leave(c.m).then(() => {
        finished.push(outcome(c, 'failed', `${res.note}; left in the DLQ`))
        settled()
      }, settled)
    })
  }

  // hands out the settled outcomes in the order of their confirms (a batch at a time: no shift() per entry)
  function* drain(): Generator<ReplayOutcome> {
    while (finished.length) {
      const batch = finished
      finished = []
      for (const o of batch) yield count(o)
    }
  }

  try {
    await reader.start()
    await publisher.open()
    if (req.toExchange !== undefined) totals.target = targetKey({exchange: req.toExchange, routingKey: req.routingKey ?? '', cc: []})
    for (;;) {
      if (req.limit !== null && selected >= req.limit) break
      const m = reader.take() ?? (await reader.next())
      if (!m) {
        if (req.signal.aborted) totals.interrupted = true
        break
      }
      const c = candidate(ctx, m, reader.count)
      if (!c.selected) {
        totals.notSelected++
        await reader.leave(m)
        continue
      }
      selected++
      let skip: {status: 'skipped' | 'failed'; note: string} | null = null
      if (!c.target || c.key === null) skip = {status: 'skipped', note: 'no x-death header says where it came from (give --to-exchange); left in the DLQ'}
      else {
        if (req.toExchange === undefined) {
          totals.target ??= c.key
          if (c.key !== totals.target) {
            other.add(c.key)
            totals.refusedOtherTarget++
            skip = {status: 'skipped', note: `refused: target ${c.key} differs from ${totals.target} (mixed targets: choose one with --where or --to-exchange); left in the DLQ`}
          }
        }
        if (!skip) {
          let exists = exchanges.get(c.target.exchange)
          if (exists === undefined) exchanges.set(c.target.exchange, (exists = await exchangeExists(ctx.rabbit, c.target.exchange)))
          if (!exists) skip = {status: 'failed', note: `exchange ${c.target.exchange} not found (cg never declares it); left in the DLQ`}
          else if (c.m.properties.userId !== undefined && c.m.properties.userId !== username) {
            skip = {status: 'failed', note: `its user-id property ${c.m.properties.userId} is not the replaying user ${username}: the broker would refuse the publish; left in the DLQ`}
          }
        }
      }
      if (skip) {
        await reader.leave(m)
        yield count(outcome(c, skip.status, skip.note))
        continue
      }
      if (bucket && !(await bucket.take(1, req.signal))) {
        totals.interrupted = true
        await reader.leave(m)
        break
      }
      const full = publisher.full
      if (full) await full
      publish(c)
      if (finished.length) yield* drain()
      if (publisher.lost) throw publisher.lost
    }
    while (pending > 0) await new Promise<void>((resolve) => (idle = resolve))
    idle = undefined
    yield* drain()
    if (publisher.lost) throw publisher.lost
  } catch (error) {
    totals.error = (error as Error).message
    stopCause.set(totals, error)
  } finally {
    totals.otherTargets = [...other]
    req.progress?.done()
    // anything not acked (left, unsent after Ctrl-C, prefetched but unread) goes back to the DLQ
    await reader.finish()
    await publisher.close()
  }
}
