// How RabbitMQ results read in a terminal: one table style (src/output/ui.ts), the common wording of
// src/output/wording.ts. The views name queues as RabbitMQ people do (QUEUE, READY, UNACKED).
import type {Operation} from '../../core/operations.js'
import {duration, type Ui} from '../../output/ui.js'
import type {HumanView} from '../../output/view-types.js'
import {bulkEnding, counts, dryRun} from '../../output/wording.js'
import type {ConnectionPlan} from './rabbitmq-connection-plan.js'
import type {BrowseReport} from './rabbitmq-dlq-browse.js'
import type {PurgeReport} from './rabbitmq-dlq-purge.js'
import type {ReplayOutcome, ReplayReport} from './rabbitmq-dlq-replay.js'
import type {
  ConsumerRow,
  DeadLetter,
  PendingChannel,
  QueueCounts,
  RabbitConsumersResult,
  RabbitGroupRow,
  RabbitGroupsResult,
  RabbitLagRow,
  RabbitLagResult,
  RabbitPendingResult,
  Source,
} from './rabbitmq-inspect.js'
import type {RabbitClaimResult, RabbitConsumerDeleteResult} from './rabbitmq-repair.js'
import type {StreamConsumerRow, StreamConsumersResult, StreamResetResult} from './rabbitmq-stream-ops.js'
import type {StreamPendingResult} from './rabbitmq-inspect.js'

const sourceText = (s: Source | 'stream') => (s === 'amqp' ? 'passive declare' : s === 'stream' ? 'stream protocol' : 'management sample')

/** a lag result of one stream queue's named consumers (one row each) */
const isStreamLag = (d: RabbitLagResult) => Array.isArray(d.groups) && d.groups.some((r) => r.consumer !== undefined)

