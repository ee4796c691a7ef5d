// `cg reset GROUP` on Kafka: the reset modes of kafka-consumer-groups.sh --reset-offsets. The plan is computed
// by pure functions (parseScope, parseResetPlanCsv, computePlan, planCsv: unit-tested); resetOffsets() fetches
// what they need, and writes the plan through the admin API (OffsetCommit as admin, never a join) only with
// --execute and only while the group is Empty, Dead or absent.
import {existingInternalTopics} from './kafka-streams.js'
import {
  alterOffsets,
  committedOffsets,
  describeGroup,
  listOffsets,
  topicPartitionCounts,
  type GroupProtocol,
  type KafkaGroupInfo,
  type TopicPartitions,
} from './kafka-offsets.js'
import type {KafkaAdapter} from './kafka-types.js'
import {CgError, usage} from '../../errors/cg-error.js'
import {parseDatetime, parseDuration} from '../../services/time.js'

export type KafkaResetMode =
  | {kind: 'to-earliest'}
  | {kind: 'to-latest'}
  | {kind: 'to-current'}
  | {kind: 'to-offset'; offset: number}
  | {kind: 'shift-by'; shift: number}
  | {kind: 'to-datetime'; value: string; timestamp: number}
  | {kind: 'by-duration'; value: string; ms: number}
  | {kind: 'from-file'; path: string; rows: PlanRow[]}

export interface PlanRow {
  topic: string
  partition: number
  offset: number
}

/** `--topic t` (every partition) or `--topic t:0,1`; or every topic the group has offsets for. */
export type ResetScope = {kind: 'all-topics'} | {kind: 'topics'; topics: Array<{topic: string; partitions: number[] | null}>} | {kind: 'file'}

export interface ResetPartition {
  topic: string
  partition: number
  /** the committed offset before; null = none */
  current: number | null
  /** the offset the plan sets */
  new: number
  logStart: number | null
  logEnd: number | null
  /** logEnd - new; null when logEnd is unknown */
  lagAfter: number | null
  /** where the requested offset was moved into the log: 'log-start' | 'log-end' | null */
  clamped: 'log-start' | 'log-end' | null
}

export interface KafkaResetReport {
  group: string
  /** the group's state when planned (Java's names); "Dead" for a group that does not exist */
  state: string
  protocol: GroupProtocol | 'share' | null
  /** members */
  consumers: number
  mode: string
  /** what the mode was given: offset, shift, datetime, duration, file path; null for earliest/latest/current */
  modeValue: string | number | null
  dryRun: boolean
  executed: boolean
  partitions: ResetPartition[]
  warnings: string[]
  /** the plan as CSV (topic,partition,offset per line) with --export; else null */
  csv: string | null
}

const WHOLE = /^[+-]?\d+$/

/** `t`, `t:0,1,2` -> topic and partitions (null = every partition). */
export function parseScope(topics: string[] | undefined, allTopics: boolean, fromFile: boolean): ResetScope {
  const given = topics ?? []
  if (fromFile) {
    if (given.length || allTopics) throw usage('--from-file takes its partitions from the file', 'Leave --topic and --all-topics out with --from-file.')
    return {kind: 'file'}
  }
  if (allTopics && given.length) throw usage('--all-topics and --topic exclude each other', 'Give one scope: --all-topics, or --topic T / T:P,P (repeatable).')
  if (allTopics) return {kind: 'all-topics'}
  if (given.length === 0) throw usage('reset needs a scope', 'Give --topic T (or T:0,1; repeatable) or --all-topics, as kafka-consumer-groups.sh does.')
  const byTopic = new Map<string, number[] | null>()
  for (const arg of given) {
    const i = arg.lastIndexOf(':')
    if (i < 0) {
      if (!arg) throw usage('--topic needs a topic name', 'Give --topic TOPIC or --topic TOPIC:P,P (cg groups lists the topics of each group).')
      byTopic.set(arg, null)
      continue
    }
    const topic = arg.slice(0, i)
    const parts = arg
      .slice(i + 1)
      .split(',')
      .map((p) => p.trim())
    if (!topic || parts.some((p) => !/^\d+$/.test(p)))
      throw usage(`--topic ${JSON.stringify(arg)} is not TOPIC or TOPIC:P,P`, 'For example --topic orders or --topic orders:0,1.')
    const prev = byTopic.get(topic)
    if (prev === null) continue
    byTopic.set(
      topic,
      [...new Set([...(prev ?? []), ...parts.map(Number)])].sort((a, b) => a - b),
    )
  }
  return {kind: 'topics', topics: [...byTopic].map(([topic, partitions]) => ({topic, partitions}))}
}

