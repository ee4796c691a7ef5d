// Moving a group's position on Redis: `cg setid` (the raw XGROUP SETID) and `cg reset` (Kafka's reset modes
// mapped onto SETID). Both build a plan first; reset only carries it out with --execute.
import type {OpRequest} from '../../core/requests.js'
import type {ChangeResult} from '../../core/results.js'
import {usage} from '../../errors/cg-error.js'
import {fromTheRight, nonNegativeInt, signedInt} from '../../services/inputs.js'
import {parseDatetime, parseDuration} from '../../services/time.js'
import {namedArgs} from '../../services/args.js'
import {orProfile, STREAM_GROUP} from './redis-inspect.js'
import type {GroupRow, RepairOps, StreamInfo, StreamsAdapter} from './redis-types.js'
import {compareIds, parseStreamId} from './stream-id.js'

/** Counting the entries after a new position (for ENTRIESREAD) stops being cheap beyond this. */
export const COUNT_LIMIT = 100_000

export type ResetMode =
  | {kind: 'to-earliest'}
  | {kind: 'to-latest'}
  | {kind: 'to-datetime'; value: string}
  | {kind: 'by-duration'; value: string}
  | {kind: 'shift-by'; value: number}
  | {kind: 'to-id'; value: string}

export interface Position {
  lastDeliveredId: string | null
  entriesRead: number | null
  /** null = unknown */
  lag: number | null
}

export interface PositionReport extends ChangeResult {
  group: string
  sources: string[]
  /** setid, or the reset mode */
  mode: string
  /** what the mode was given (a datetime, a duration, a shift, an id); null for earliest/latest/setid */
  modeValue: string | number | null
  dryRun: boolean
  executed: boolean
  current: Position
  /** the position the plan sets: the id, the ENTRIESREAD it passes (null: left out), the lag it expects */
  target: Position & {lastDeliveredId: string}
  /** entries delivered again / skipped by the move; null where not cheap to know */
  redeliver: number | null
  skip: number | null
  warnings: string[]
  /** the group as the server reports it after the move (null for a dry run) */
  after: Position | null
}

function position(g: GroupRow): Position {
  return {lastDeliveredId: g.lastDeliveredId, entriesRead: g.entriesRead, lag: g.lag}
}

/** The mode picked by exactly one of the reset flags. */
export function resetMode(flags: {
  toEarliest?: boolean
  toLatest?: boolean
  toDatetime?: string
  byDuration?: string
  shiftBy?: number
  toId?: string
}): ResetMode {
  const modes: ResetMode[] = []
  if (flags.toEarliest) modes.push({kind: 'to-earliest'})
  if (flags.toLatest) modes.push({kind: 'to-latest'})
  if (flags.toDatetime !== undefined) modes.push({kind: 'to-datetime', value: flags.toDatetime})
  if (flags.byDuration !== undefined) modes.push({kind: 'by-duration', value: flags.byDuration})
  if (flags.shiftBy !== undefined) modes.push({kind: 'shift-by', value: flags.shiftBy})
  if (flags.toId !== undefined) modes.push({kind: 'to-id', value: flags.toId})
  const all = '--to-earliest, --to-latest, --to-datetime ISO, --by-duration PnDTnHnMnS, --shift-by N, --to-id ID'
  if (modes.length === 0) throw usage('reset needs a mode', `Give one of ${all}.`)
  if (modes.length > 1) throw usage(`reset takes one mode, got ${modes.map((m) => '--' + m.kind).join(' and ')}`, `Give exactly one of ${all}.`)
  return modes[0]
}

/** The id a mode resolves to, and how far it moved where that is known on the way. */
async function resolveTarget(
  repair: RepairOps,
  source: string,
  mode: ResetMode,
  current: string,
  info: StreamInfo,
  warnings: string[],
  now: number,
): Promise<{id: string; moved: number | null}> {
  switch (mode.kind) {
    case 'to-earliest':
      return {id: '0-0', moved: null}
    case 'to-latest':
      return {id: info.lastGeneratedId, moved: null}
    case 'to-id': {
      const id = parseStreamId(mode.value, 'ID', ['$', '0'])
      return {id: id === '$' ? info.lastGeneratedId : id === '0' ? '0-0' : id, moved: null}
    }
    case 'to-datetime':
      return {id: (await repair.idBefore(source, parseDatetime(mode.value))) ?? '0-0', moved: null}
    case 'by-duration':
      return {id: (await repair.idBefore(source, now - parseDuration(mode.value))) ?? '0-0', moved: null}
    case 'shift-by': {
      const n = mode.value
      const r = await repair.shift(source, current, n)
      if (r.moved < Math.abs(n)) {
        warnings.push(`--shift-by ${n} is out of range: clamped to ${n > 0 ? 'the last entry' : 'the start of the stream'} (moved ${r.moved} entries)`)
      }
      return {id: r.id, moved: n < 0 ? -r.moved : r.moved}
    }
  }
}

/**
 * ENTRIESREAD for a new position, so lag stays known: entries-added minus the entries after it. Only right
 * when no entry after the position was deleted (max-deleted-entry-id below it, or below the first entry,
 * the server's own test); counted only while cheap.
 */