/** A stream queue's named consumers: stored offset, lag, time behind, connected. */
async function streamConsumersView(d: StreamConsumersResult & {pending?: number | null}, ui: Ui): Promise<void> {
  await ui.line(
    `stream ${d.group} (vhost ${d.vhost}): last offset ${d.lastOffset ?? 'none (empty)'}${d.pending === undefined ? '' : `, pending ${d.pending ?? 'unknown'} (the consumers' lag)`}`,
  )
  await ui.rows<StreamConsumerRow>(
    [
      {header: 'CONSUMER', get: (c) => c.name},
      {header: 'OFFSET', get: (c) => c.currentOffset, align: 'right', empty: 'none'},
      {header: 'LAG', get: (c) => c.lag, align: 'right', empty: 'unknown'},
      {header: 'TIME-LAG', get: timeLagText, align: 'right'},
      {header: 'CONNECTED', get: (c) => (c.connected ? 'yes' : 'no')},
      {header: 'SEEN', get: (c) => c.from.join(', ')},
    ],
    d.consumers,
    `(no named consumers of stream ${d.group}: give names with --consumer)`,
  )
}

export const views: Partial<Record<Operation, HumanView>> = {
  reset: (async (d, ui) => {
    const move = `stored offset of consumer ${d.consumer} on stream ${d.group}: ${d.currentOffset ?? 'none'} -> ${d.targetOffset} (--${d.mode}${d.modeValue === null ? '' : ` ${d.modeValue}`}; stream offsets ${d.firstOffset ?? '?'}..${d.lastOffset ?? '?'})`
    await ui.line(d.dryRun ? dryRun(`would move the ${move}`) : `Moved the ${move}; read back: ${d.after ?? 'none'}`)
  }) satisfies HumanView<StreamResetResult>,

  groups: (async (d, ui) => {
    await ui.rows<RabbitGroupRow>(
      [
        {header: 'VHOST', get: (r) => r.vhost},
        {header: 'QUEUE', get: (r) => r.group},
        {header: 'TYPE', get: (r) => r.type},
        {header: 'CONSUMERS', get: (r) => r.consumers, align: 'right', empty: 'unknown'},
        {header: 'READY', get: (r) => r.lag, align: 'right', empty: 'unknown'},
        {header: 'TIME-LAG', get: timeLagText, align: 'right'},
        {header: 'UNACKED', get: (r) => r.unacked, align: 'right', empty: 'unknown'},
        {
          header: 'UTILISATION',
          get: (r) => (r.consumerUtilisation === null ? null : `${Math.round(r.consumerUtilisation * 100)}%`),
          align: 'right',
          empty: 'unknown',
        },
        {header: 'DEAD-LETTER', get: (r) => deadLetterText(r.deadLetter)},
        // a cluster node down: "down", or "running*" when replicas are down (the note is on stderr and in --json)
        {header: 'STATE', get: (r) => (r.state === null ? null : `${r.state}${r.stateNote && r.state !== 'down' ? '*' : ''}`), empty: '-'},
        {header: 'NODE', get: (r) => r.node, empty: '-'},
      ],
      d.groups,
      '(no queues)',
    )
  }) satisfies HumanView<RabbitGroupsResult>,

  consumers: (async (d, ui) => {
    if ('type' in d && d.type === 'stream') return streamConsumersView(d, ui)
    await ui.line(`queue ${d.group} (vhost ${d.vhost}): ${count(d.consumers)} consumer(s)`)
    await ui.rows<ConsumerRow>(
      [
        {header: 'TAG', get: (c) => c.name},
        {header: 'CHANNEL', get: (c) => c.channel},
        {header: 'CONNECTION-NAME', get: (c) => c.connectionName},
        {header: 'USER', get: (c) => c.user},
        {header: 'PEER', get: (c) => c.peer},
        {header: 'PREFETCH', get: (c) => c.prefetch, align: 'right'},
        {header: 'ACK', get: (c) => c.ackMode},
        {header: 'CH-UNACKED', get: (c) => c.channelUnacked, align: 'right', empty: 'unknown'},
        {header: 'CH-IDLE', get: (c) => idleText(c.idleMs, c.channelIdleSince), align: 'right', empty: 'unknown'},
      ],
      (d as RabbitConsumersResult).consumers,
      `(queue ${d.group} has no consumers)`,
    )
  }) satisfies HumanView<RabbitConsumersResult | StreamConsumersResult>,

  pending: (async (d, ui) => {
    if (d.type === 'stream') {
      await streamConsumersView(d as StreamPendingResult, ui)
      return
    }
    const s = (d as RabbitPendingResult).summary
    await ui.kv([
      ['queue', `${d.group} (vhost ${d.vhost}, ${d.type})`],
      [
        'ready',
        `${s.ready ?? 'unknown'} (${sourceText(s.readySource)}${s.readySource === 'amqp' && s.management.ready !== s.ready ? `; the sample says ${s.management.ready ?? 'unknown'}` : ''})`,
      ],
      ['unacked', `${s.unacked ?? 'unknown'} (${sourceText(s.unackedSource)})`],
      ['pending', `${d.pending ?? 'unknown'} (ready + unacked)`],
      ['consumers', `${s.consumers ?? 'unknown'} (${sourceText(s.consumersSource)})`],
    ])
    await ui.line()
    await ui.table<PendingChannel>(
      [
        {header: 'CHANNEL', get: (c) => c.channel},
        {header: 'CONNECTION-NAME', get: (c) => c.connectionName},
        {header: 'PEER', get: (c) => c.peer},
        {header: 'CONSUMERS', get: (c) => c.consumers.join(', ')},
        {header: 'PREFETCH', get: (c) => c.prefetch, align: 'right'},
        {header: 'UNACKED', get: (c) => c.unacked, align: 'right', empty: 'unknown'},
        {header: 'IDLE', get: (c) => (c.idleMs === null ? (c.unacked === null ? null : 'active') : duration(c.idleMs)), align: 'right', empty: 'unknown'},
        {header: 'ALSO-CONSUMES', get: (c) => c.alsoConsumes.join(', ') || '-'},
      ],
      (d as RabbitPendingResult).channels,
      '(no consumer channels)',
    )
  }) satisfies HumanView<RabbitPendingResult | StreamPendingResult>,

  lag: (async (d, ui) => {
    await ui.rows<RabbitLagRow>(
      [
        {header: 'VHOST', get: (r) => r.vhost},
        {header: 'QUEUE', get: (r) => r.group},
        {header: 'TYPE', get: (r) => r.type},
        ...(isStreamLag(d)
          ? [
              {header: 'CONSUMER', get: (r: RabbitLagRow) => r.consumer ?? null},
              {header: 'OFFSET', get: (r: RabbitLagRow) => r.currentOffset ?? null, align: 'right' as const, empty: 'none'},
              {header: 'LAST', get: (r: RabbitLagRow) => r.lastOffset ?? null, align: 'right' as const, empty: 'empty'},
            ]
          : []),
        {header: isStreamLag(d) ? 'LAG' : 'BACKLOG', get: (r) => r.lag, align: 'right', empty: 'unknown'},
        {header: 'TIME-LAG', get: timeLagText, align: 'right'},
        {header: 'UNACKED', get: (r) => r.unacked, align: 'right', empty: 'unknown'},
        {header: 'CONSUMERS', get: (r) => r.consumers, align: 'right', empty: 'unknown'},
        {header: 'RATE/S', get: (r) => (r.lagRate === null ? null : r.lagRate.toFixed(1)), align: 'right', empty: 'unknown'},
        {header: 'SOURCE', get: (r) => sourceText(r.lagSource)},
      ],
      d.groups,
      '(no queues)',
    )
  }) satisfies HumanView<RabbitLagResult>,

  claim: (async (r, ui) => {
    const where = `${r.group} (vhost ${r.vhost}; channels idle >= ${duration(r.minIdleMs)} holding unacked messages)`
    const closed = r.closed.filter((c) => c.closed).length
    if (r.plan.length === 0)
      await ui.line(`Nothing to requeue on ${r.group} (vhost ${r.vhost}): no consumer channel idle >= ${duration(r.minIdleMs)} holding unacked messages.`)
    else if (r.dryRun) await ui.line(dryRun(`would close ${r.plan.length} connection(s) to requeue ${r.requeues} unacked message(s) of ${where}`))
    else await ui.line(`Closed ${closed} connection(s) to requeue ${r.totals.claimed} unacked message(s) of ${where}.`)
    if (r.plan.length) await planLines(r.plan, ui)
    for (const s of r.skipped)
      await ui.line(
        `skipped channel ${s.channel}: ${s.reason} (${s.unacked ?? 'unknown'} unacked, ${s.idleMs === null ? 'active' : `idle ${duration(s.idleMs)}`})`,
      )
    for (const c of r.closed.filter((x) => !x.closed)) await ui.line(ui.color.red(`FAILED to close ${c.connection}: ${c.error}`))
    if (!r.dryRun)
      await ui.line(
        counts([
          ['claimed', r.totals.claimed],
          ['skipped', r.totals.skipped],
          ['failed', r.totals.failed],
        ]) + ' (unacked messages)',
      )
    await bulkEnding(ui, r.totals)
    const q = r.after ?? r.before
    await ui.line(
      `${r.after && !r.dryRun ? 'queue after' : 'queue now'}: ${queueCountsText(q)}, unacked ${q.unacked ?? 'unknown'} (management sample, may lag ~5 s), consumers ${q.consumers ?? 'unknown'}`,
    )
  }) satisfies HumanView<RabbitClaimResult>,

  'consumer:delete': (async (r, ui) => {
    const who = `consumer ${r.tag} of ${r.group} (vhost ${r.vhost})`
    if (r.dryRun) await ui.line(dryRun(`would close the connection of ${who}, requeueing ${r.requeues} unacked message(s)`))
    else await ui.line(`Closed the connection of ${who}; ${r.requeues} unacked message(s) requeued.`)
    await planLines([r.connection], ui)
    if (r.after) await ui.line(`queue after: ${queueCountsText(r.after)}, consumers ${r.after.consumers ?? 'unknown'}`)
  }) satisfies HumanView<RabbitConsumerDeleteResult>,

  'dlq:list': (async (d, ui) => {
    await dlqHeaderLines(d, ui)
    await ui.table(
      [
        {header: '#', get: (m) => m.position, align: 'right'},
        {header: 'MESSAGE-ID', get: (m) => m.messageId},
        {header: 'REASON', get: (m) => m.reason},
        {header: 'DEATHS', get: (m) => m.deaths.reduce((n, x) => n + (x.count ?? 0), 0), align: 'right'},
        {header: 'FROM-QUEUE', get: (m) => m.deaths[0]?.queue},
        {header: 'EXCHANGE', get: (m) => (m.deaths[0] ? (m.deaths[0].exchange === '' ? '(default)' : m.deaths[0].exchange) : null)},
        {header: 'ROUTING-KEYS', get: (m) => m.deaths[0]?.routingKeys.join(' ')},
        {header: 'DIED-AT', get: (m) => m.deaths[0]?.time},
        {header: 'REPLAYS', get: (m) => m.replayCount, align: 'right'},
        {header: 'BODY', get: (m) => short(m.body.encoding === 'utf8' ? m.body.value : `base64:${m.body.value}`, 40)},
      ],
      d.messages,
      '(empty)',
    )
    await ui.line()
    await ui.line(ui.color.yellow(d.sideEffect))
  }) satisfies HumanView<BrowseReport>,

  'dlq:peek': (async (d, ui) => {
    await dlqHeaderLines(d, ui)
    for (const m of d.messages) {
      await ui.line(ui.color.bold(`#${m.position}  message-id ${m.messageId ?? '-'}`) + ui.color.dim(`  replay id ${m.replayId}`))
      await ui.kv([
        ['redelivered', m.redelivered],
        ['delivery count', m.deliveryCount],
        ['cg replays', m.replayCount],
        ['replay target', m.target ? `${m.target.key} routing key ${JSON.stringify(m.target.routingKey)}` : null],
        ['dlq routing key', m.routingKey],
      ])
      await ui.line(ui.color.dim('x-death (most recent first):'))
      for (const x of m.deaths) {
        await ui.line(
          `  ${x.reason ?? '?'} x${x.count ?? '?'} from queue ${x.queue ?? '?'} (exchange ${x.exchange === '' ? '(default)' : x.exchange}, routing keys ${x.routingKeys.join(' ') || '-'}) at ${x.time ?? '?'}` +
            (x.originalExpiration ? `, original expiration ${x.originalExpiration} ms` : ''),
        )
      }
      if (!m.deaths.length) await ui.line('  (none: this message was not dead-lettered by the broker)')
      await ui.line(ui.color.dim('properties:'))
      await ui.kv(Object.entries(m.properties).map(([k, v]) => ['  ' + k, v] as [string, unknown]))
      const other = Object.entries(m.headers).filter(([k]) => k !== 'x-death')
      if (other.length) {
        await ui.line(ui.color.dim('headers:'))
        await ui.kv(other.map(([k, v]) => ['  ' + k, v] as [string, unknown]))
      }
      await ui.line(ui.color.dim(`body (${m.body.bytes} bytes, ${m.body.encoding === 'utf8' ? 'UTF-8 text' : 'base64: not valid UTF-8 text'}):`))
      await ui.line(m.body.value)
      await ui.line()
    }
    if (!d.messages.length) await ui.line(ui.color.dim('(empty)'))
    await ui.line(ui.color.yellow(d.sideEffect))
  }) satisfies HumanView<BrowseReport>,

  'dlq:replay': (async (d, ui) => {
    await ui.kv([
      ['dlq', d.dlq + (d.resolvedFrom ? `  (dead-letter queue of ${d.resolvedFrom.queue})` : '')],
      ['vhost', d.vhost],
      ['ready', d.ready],
    ])
    await ui.line()
    if (d.plan) {
      const p = d.plan
      await ui.line(dryRun(`would replay ${p.selected - p.noTarget} of ${p.read} messages read (${p.selected} selected) to the targets below`))
      await ui.table(
        [
          {header: 'TARGET', get: (t) => t.target},
          {header: 'EXISTS', get: (t) => (t.exchangeExists ? 'yes' : 'NO')},
          {header: 'MESSAGES', get: (t) => t.count, align: 'right'},
          {header: 'ROUTING-KEYS', get: (t) => t.routingKeys.join(' ')},
          {header: 'FIRST-MESSAGE-IDS', get: (t) => t.firstMessageIds.join(' ')},
        ],
        p.targets,
        '(nothing to replay)',
      )
      if (p.noTarget) await ui.line(ui.color.yellow(`${p.noTarget} messages have no x-death header (give --to-exchange)`))
      if (p.mixedTargets)
        await ui.line(
          ui.color.yellow('mixed targets: a replay would refuse all but the first target; choose one with --where x-death.exchange=NAME or --to-exchange'),
        )
      if (p.targets.some((t) => !t.exchangeExists))
        await ui.line(ui.color.yellow('a target exchange does not exist: those messages would fail (cg never declares it)'))
      await ui.line(ui.color.dim('Nothing was published or acked. ' + p.sideEffect))
      return
    }
    await ui.rows<ReplayOutcome>(
      [
        {header: '#', get: (o) => o.position, align: 'right'},
        {header: 'MESSAGE-ID', get: (o) => o.messageId},
        {header: 'TARGET', get: (o) => o.target},
        {header: 'ROUTING-KEY', get: (o) => o.routingKey},
        {header: 'STATUS', get: (o) => o.status},
        {header: 'NOTE', get: (o) => o.note, empty: ''},
      ],
      d.entries,
      '(nothing to replay)',
      {max: 20, notable: (o) => o.status !== 'replayed'},
    )
    const t = d.totals
    await ui.line()
    await ui.line(
      counts([
        ['replayed', t.replayed],
        ['skipped', t.skipped],
        ['failed', t.failed],
      ]) + (t.notSelected ? ` (${t.notSelected} not selected by --where, left in the DLQ)` : ''),
    )
    if (t.refusedOtherTarget)
      await ui.line(
        ui.color.yellow(
          `mixed targets: ${t.refusedOtherTarget} messages for ${t.otherTargets.join(', ')} refused (this run replayed to ${t.target}); choose with --where x-death.exchange=NAME or --to-exchange`,
        ),
      )
    await bulkEnding(ui, t)
  }) satisfies HumanView<ReplayReport>,

  'dlq:purge': (async (d, ui) => {
    if (d.dryRun) await ui.line(dryRun(`a purge of ${d.dlq} would remove its ${d.count} ready messages now`))
    else await ui.line(`Purged ${d.totals.purged} ready messages from ${d.dlq}.`)
    if (d.unacked) await ui.line(ui.color.yellow(`${d.unacked} unacknowledged messages (held by consumers) are not purged`))
    await ui.line(ui.color.dim(d.note))
    await bulkEnding(ui, d.totals)
  }) satisfies HumanView<PurgeReport>,
}

export function deadLetterText(d: DeadLetter | null): string {
  if (!d) return '-'
  const ex = d.exchange === null ? '(no exchange)' : d.exchange === '' ? '(default exchange)' : d.exchange
  const rk = d.routingKey === null ? '' : ` key ${d.routingKey}`
  const from = d.from === 'arguments' ? 'arguments' : `${d.from} ${d.policy ?? ''}`.trim()
  return `${ex}${rk} (${from})`
}

/** Time behind: the head message's age, why it is unknown while messages wait, or "-" when nothing waits. */
function timeLagText(r: {lag: number | null; timeLagMs: number | null; timeLagNote: string | null}): string | null {
  if (r.timeLagMs !== null) return duration(r.timeLagMs)
  return r.timeLagNote ?? (r.lag === null ? 'unknown' : null)
}

/** A channel's idle time: "active" while it works (no idle_since), null (unknown) when it cannot be read. */
function idleText(idleMs: number | null, idleSince: string | null): string | null {
  if (idleMs === null) return null
  return idleSince === null ? 'active' : duration(idleMs)
}

function queueCountsText(c: QueueCounts): string {
  return `ready ${c.ready ?? 'unknown'} (${sourceText(c.readySource)})`
}

/** Each connection a close takes down: its channels (* the targets), their consumers, and what else goes. */
async function planLines(plans: ConnectionPlan[], ui: Ui): Promise<void> {
  for (const p of plans) {
    await ui.line(
      `connection ${p.connectionName ? `"${p.connectionName}" ` : ''}${p.connection} (user ${p.user ?? 'unknown'}): ${p.channels.length} channel(s), ${p.requeues} unacked to requeue`,
    )
    for (const c of p.channels) {
      const consumers = c.consumers.map((x) => `${x.tag} on ${x.queue}`).join(', ') || 'no consumers'
      await ui.line(
        `  ${c.target ? '*' : '+'} channel ${c.number ?? '?'}: ${c.unacked ?? 'unknown'} unacked, ${c.idleMs === null ? 'active' : `idle ${duration(c.idleMs)}`}; ${consumers}`,
      )
    }
    const also = p.alsoCloses
    await ui.line(
      also.channels.length || also.consumers.length
        ? `  also closes: ${also.channels.length} other channel(s), ${also.consumers.length} other consumer(s)${also.queues.length ? ` on ${also.queues.join(', ')}` : ''}`
        : '  carries nothing else',
    )
  }
}

async function dlqHeaderLines(d: BrowseReport, ui: Ui): Promise<void> {
  await ui.kv([
    [
      'dlq',
      d.dlq +
        (d.resolvedFrom
          ? `  (dead-letter queue of ${d.resolvedFrom.queue}: its ${d.resolvedFrom.from} x-dead-letter-exchange ${JSON.stringify(d.resolvedFrom.deadLetterExchange)} routes here)`
          : ''),
    ],
    ['vhost', d.vhost],
    ['type', d.queueType],
    ['ready', d.ready],
    ['read', d.read],
    ['shown', d.shown],
  ])
  await ui.line()
}

function count(rows: unknown): number | string {
  return Array.isArray(rows) ? rows.length : '?'
}

function short(s: string, n: number): string {
  const one = s.replace(/\s+/g, ' ')
  return one.length > n ? one.slice(0, n - 1) + '…' : one
}
