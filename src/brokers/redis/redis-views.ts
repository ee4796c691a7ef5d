// How Redis results read in a terminal: one table style (src/output/ui.ts), the common wording of
// src/output/wording.ts.
import type {Operation} from '../../core/operations.js'
import type {GroupsResult, LagResult} from '../../core/results.js'
import {duration} from '../../output/ui.js'
import type {HumanView} from '../../output/view-types.js'
import {bulkEnding, counts, dryRun, plural} from '../../output/wording.js'
import type {RedisClaimResult} from './redis-claim.js'
import type {RedisConsumerDeleteResult} from './redis-consumer-delete.js'
import type {DlqListReport, DlqPeekReport, PurgeReport} from './redis-dlq-browse.js'
import type {MoveReport} from './redis-dlq-move.js'
import type {ReplayReport} from './redis-dlq-replay.js'
import type {MoveOutcome, ReplayOutcome} from './redis-dlq-types.js'
import type {GroupCreateReport, GroupDeleteReport} from './redis-group-admin.js'
import type {RedisConsumersResult, RedisGroupRow, RedisLagRow, RedisPendingResult} from './redis-inspect.js'
import type {Position, PositionReport} from './redis-position.js'
import type {PendingEntry} from './redis-types.js'

/** Ids listed in the human output of claim; --json has them all. */
const SHOW_IDS = 20
/** Outcomes listed after a move or replay (failures always); --json has them all. */
const SHOW_OUTCOMES = 20

const groups: HumanView<GroupsResult<RedisGroupRow>> = async (d, ui) => {
  await ui.rows(
    [
      {header: 'STREAM', get: (r) => r.sources[0]},
      {header: 'GROUP', get: (r) => r.group},
      {header: 'CONSUMERS', get: (r) => r.consumers, align: 'right'},
      {header: 'PENDING', get: (r) => r.pending, align: 'right'},
      {header: 'LAST-DELIVERED', get: (r) => r.lastDeliveredId},
      {header: 'ENTRIES-READ', get: (r) => r.entriesRead, align: 'right', empty: 'unknown'},
      {header: 'LAG', get: (r) => r.lag, align: 'right', empty: 'unknown'},
      {header: 'TIME-LAG', get: (r) => timeLag(r), align: 'right'},
      {header: 'PENDING-AGE', get: (r) => duration(r.oldestPendingMs), align: 'right'},
    ],
    d.groups,
    '(no consumer groups)',
  )
}

/**
 * How far behind in time: the age of the first entry the group has not read. Lag above zero with no such
 * entry (deleted or trimmed since they were counted) says so.
 */
function timeLag(r: {lag: number | null; timeLagMs: number | null}): string | null {
  if (r.timeLagMs !== null) return duration(r.timeLagMs)
  return r.lag !== null && r.lag > 0 ? 'entries gone' : null
}

const consumers: HumanView<RedisConsumersResult> = async (d, ui) => {
  await ui.rows(
    [
      {header: 'CONSUMER', get: (c) => c.name},
      {header: 'PENDING', get: (c) => c.pending, align: 'right'},
      {header: 'IDLE', get: (c) => duration(c.idleMs), align: 'right'},
      {header: 'INACTIVE', get: (c) => duration(c.inactiveMs), align: 'right', empty: 'unknown'},
    ],
    d.consumers,
    `(group ${d.group} has no consumers)`,
  )
}

const pending: HumanView<RedisPendingResult> = async (d, ui) => {
  await ui.kv([
    ['stream', d.sources[0]],
    ['group', d.group],
    ...(d.consumer ? [['consumer', d.consumer] as [string, unknown]] : []),
    ['pending', d.pending],
    ['oldest', d.minId],
    ['newest', d.maxId],
  ])
  if (d.consumers.length > 1) await ui.line('per consumer: ' + d.consumers.map((c) => `${c.name}=${c.pending}`).join(', '))
  await ui.line()
  const shown = await ui.rows<PendingEntry>(
    [
      {header: 'ID', get: (e) => e.id},
      {header: 'CONSUMER', get: (e) => e.consumer},
      {header: 'IDLE', get: (e) => duration(e.idleMs), align: 'right'},
      {header: 'IDLE-MS', get: (e) => e.idleMs, align: 'right'},
      {header: 'DELIVERIES', get: (e) => e.deliveries, align: 'right'},
    ],
    d.entries,
    '(no pending entries)',
  )
  if (d.limit !== null && shown === d.limit && d.pending > shown) await ui.line(`(showing ${shown} of ${d.pending}; use --count N or --all)`)
}