/** A mode as the flags give it (a --from-file's rows are read by the caller). */
export type ParsedResetMode = Exclude<KafkaResetMode, {kind: 'from-file'}> | {kind: 'from-file'; path: string}

/** The mode of exactly one of the Kafka reset flags. */
export function parseResetMode(f: {
  toEarliest?: boolean
  toLatest?: boolean
  toCurrent?: boolean
  toOffset?: string
  shiftBy?: string
  toDatetime?: string
  byDuration?: string
  fromFile?: string
  toId?: string
}): ParsedResetMode {
  const modes: ParsedResetMode[] = []
  if (f.toId !== undefined) throw usage('--to-id is a Redis mode', 'On Kafka use --to-offset N (with --topic T:P to pick partitions).')
  if (f.toEarliest) modes.push({kind: 'to-earliest'})
  if (f.toLatest) modes.push({kind: 'to-latest'})
  if (f.toCurrent) modes.push({kind: 'to-current'})
  if (f.toOffset !== undefined) {
    const v = f.toOffset.trim()
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v)))
      throw usage(`--to-offset ${JSON.stringify(f.toOffset)} is not an offset`, 'Give a whole number >= 0, for example --to-offset 1200.')
    modes.push({kind: 'to-offset', offset: Number(v)})
  }
  if (f.shiftBy !== undefined) {
    const v = f.shiftBy.trim()
    if (!WHOLE.test(v) || !Number.isSafeInteger(Number(v)))
      throw usage(`--shift-by ${JSON.stringify(f.shiftBy)} is not a whole number`, 'For example --shift-by=-100 (back) or --shift-by 50 (forward).')
    modes.push({kind: 'shift-by', shift: Number(v)})
  }
  if (f.toDatetime !== undefined) modes.push({kind: 'to-datetime', value: f.toDatetime, timestamp: parseDatetime(f.toDatetime)})
  if (f.byDuration !== undefined) modes.push({kind: 'by-duration', value: f.byDuration, ms: parseDuration(f.byDuration)})
  if (f.fromFile !== undefined) modes.push({kind: 'from-file', path: f.fromFile})
  const all = '--to-earliest, --to-latest, --to-current, --to-offset N, --shift-by N, --to-datetime ISO, --by-duration PnDTnHnMnS, --from-file CSV'
  if (modes.length === 0) throw usage('reset needs a mode', `Give one of ${all}.`)
  if (modes.length > 1) throw usage(`reset takes one mode, got ${modes.map((m) => '--' + m.kind).join(' and ')}`, `Give exactly one of ${all}.`)
  return modes[0]
}

/**
 * A reset plan CSV as kafka-consumer-groups.sh --export writes it: `topic,partition,offset` per line for one
 * group, or `group,topic,partition,offset` (its multi-group form; rows of other groups are left out).
 */
export function parseResetPlanCsv(text: string, group: string, where = 'the file'): PlanRow[] {
  const rows: PlanRow[] = []
  let sawOtherGroup = false
  const lines = text.split(/\r?\n/)
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim()
    if (!line) continue
    const cols = splitCsvLine(line)
    const bad = () =>
      usage(
        `${where}, line ${i + 1}: ${JSON.stringify(line)} is not topic,partition,offset (or group,topic,partition,offset)`,
        'Write the file with `cg reset ... --export` or kafka-consumer-groups.sh --reset-offsets --export.',
      )
    let g: string | null = null
    let t: string, p: string, o: string
    if (cols.length === 3) [t, p, o] = cols
    else if (cols.length === 4) [g, t, p, o] = cols
    else throw bad()
    if (!t || !/^\d+$/.test(p) || !/^-?\d+$/.test(o)) throw bad()
    if (g !== null && g !== group) {
      sawOtherGroup = true
      continue
    }
    rows.push({topic: t, partition: Number(p), offset: Number(o)})
  }
  if (rows.length === 0) {
    throw usage(
      sawOtherGroup ? `${where} has no reset plan for group ${group}` : `${where} holds no offsets`,
      'Each line: topic,partition,offset (as --export prints it).',
    )
  }
  return rows
}

