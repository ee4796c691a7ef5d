// Moving a group's position: `cg setid` (the raw XGROUP SETID) and `cg reset` (Kafka's reset modes mapped
// onto SETID). Both build a plan first; reset only carries it out with --execute.
import type {BrokerAdapter, GroupRow} from '../brokers/types.js'
import type {RepairOps, StreamInfo} from '../brokers/repair-types.js'
import {compareIds, parseStreamId} from '../brokers/redis/stream-id.js'
import {usage} from '../errors/cg-error.js'
import {warn} from '../output/log.js'
import {repairOps} from './claim.js'

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

export interface PositionReport {
  source: string
  group: string
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
export function resetMode(flags: {toEarliest?: boolean; toLatest?: boolean; toDatetime?: string; byDuration?: string; shiftBy?: number; toId?: string}): ResetMode {
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

/** ISO 8601 date-time; without a zone it is UTC. Returns epoch ms. */
export function parseDatetime(value: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?)?(Z|[+-]\d{2}:?\d{2})?$/i.exec(value.trim())
  const bad = () => usage(`--to-datetime ${JSON.stringify(value)} is not an ISO 8601 date-time`, 'Use for example 2024-05-01T12:00:00Z, 2024-05-01T14:00:00+02:00 or 2024-05-01 (no zone = UTC).')
  if (!m) throw bad()
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone = 'Z'] = m
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}${frac.slice(0, 4)}${zone.length === 5 ? zone.slice(0, 3) + ':' + zone.slice(3) : zone.toUpperCase()}`
  const ms = Date.parse(iso)
  const day = Date.parse(`${y}-${mo}-${d}T00:00:00Z`)
  // some engines roll 2024-02-31 over to March: compare the date back to refuse it
  if (!Number.isFinite(ms) || !Number.isFinite(day) || new Date(day).toISOString().slice(0, 10) !== `${y}-${mo}-${d}`) throw bad()
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) throw bad()
  return ms
}

/** ISO 8601 duration PnDTnHnMnS (Kafka's --by-duration), e.g. PT1H, P1DT12H, PT0.5S. Returns ms. */
export function parseDuration(value: string): number {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(value.trim())
  if (!m || value.trim().toUpperCase() === 'P' || /T$/i.test(value.trim()) || m.slice(1).every((x) => x === undefined)) {
    throw usage(`--by-duration ${JSON.stringify(value)} is not an ISO 8601 duration`, 'Use PnDTnHnMnS, for example PT30M, PT1H or P1DT12H.')
  }
  const [d = '0', h = '0', mi = '0', s = '0'] = m.slice(1)
  return Math.round(((Number(d) * 24 + Number(h)) * 60 + Number(mi)) * 60_000 + Number(s) * 1000)
}

/** The id a mode resolves to, and how far it moved where that is known on the way. */
async function resolveTarget(repair: RepairOps, source: string, mode: ResetMode, current: string, info: StreamInfo, warnings: string[], now: number): Promise<{id: string; moved: number | null}> {
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
async function entriesReadFor(repair: RepairOps, info: StreamInfo, id: string, warnings: string[]): Promise<{entriesRead: number | null; after: number | null}> {
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
  const clean = info.length === 0 || maxDeleted === '0-0' || compareIds(maxDeleted, id) < 0 || (info.firstId !== null && compareIds(maxDeleted, info.firstId) < 0)
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

export interface SetIdRequest {
  source: string
  group: string
  id: string
  entriesRead: number | null
  dryRun: boolean
}

/** `cg setid`: XGROUP SETID as given (ENTRIESREAD only when given). */
export async function setId(adapter: BrokerAdapter, req: SetIdRequest): Promise<PositionReport> {
  const repair = repairOps(adapter, 'setid')
  const parsed = parseStreamId(req.id, 'ID', ['$', '0'])
  const id = parsed === '0' ? '0-0' : parsed
  const before = await repair.group(req.source, req.group)
  const report: PositionReport = {
    source: req.source,
    group: req.group,
    mode: 'setid',
    modeValue: null,
    dryRun: req.dryRun,
    executed: false,
    current: position(before),
    target: {lastDeliveredId: id, entriesRead: req.entriesRead, lag: null},
    redeliver: null,
    skip: null,
    warnings: [],
    after: null,
  }
  if (!req.dryRun) {
    await repair.setId(req.source, req.group, id, req.entriesRead)
    report.executed = true
    const after = await repair.group(req.source, req.group)
    report.after = position(after)
    report.target.lastDeliveredId = after.lastDeliveredId ?? id
    if (after.lag === null) {
      report.warnings.push('lag is unknown after this move: pass --entries-read N, or use cg reset, which computes it')
      warn(`warning: ${report.warnings[0]}`)
    }
  }
  return report
}

export interface ResetRequest {
  source: string
  group: string
  mode: ResetMode
  execute: boolean
  /** for --by-duration; tests pass a fixed clock */
  now?: number
}

/** `cg reset`: resolve the mode to an id, compute ENTRIESREAD, print the plan; SETID only with --execute. */
export async function reset(adapter: BrokerAdapter, req: ResetRequest): Promise<PositionReport> {
  const repair = repairOps(adapter, 'reset')
  // validate what can be validated before any broker call
  if (req.mode.kind === 'to-datetime') parseDatetime(req.mode.value)
  if (req.mode.kind === 'by-duration') parseDuration(req.mode.value)
  if (req.mode.kind === 'to-id') parseStreamId(req.mode.value, 'ID', ['$', '0'])
  const before = await repair.group(req.source, req.group)
  const info = await repair.streamInfo(req.source)
  const warnings: string[] = []
  const current = before.lastDeliveredId ?? '0-0'
  const target = await resolveTarget(repair, req.source, req.mode, current, info, warnings, req.now ?? Date.now())
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
    source: req.source,
    group: req.group,
    mode: req.mode.kind,
    modeValue: 'value' in req.mode ? req.mode.value : null,
    dryRun: !req.execute,
    executed: false,
    current: position(before),
    target: {lastDeliveredId: target.id, entriesRead, lag: entriesRead === null ? null : after},
    redeliver,
    skip,
    warnings,
    after: null,
  }
  for (const w of warnings) warn(`warning: ${w}`)
  if (req.execute) {
    await repair.setId(req.source, req.group, target.id, entriesRead)
    report.executed = true
    report.after = position(await repair.group(req.source, req.group))
  }
  return report
}