const lag: HumanView<LagResult<RedisLagRow>> = async (d, ui) => {
  await ui.rows(
    [
      {header: 'STREAM', get: (r) => r.sources[0]},
      {header: 'GROUP', get: (r) => r.group},
      {header: 'LAG', get: (r) => r.lag, align: 'right', empty: 'unknown'},
      {header: 'TIME-LAG', get: (r) => timeLag(r), align: 'right'},
      {header: 'PENDING', get: (r) => r.pending, align: 'right'},
      {header: 'OLDEST-PENDING', get: (r) => r.oldestPendingId},
      {header: 'PENDING-AGE', get: (r) => duration(r.oldestPendingMs), align: 'right'},
      {header: 'OLDEST-IDLE', get: (r) => duration(r.oldestPendingIdleMs), align: 'right'},
    ],
    d.groups,
    '(no consumer groups)',
  )
}

const claim: HumanView<RedisClaimResult> = async (r, ui) => {
  const idle = `idle >= ${duration(r.minIdleMs) ?? r.minIdleMs + 'ms'}`
  const what = `entries of ${r.sources[0]}/${r.group}${r.from === null ? '' : ` owned by ${r.from}`} to ${r.to}`
  if (r.plan) {
    await ui.line(dryRun(`would claim ${r.plan.count} ${what} (${idle})`))
    await ui.table<PendingEntry>(
      [
        {header: 'ID', get: (e) => e.id},
        {header: 'CONSUMER', get: (e) => e.consumer},
        {header: 'IDLE', get: (e) => duration(e.idleMs), align: 'right'},
        {header: 'DELIVERIES', get: (e) => e.deliveries, align: 'right'},
      ],
      r.plan.entries,
      '(no pending entries match)',
    )
    return
  }
  const t = r.totals
  await ui.line(`Claimed ${t.claimed} ${what} (${idle}${r.justId ? ', delivery counts kept' : ', delivery counts +1'}).`)
  await ui.kv([
    ['claimed', listed(r.claimedIds)],
    ['deleted', t.deleted ? `${listed(r.deletedIds)} (gone from the stream; dropped from the PEL)` : 0],
    ...(t.skipped ? ([['skipped', `${t.skipped} (no longer idle enough)`]] as Array<[string, unknown]>) : []),
  ])
  await bulkEnding(ui, t)
}

function listed(ids: string[]): string {
  if (ids.length === 0) return '0'
  const shown = ids.slice(0, SHOW_IDS).join(', ')
  return `${ids.length}: ${shown}${ids.length > SHOW_IDS ? `, ... (${ids.length - SHOW_IDS} more; --json lists all)` : ''}`
}

/** The plan and outcome of setid and reset. */
const position: HumanView<PositionReport> = async (r, ui) => {
  const show = (p: Position) => `${p.lastDeliveredId ?? '-'} (entries-read ${p.entriesRead ?? 'unknown'}, lag ${p.lag ?? 'unknown'})`
  const setid = r.mode === 'setid'
  const how = setid ? 'setid' : `reset --${r.mode}${r.modeValue === null ? '' : ' ' + r.modeValue}`
  const where = `${r.sources[0]}/${r.group}`
  if (r.executed) await ui.line(`Moved ${where} (${how}).`)
  else await ui.line(dryRun(`would move ${where} to ${r.target.lastDeliveredId} (${how})`))
  const pairs: Array<[string, unknown]> = [
    ['current', show(r.current)],
    [
      'new',
      `${r.target.lastDeliveredId} (entries-read ${r.target.entriesRead ?? (setid ? 'not set' : 'left out')}${setid ? '' : `, lag ${r.target.lag ?? 'unknown'}`})`,
    ],
  ]
  if (r.redeliver !== null && r.redeliver > 0) pairs.push(['redeliver', entries(r.redeliver)])
  if (r.skip !== null && r.skip > 0) pairs.push(['skip', entries(r.skip)])
  if (r.redeliver === null && !setid) pairs.push(['redeliver/skip', 'unknown (not cheap to count)'])
  if (r.after) pairs.push(['after', show(r.after)])
  for (const w of r.warnings) pairs.push(['warning', w])
  await ui.kv(pairs)
  if (!r.executed && !setid) await ui.line('Add --execute to apply.')
}