/** One CSV line; fields may be double-quoted (Jackson quotes a topic only when it needs it). */
function splitCsvLine(line: string): string[] {
  const out: string[] = []
  let cur = ''
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"'
        i++
      } else if (ch === '"') quoted = false
      else cur += ch
    } else if (ch === '"') quoted = true
    else if (ch === ',') {
      out.push(cur.trim())
      cur = ''
    } else cur += ch
  }
  out.push(cur.trim())
  return out
}

/** The plan as the Java tool's --export writes it for one group: `topic,partition,offset` lines. */
export function planCsv(rows: Array<{topic: string; partition: number; new: number}>): string {
  const q = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s)
  return rows.map((r) => `${q(r.topic)},${r.partition},${r.new}\n`).join('')
}

/** "topic" -> partition -> value */
export type OffsetMap = Map<string, Map<number, number | null>>

export interface PlanInputs {
  /** the partitions in scope, in order */
  partitions: Array<{topic: string; partition: number}>
  committed: Map<string, Map<number, number>>
  logStart: OffsetMap
  logEnd: OffsetMap
  /** the offset of the first record at or after the mode's timestamp (null: none); only for datetime/duration */
  byTime?: OffsetMap
}

const get = (m: OffsetMap | Map<string, Map<number, number>> | undefined, t: string, p: number): number | null => m?.get(t)?.get(p) ?? null

/**
 * The new offset of every partition in scope, as GroupOffsetsResetter computes it: earliest/latest = the log's
 * start/end; current = the committed offset (log end where there is none); to-offset, shift-by and from-file
 * are clamped into [log-start, log-end] with a warning; datetime/duration take the first offset at or after the
 * time, falling back to the log end (with a warning) where no record is that recent. --shift-by on a partition
 * with no committed offset is an error naming the partitions.
 */
export function computePlan(mode: KafkaResetMode, inp: PlanInputs): {partitions: ResetPartition[]; warnings: string[]} {
  const warnings: string[] = []
  if (mode.kind === 'shift-by') {
    const none = inp.partitions.filter((tp) => get(inp.committed, tp.topic, tp.partition) === null).map((tp) => `${tp.topic}-${tp.partition}`)
    if (none.length) {
      throw usage(
        `cannot shift the offset of ${none.join(', ')}: no committed offset (kafka-consumer-groups.sh fails the same way)`,
        'Leave those partitions out (--topic T:P,P) or give them an offset first (--to-earliest, --to-offset N).',
      )
    }
  }
  const rows: ResetPartition[] = []
  for (const {topic, partition} of inp.partitions) {
    const current = get(inp.committed, topic, partition)
    const logStart = get(inp.logStart, topic, partition)
    const logEnd = get(inp.logEnd, topic, partition)
    const name = `${topic}-${partition}`
    const need = (v: number | null, what: string): number => {
      if (v === null) throw new CgError('unexpected', `no ${what} offset for ${name}`, 'The partition may have no leader; check the topic.')
      return v
    }
    let requested: number
    let clampable = false
    switch (mode.kind) {
      case 'to-earliest':
        requested = need(logStart, 'log-start')
        break
      case 'to-latest':
        requested = need(logEnd, 'log-end')
        break
      case 'to-current':
        if (current === null) {
          requested = need(logEnd, 'log-end')
          warnings.push(`${name} has no committed offset: --to-current sets the log end (${requested}), as kafka-consumer-groups.sh does`)
        } else requested = current
        break
      case 'to-offset':
        requested = mode.offset
        clampable = true
        break
      case 'shift-by':
        requested = current! + mode.shift
        clampable = true
        break
      case 'to-datetime':
      case 'by-duration': {
        const at = get(inp.byTime, topic, partition)
        if (at === null) {
          requested = need(logEnd, 'log-end')
          warnings.push(
            `${name} has no record at or after ${new Date(mode.kind === 'to-datetime' ? mode.timestamp : Date.now() - mode.ms).toISOString()}: falling back to the latest offset (${requested})`,
          )
        } else requested = at
        break
      }
      case 'from-file': {
        const row = mode.rows.find((r) => r.topic === topic && r.partition === partition)
        requested = row!.offset
        clampable = true
        break
      }
    }
    let value = requested
    let clamped: ResetPartition['clamped'] = null
    if (clampable) {
      if (logEnd !== null && value > logEnd) {
        warnings.push(`new offset ${requested} is higher than the latest offset of ${name}: set to ${logEnd}`)
        value = logEnd
        clamped = 'log-end'
      } else if (logStart !== null && value < logStart) {
        warnings.push(`new offset ${requested} is lower than the earliest offset of ${name}: set to ${logStart}`)
        value = logStart
        clamped = 'log-start'
      }
    }
    rows.push({topic, partition, current, new: value, logStart, logEnd, lagAfter: logEnd === null ? null : Math.max(0, logEnd - value), clamped})
  }
  return {partitions: rows, warnings}
}