async function entriesReadFor(
  repair: RepairOps,
  info: StreamInfo,
  id: string,
  warnings: string[],
): Promise<{entriesRead: number | null; after: number | null}> {
  if (info.entriesAdded === null) {
    warnings.push('the server does not track entries-read (Redis < 7.0): lag stays unknown')
    return {entriesRead: null, after: null}
  }
  if (compareIds(id, info.lastGeneratedId) === 0) return {entriesRead: info.entriesAdded, after: 0}
  if (compareIds(id, info.lastGeneratedId) > 0) {
    warnings.push(`${id} is beyond the last entry of ${info.source} (${info.lastGeneratedId}): entries added up to it will be skipped; lag becomes unknown`)
    return {entriesRead: null, after: 0}
  }
  const maxDeleted = info.maxDeletedEntryId ?? '0-0'
  const clean =
    info.length === 0 || maxDeleted === '0-0' || compareIds(maxDeleted, id) < 0 || (info.firstId !== null && compareIds(maxDeleted, info.firstId) < 0)
  const after = await repair.countAfter(info.source, id, COUNT_LIMIT)
  if (!clean) {
    warnings.push(`entries after ${id} were deleted (max-deleted-entry-id ${maxDeleted}): entries-read cannot be known, lag becomes unknown`)
    return {entriesRead: null, after}
  }
  if (after === null) {
    warnings.push(`more than ${COUNT_LIMIT} entries on each side of ${id}: ENTRIESREAD left out, lag becomes unknown`)
    return {entriesRead: null, after}
  }
  return {entriesRead: info.entriesAdded - after, after}
}

/** `cg setid [STREAM GROUP] ID`: XGROUP SETID as given (ENTRIESREAD only when given). */
export async function setId(conn: StreamsAdapter, req: OpRequest<'setid'>): Promise<PositionReport> {
  const [s, g, given] = fromTheRight([req.args[0], req.args[1], req.args[2]], ['STREAM', 'GROUP', 'ID'])
  const source = orProfile(req, s, STREAM_GROUP[0])
  const group = orProfile(req, g, STREAM_GROUP[1])
  const entriesRead = req.flags['entries-read'] === undefined ? null : nonNegativeInt(req.flags['entries-read'], '--entries-read', '0')
  const dryRun = req.flags['dry-run']
  const parsed = parseStreamId(given!, 'ID', ['$', '0'])
  const id = parsed === '0' ? '0-0' : parsed
  const before = await conn.group(source, group)
  const report: PositionReport = {
    broker: 'redis',
    group,
    sources: [source],
    mode: 'setid',
    modeValue: null,
    dryRun,
    executed: false,
    current: position(before),
    target: {lastDeliveredId: id, entriesRead, lag: null},
    redeliver: null,
    skip: null,
    warnings: [],
    after: null,
  }
  if (!dryRun) {
    await conn.repair.setId(source, group, id, entriesRead)
    report.executed = true
    const after = await conn.group(source, group)
    report.after = position(after)
    report.target.lastDeliveredId = after.lastDeliveredId ?? id
    if (after.lag === null) {
      report.warnings.push('lag is unknown after this move: pass --entries-read N, or use cg reset, which computes it')
      req.run.warn(report.warnings[0])
    }
  }
  return report
}

/** `cg reset [STREAM] [GROUP] MODE`: resolve the mode to an id, compute ENTRIESREAD, print the plan; SETID only with --execute. */
export async function reset(conn: StreamsAdapter, req: OpRequest<'reset'>, now = Date.now()): Promise<PositionReport> {
  const [source, group] = namedArgs(req, STREAM_GROUP, 'cg reset [STREAM] [GROUP] MODE [--execute]')
  const f = req.flags
  if (f.execute && f['dry-run']) throw usage('--execute and --dry-run exclude each other', 'Leave --execute out for a dry run.')
  const mode = resetMode({
    toEarliest: f['to-earliest'],
    toLatest: f['to-latest'],
    toDatetime: f['to-datetime'],
    byDuration: f['by-duration'],
    shiftBy: f['shift-by'] === undefined ? undefined : signedInt(f['shift-by'], '--shift-by'),
    toId: f['to-id'],
  })
  // validate what can be validated before any broker call
  if (mode.kind === 'to-datetime') parseDatetime(mode.value)
  if (mode.kind === 'by-duration') parseDuration(mode.value)
  if (mode.kind === 'to-id') parseStreamId(mode.value, 'ID', ['$', '0'])
  const repair = conn.repair
  const before = await conn.group(source, group)
  const info = await repair.streamInfo(source)
  const warnings: string[] = []
  const current = before.lastDeliveredId ?? '0-0'
  const target = await resolveTarget(repair, source, mode, current, info, warnings, now)
  const {entriesRead, after} = await entriesReadFor(repair, info, target.id, warnings)

  let redeliver: number | null = null
  let skip: number | null = null
  if (target.moved !== null) {
    redeliver = Math.max(0, -target.moved)
    skip = Math.max(0, target.moved)
  } else if (after !== null && before.lag !== null) {
    redeliver = Math.max(0, after - before.lag)
    skip = Math.max(0, before.lag - after)
  } else if (compareIds(target.id, current) === 0) {
    redeliver = 0
    skip = 0
  }

  const report: PositionReport = {
    broker: 'redis',
    group,
    sources: [source],
    mode: mode.kind,
    modeValue: 'value' in mode ? mode.value : null,
    dryRun: !f.execute,
    executed: false,
    current: position(before),
    target: {lastDeliveredId: target.id, entriesRead, lag: entriesRead === null ? null : after},
    redeliver,
    skip,
    warnings,
    after: null,
  }
  for (const w of warnings) req.run.warn(w)
  if (f.execute) {
    await repair.setId(source, group, target.id, entriesRead)
    report.executed = true
    report.after = position(await conn.group(source, group))
  }
  return report
}