function entries(n: number): string {
  return n === 1 ? '1 entry' : `${n} entries`
}

const consumerDelete: HumanView<RedisConsumerDeleteResult> = async (r, ui) => {
  const who = `consumer ${r.consumer} of ${r.sources[0]}/${r.group}`
  const h = r.handoff
  if (r.dryRun) {
    const plan =
      r.action === 'handoff'
        ? `hand its ${r.pending} pending entries to ${h!.to}, then delete it`
        : r.action === 'force'
          ? `delete it and drop its ${r.pending} pending entries`
          : 'delete it (it holds no pending entries)'
    await ui.line(dryRun(`would ${plan}: ${who}`))
    return
  }
  await ui.line(`Deleted ${who}.`)
  const pairs: Array<[string, unknown]> = [['pending before', r.pending]]
  if (h) {
    pairs.push(['handed off', `${h.count} to ${h.to}`])
    if (h.deleted.count) pairs.push(['deleted', `${h.deleted.count} (gone from the stream; dropped from the PEL)`])
  }
  if (r.action === 'force') pairs.push(['dropped', r.dropped])
  await ui.kv(pairs)
}

const groupCreate: HumanView<GroupCreateReport> = async (r, ui) => {
  const what = `group ${r.group} on ${r.sources[0]} at ${r.start}${r.createsStream ? ' (creating the stream)' : ''}`
  if (r.dryRun) return ui.line(dryRun(`would create ${what}`))
  await ui.line(`Created ${what}.`)
  if (r.after)
    await ui.kv([
      ['last-delivered-id', r.after.lastDeliveredId],
      ['entries-read', r.after.entriesRead ?? 'unknown'],
      ['lag', r.after.lag ?? 'unknown'],
    ])
}

const groupDelete: HumanView<GroupDeleteReport> = async (r, ui) => {
  const lost = r.consumers || r.pending ? ` with ${r.consumers} consumer(s) and ${r.pending} pending entries` : ''
  const what = `group ${r.group} of ${r.sources[0]}${lost}`
  await ui.line(r.dryRun ? dryRun(`would delete ${what}`) : `Deleted ${what}.`)
}

const dlqList: HumanView<DlqListReport> = async (d, ui) => {
  await ui.kv([
    ['dlq', d.dlq],
    ['entries', d.length],
  ])
  await ui.line()
  await ui.rows(
    [
      {header: 'DLQ-ID', get: (r) => r.dlqId},
      {header: 'ORIGINAL-ID', get: (r) => r.originalId},
      {header: 'STREAM', get: (r) => r.originalStream},
      {header: 'CONSUMER', get: (r) => r.consumer},
      {header: 'DELIVERIES', get: (r) => r.deliveryCount, align: 'right'},
      {header: 'REASON', get: (r) => r.reason},
      {header: 'FAILED-AT', get: (r) => (r.failedAt === null ? null : new Date(r.failedAt).toISOString())},
      {header: 'LAYOUT', get: (r) => r.layout},
    ],
    d.entries,
    '(empty)',
  )
}

const dlqPeek: HumanView<DlqPeekReport> = async (d, ui) => {
  let n = 0
  for await (const e of d.entries) {
    if (n++) await ui.line()
    await ui.line(ui.color.bold(`${e.dlqId}`) + ui.color.dim(`  layout ${e.layout}`))
    await ui.kv(
      e.fields.map((x) => [x.name + (x.nameEncoding ? ' (base64)' : ''), x.encoding === 'base64' ? `${x.value} (base64)` : x.value] as [string, unknown]),
    )
    if (e.layout === 'b' && e.replayFields) {
      await ui.line(ui.color.dim('original_data:'))
      await ui.kv(e.replayFields.map((x) => ['  ' + x.name, x.encoding === 'base64' ? `${x.value} (base64)` : x.value] as [string, unknown]))
    }
    if (e.replayError) await ui.line(ui.color.yellow(`cannot replay: ${e.replayError}`))
  }
  if (!n) await ui.line(ui.color.dim('(empty)'))
}