/** How to make a group inactive: its consumers, or a Kafka Streams application's instances, stopped. */
export function stopHint(info: Pick<KafkaGroupInfo, 'group' | 'streams'>): string {
  if (info.streams)
    return `Stop every instance of the Kafka Streams application (application.id ${info.group}); the group is Empty once they have left. Then run the command again.`
  return 'Stop its consumers (or remove them with `cg consumer delete`), then run the command again.'
}

/** Group states in which offsets may be written (Java: Empty or Dead; 4.x also a group that does not exist). */
export function resettable(info: Pick<KafkaGroupInfo, 'exists' | 'state'>): boolean {
  return !info.exists || info.state === 'Empty' || info.state === 'Dead'
}

export function liveGroupMessage(info: KafkaGroupInfo): string {
  const names = info.members.map((m) => (m.instanceId ? `${m.memberId} (instance ${m.instanceId})` : m.memberId))
  const shown = names.slice(0, 5).join(', ') + (names.length > 5 ? ` and ${names.length - 5} more` : '')
  return `group ${info.group} is ${info.state} with ${info.members.length} member(s)${names.length ? ': ' + shown : ''}`
}

export interface ResetOptions {
  group: string
  mode: KafkaResetMode
  scope: ResetScope
  execute: boolean
  exportCsv: boolean
}

export function toTopicPartitions(list: Array<{topic: string; partition: number}>): TopicPartitions[] {
  const m = new Map<string, number[]>()
  for (const {topic, partition} of list) {
    if (!m.has(topic)) m.set(topic, [])
    m.get(topic)!.push(partition)
  }
  return [...m].map(([topic, partitions]) => ({topic, partitions}))
}

/** Resolves the scope to partitions; unknown topics or partitions: exit 5. */
export async function partitionsInScope(
  adapter: KafkaAdapter,
  o: ResetOptions,
  committed: Map<string, Map<number, number>>,
  info?: Pick<KafkaGroupInfo, 'streams'>,
): Promise<Array<{topic: string; partition: number}>> {
  let wanted: Array<{topic: string; partition: number | null}>
  if (o.scope.kind === 'all-topics' && info?.streams) {
    // a streams group: every partition of its input topics (kafka-streams-groups.sh --all-input-topics)
    wanted = info.streams.inputTopics.map((topic) => ({topic, partition: null}))
  } else if (o.scope.kind === 'all-topics') {
    wanted = [...committed].flatMap(([topic, ps]) => [...ps.keys()].map((partition) => ({topic, partition})))
  } else if (o.scope.kind === 'file') {
    wanted = (o.mode as {rows: PlanRow[]}).rows.map((r) => ({topic: r.topic, partition: r.partition}))
  } else {
    wanted = o.scope.topics.flatMap(
      (t): Array<{topic: string; partition: number | null}> =>
        t.partitions === null ? [{topic: t.topic, partition: null}] : t.partitions.map((partition) => ({topic: t.topic, partition})),
    )
  }
  const {partitions, missing} = await topicPartitionCounts(
    adapter,
    wanted.map((w) => w.topic),
  )
  if (missing.length)
    throw new CgError(
      'not_found',
      `topic${missing.length > 1 ? 's' : ''} not found: ${missing.join(', ')}`,
      'List topics with kafka-topics.sh --list, or check the name.',
    )
  const out: Array<{topic: string; partition: number}> = []
  const bad: string[] = []
  const seen = new Set<string>()
  for (const w of wanted) {
    const all = partitions.get(w.topic)!
    for (const p of w.partition === null ? all : [w.partition]) {
      if (!all.includes(p)) bad.push(`${w.topic}-${p}`)
      else if (!seen.has(`${w.topic}\0${p}`)) {
        seen.add(`${w.topic}\0${p}`)
        out.push({topic: w.topic, partition: p})
      }
    }
  }
  if (bad.length)
    throw new CgError('not_found', `partition${bad.length > 1 ? 's' : ''} not found: ${bad.join(', ')}`, 'Check the partition numbers (--topic T:P,P).')
  return out.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition))
}

export async function resetOffsets(adapter: KafkaAdapter, o: ResetOptions): Promise<KafkaResetReport> {
  const info = await describeGroup(adapter, o.group)
  const committed = await committedOffsets(adapter, o.group)
  const scope = await partitionsInScope(adapter, o, committed, info)
  const tps = toTopicPartitions(scope)
  const [logStart, logEnd] = await Promise.all([listOffsets(adapter, tps, 'earliest'), listOffsets(adapter, tps, 'latest')])
  let byTime: OffsetMap | undefined
  if (o.mode.kind === 'to-datetime') byTime = await listOffsets(adapter, tps, {timestamp: o.mode.timestamp})
  if (o.mode.kind === 'by-duration') byTime = await listOffsets(adapter, tps, {timestamp: Date.now() - o.mode.ms})
  const plan = computePlan(o.mode, {partitions: scope, committed, logStart, logEnd, byTime})
  if (o.scope.kind === 'all-topics' && scope.length === 0) plan.warnings.push(`group ${o.group} has no committed offsets: --all-topics selects nothing`)
  const internal = info.streams ? await existingInternalTopics(adapter, info.streams) : []
  if (internal.length)
    plan.warnings.push(
      `${o.group} is a Kafka Streams application: its state stays in ${internal.join(', ')} and it resumes with that state at the new offsets (to rebuild it, delete those topics while the application is stopped: kafka-streams-groups.sh --reset-offsets --execute does)`,
    )

  const modeValue =
    o.mode.kind === 'to-offset'
      ? o.mode.offset
      : o.mode.kind === 'shift-by'
        ? o.mode.shift
        : o.mode.kind === 'to-datetime' || o.mode.kind === 'by-duration'
          ? o.mode.value
          : o.mode.kind === 'from-file'
            ? o.mode.path
            : null
  const report: KafkaResetReport = {
    group: o.group,
    state: info.state,
    protocol: info.protocol,
    consumers: info.members.length,
    mode: o.mode.kind,
    modeValue,
    dryRun: !o.execute,
    executed: false,
    partitions: plan.partitions,
    warnings: plan.warnings,
    csv: o.exportCsv ? planCsv(plan.partitions) : null,
  }
  if (!resettable(info)) {
    const why = `${liveGroupMessage(info)}; offsets can only be reset while it is Empty, Dead or absent`
    if (o.execute) throw new CgError('refused', `${why}. Nothing changed.`, stopHint(info))
    report.warnings.unshift(`${why}: --execute would be refused now`)
  }
  if (o.execute && plan.partitions.length) {
    await alterOffsets(
      adapter,
      o.group,
      plan.partitions.map((r) => ({topic: r.topic, partition: r.partition, offset: r.new})),
    )
    report.executed = true
  }
  return report
}