const dlqMove: HumanView<MoveReport> = async (d, ui) => {
  await ui.kv([
    ['stream', d.sources[0]],
    ['group', d.group],
    ['dlq', d.dlq],
    ['mode', d.mode],
  ])
  await ui.line()
  if (d.plan) {
    await ui.line(dryRun(`would move ${d.plan.count} entries of ${d.sources[0]}/${d.group} to ${d.dlq}`))
    if (d.plan.consumers.length) await ui.line('per consumer: ' + d.plan.consumers.map((c) => `${c.consumer}=${c.count}`).join(', '))
    if (d.plan.firstIds.length) await ui.line('first ids: ' + d.plan.firstIds.join(' '))
    if (d.plan.notPending.length) await ui.line(ui.color.yellow(`not pending (would be skipped): ${d.plan.notPending.join(' ')}`))
    return
  }
  await ui.rows<MoveOutcome>(
    [
      {header: 'ID', get: (o) => o.id},
      {header: 'STATUS', get: (o) => o.status},
      {header: 'DLQ-ID', get: (o) => o.dlqId},
      {header: 'NOTE', get: (o) => o.note, empty: ''},
    ],
    d.entries,
    '(nothing to move)',
    {max: SHOW_OUTCOMES, notable: (o) => o.status !== 'moved'},
  )
  const t = d.totals
  await ui.line()
  await ui.line(counts([['moved', t.moved], ['deleted', t.deleted], ['skipped', t.skipped], ['failed', t.failed], ...resumed(t.resumed)]))
  await bulkEnding(ui, t)
}

function resumed(n: number): Array<[string, number]> {
  return n ? [['resumed', n]] : []
}

const dlqReplay: HumanView<ReplayReport> = async (d, ui) => {
  await ui.kv([
    ['dlq', d.dlq],
    ['stream', d.sources[0] ?? null],
  ])
  await ui.line()
  if (d.plan) {
    await ui.line(dryRun(`would replay ${d.plan.count} entries of ${d.dlq}`))
    await ui.table(
      [
        {header: 'TARGET', get: (t) => t.target},
        {header: 'MODE', get: (t) => t.mode},
        {header: 'ENTRIES', get: (t) => t.count, align: 'right'},
        {header: 'FIRST-IDS', get: (t) => t.firstIds.join(' ')},
      ],
      d.plan.targets,
      '(nothing to replay)',
    )
    if (d.plan.unreplayable) await ui.line(ui.color.yellow(`${d.plan.unreplayable} entries cannot be replayed (see cg dlq peek)`))
    if (d.plan.missing.length) await ui.line(ui.color.yellow(`not in the DLQ: ${d.plan.missing.join(' ')}`))
    return
  }
  await ui.rows<ReplayOutcome>(
    [
      {header: 'DLQ-ID', get: (o) => o.dlqId},
      {header: 'TARGET', get: (o) => o.target},
      {header: 'STATUS', get: (o) => o.status},
      {header: 'NEW-ID', get: (o) => o.newId},
      {header: 'NOTE', get: (o) => o.note, empty: ''},
    ],
    d.entries,
    '(nothing to replay)',
    {max: SHOW_OUTCOMES, notable: (o) => o.status !== 'replayed'},
  )
  const t = d.totals
  await ui.line()
  for (const x of t.targets)
    await ui.line(
      `${x.target} (${x.mode}): ${counts([
        ['replayed', x.replayed],
        ['skipped', x.skipped],
        ['failed', x.failed],
      ])}`,
    )
  await ui.line(counts([['replayed', t.replayed], ['skipped', t.skipped], ['failed', t.failed], ...resumed(t.resumed)]))
  await bulkEnding(ui, t)
}

const dlqPurge: HumanView<PurgeReport> = async (d, ui) => {
  const what = d.all ? 'every entry' : 'the chosen entries'
  if (d.plan) await ui.line(dryRun(`would delete ${plural(d.plan.count, 'entry', 'entries')} of ${d.dlq} (${what})`))
  else await ui.line(`Deleted ${plural(d.totals.purged, 'entry', 'entries')} of ${d.dlq} (${what}).`)
  if (d.firstIds.length) await ui.line('first ids: ' + d.firstIds.join(' '))
  if (d.missing.length) await ui.line(ui.color.yellow(`not in the DLQ: ${d.missing.join(' ')}`))
  await bulkEnding(ui, d.totals)
}

export const views: Partial<Record<Operation, HumanView>> = {
  groups,
  consumers,
  pending,
  lag,
  claim,
  setid: position,
  reset: position,
  'consumer:delete': consumerDelete,
  'group:create': groupCreate,
  'group:delete': groupDelete,
  'dlq:list': dlqList,
  'dlq:peek': dlqPeek,
  'dlq:move': dlqMove,
  'dlq:replay': dlqReplay,
  'dlq:purge': dlqPurge,
}
