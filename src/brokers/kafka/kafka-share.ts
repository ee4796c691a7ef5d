// Kafka share groups (KIP-932): the operations of kafka-share-groups.sh (ShareGroupCommand) with the same numbers.
// A share group has no committed offsets: per partition it has a share-partition start offset (the first record
// not yet acknowledged or archived) and, from Kafka 4.3 (KIP-1226), a lag the broker computes. Its members share
// partitions, so a member owns no lag. The requests (apis/) go to the group's coordinator.
import {CgError, refused, usage} from '../../errors/cg-error.js'
import {bulkEnd, type BulkEnd, type GroupStatus} from '../../core/results.js'
import {alterShareGroupOffsets, callGroupCoordinator, deleteShareGroupOffsets, describeShareGroupOffsets, shareGroupDescribe} from './apis/index.js'
import {kafkaError} from './kafka-errors.js'
import {GROUP_ID_NOT_FOUND, sortAssignment, stateName, type TopicPartitions} from './kafka-groups.js'
import {endOffsets, groupTypeOf, listGroups, type ListedGroup} from './kafka-inspect.js'
import {kafkaLib} from './kafka-adapter.js'
import {deleteGroup, listOffsets} from './kafka-offsets.js'
import {computePlan, partitionsInScope, planCsv, toTopicPartitions, type KafkaResetReport, type OffsetMap, type ResetOptions} from './kafka-reset.js'
import {recordTimes, timeKey} from './kafka-time-lag.js'
import {mapLimit} from '../../services/limit.js'
import type {KafkaConsumersReport, KafkaGroupRow} from './kafka-lag.js'
import type {OffsetDeleteRow} from './kafka-repair.js'
import type {KafkaAdapter} from './kafka-types.js'

const NON_EMPTY_GROUP = 68
const STOP_HINT = 'Stop its share consumers (a share group member cannot be removed by an admin), then run the command again.'

export interface ShareMember {
  memberId: string
  clientId: string
  host: string
  memberEpoch: number
  rackId: string | null
  subscribedTopics: string[]
  assignment: TopicPartitions[]
}

export interface ShareGroupInfo {
  group: string
  state: string
  groupEpoch: number
  assignmentEpoch: number
  assignor: string | null
  members: ShareMember[]
}

/** What shareGroupLag() reads of a share group: its state and each member's assignment. */
export interface ShareGroupState {
  group: string
  state: string
  members: Array<Pick<ShareMember, 'memberId' | 'assignment'>>
}

/** Runs one request, mapping the client's failures (connection, timeout, auth) to cg's errors. */
async function call<T>(adapter: KafkaAdapter, what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    if (err instanceof CgError) throw err
    throw kafkaError(err, adapter.options, what)
  }
}

/**
 * The share group of this name (ShareGroupDescribe at its coordinator); null when the cluster has no share group
 * of that name (another type of group, none at all, or a broker without share groups).
 */
export async function describeShareGroup(adapter: KafkaAdapter, group: string): Promise<ShareGroupInfo | null> {
  if ((await groupTypeOf(adapter, group)) !== 'share') return null
  return describeShare(adapter, group)
}

/** ShareGroupDescribe of a group known to be a share group; null when it is gone. */
async function describeShare(adapter: KafkaAdapter, group: string): Promise<ShareGroupInfo | null> {
  return call(adapter, `describing share group ${group}`, async () => {
    const res = await callGroupCoordinator(await adapter.admin(), group, shareGroupDescribe, [group])
    const g = res.groups.find((x) => x.groupId === group)
    if (!g || g.errorCode === GROUP_ID_NOT_FOUND) return null
    if (g.errorCode !== 0)
      throw new CgError('unexpected', `describing share group ${group}: ${await errorName(g.errorCode)}${g.errorMessage ? ` (${g.errorMessage})` : ''}`)
    return {
      group,
      state: stateName(g.groupState),
      groupEpoch: g.groupEpoch,
      assignmentEpoch: g.assignmentEpoch,
      assignor: g.assignorName || null,
      members: g.members
        .map((m) => ({
          memberId: m.memberId,
          clientId: m.clientId,
          host: m.clientHost,
          memberEpoch: m.memberEpoch,
          rackId: m.rackId,
          subscribedTopics: m.subscribedTopicNames,
          assignment: sortAssignment(m.assignment),
        }))
        // as ShareGroupCommand --describe --members lists them
        .sort((x, y) => (x.memberId < y.memberId ? -1 : x.memberId > y.memberId ? 1 : 0)),
    }
  })
}

let names: Map<number, string> | undefined
async function errorName(code: number): Promise<string> {
  if (!names) {
    const lib = (await kafkaLib()) as unknown as {protocolErrors?: Record<string, {id: string; code: number}>}
    names = new Map(Object.values(lib.protocolErrors ?? {}).map((e) => [e.code, e.id]))
  }
  return names.get(code) ?? `error ${code}`
}

/** One share partition as DescribeShareGroupOffsets answers it. */
export interface ShareOffset {
  topic: string
  partition: number
  /** the share-partition start offset; null while the partition has no share state yet (ShareGroupCommand prints "-") */
  startOffset: number | null
  leaderEpoch: number | null
  /** the broker's lag of the partition (KIP-1226, Kafka 4.3+); null when it does not say */
  lag: number | null
  /** the partition's error, by name; else null */
  error: string | null
}

/** The group's share partitions (every partition it has state for), sorted by topic and partition. */
export async function shareOffsets(adapter: KafkaAdapter, group: string): Promise<ShareOffset[]> {
  return call(adapter, `reading the offsets of share group ${group}`, async () => {
    const res = await callGroupCoordinator(await adapter.admin(), group, describeShareGroupOffsets, [{group, topics: null}])
    const g = res.groups.find((x) => x.groupId === group)
    if (!g || g.errorCode === GROUP_ID_NOT_FOUND) return []
    if (g.errorCode !== 0)
      throw new CgError(
        'unexpected',
        `reading the offsets of share group ${group}: ${await errorName(g.errorCode)}${g.errorMessage ? ` (${g.errorMessage})` : ''}`,
      )
    const rows: ShareOffset[] = []
    for (const t of g.topics)
      for (const p of t.partitions) {
        const ok = p.errorCode === 0
        rows.push({
          topic: t.topic,
          partition: p.partition,
          startOffset: ok && p.startOffset >= 0 ? p.startOffset : null,
          leaderEpoch: ok && p.leaderEpoch >= 0 ? p.leaderEpoch : null,
          lag: ok && p.startOffset >= 0 && p.lag >= 0 ? p.lag : null,
          error: ok ? null : await errorName(p.errorCode),
        })
      }
    return rows.sort((x, y) => (x.topic < y.topic ? -1 : x.topic > y.topic ? 1 : x.partition - y.partition))
  })
}

// ---- reads ----

export interface SharePartitionRow extends ShareOffset {
  /** the partition's log-end offset; null when unknown */
  logEndOffset: number | null
  /** now minus the timestamp of the record at startOffset, while the partition lags; else null */
  timeLagMs: number | null
  /** why timeLagMs is null while the partition lags; else null */
  timeLagNote: string | null
  /** member ids of the members it is assigned to (a share partition may be shared by several) */
  consumers: string[]
}

export interface ShareGroupLag {
  group: string
  sources: string[]
  state: string
  protocol: 'share'
  /** members */
  consumers: number
  /** the partitions' lags summed (what ShareGroupCommand's LAG column adds up to); null when none is known */
  lag: number | null
  timeLagMs: number | null
  timeLagNote: string | null
  partitions: SharePartitionRow[]
}

function sumKnown(rows: Array<{lag: number | null}>): number | null {
  let known = false
  let sum = 0
  for (const r of rows)
    if (r.lag !== null) {
      known = true
      sum += r.lag
    }
  return known ? sum : null
}

/** The group's partitions with log-end offsets, broker lag, time behind (the record at the start offset) and members. */
export async function shareGroupLag(adapter: KafkaAdapter, info: ShareGroupState, topic?: string): Promise<ShareGroupLag> {
  const offsets = (await shareOffsets(adapter, info.group)).filter((r) => topic === undefined || r.topic === topic)
  const ask = new Map<string, number[]>()
  for (const r of offsets) ask.set(r.topic, [...(ask.get(r.topic) ?? []), r.partition])
  const ends = ask.size ? (await endOffsets(adapter, ask)).offsets : new Map<string, Map<number, number>>()
  const owners = new Map<string, string[]>()
  for (const m of info.members)
    for (const a of m.assignment)
      for (const p of a.partitions) {
        const k = `${a.topic}\0${p}`
        owners.set(k, [...(owners.get(k) ?? []), m.memberId])
      }
  const rows: SharePartitionRow[] = offsets.map((r) => ({
    ...r,
    logEndOffset: ends.get(r.topic)?.get(r.partition) ?? null,
    timeLagMs: null,
    timeLagNote: null,
    consumers: owners.get(`${r.topic}\0${r.partition}`) ?? [],
  }))
  const lagging = rows.filter((r) => r.lag !== null && r.lag > 0 && r.startOffset !== null && r.logEndOffset !== null)
  const times = lagging.length
    ? await recordTimes(
        adapter,
        lagging.map((r) => ({topic: r.topic, partition: r.partition, offset: r.startOffset as number, end: r.logEndOffset as number})),
      )
    : new Map()
  const now = Date.now()
  let timeLagMs: number | null = null
  let note: string | null = null
  for (const r of rows) {
    if (r.lag === null || r.lag <= 0) continue
    const t = r.startOffset === null ? undefined : times.get(timeKey(r.topic, r.partition, r.startOffset))
    r.timeLagMs = t?.timestamp == null ? null : Math.max(0, now - t.timestamp)
    r.timeLagNote = r.timeLagMs === null ? (t?.note ?? 'unknown') : null
    if (r.timeLagMs !== null && (timeLagMs === null || r.timeLagMs > timeLagMs)) timeLagMs = r.timeLagMs
    note ??= r.timeLagNote
  }
  const lag = sumKnown(rows)
  return {
    group: info.group,
    sources: [...new Set([...rows.map((r) => r.topic), ...info.members.flatMap((m) => m.assignment.map((a) => a.topic))])]
      .filter((t) => topic === undefined || t === topic)
      .sort(),
    state: info.state,
    protocol: 'share',
    consumers: info.members.length,
    lag,
    timeLagMs,
    timeLagNote: timeLagMs === null && lag !== null && lag > 0 ? (note ?? 'unknown') : null,
    partitions: rows,
  }
}

/**
 * `cg lag` without a group: every share group of the cluster (with --topic, those touching it), each as
 * shareGroupLag() gives it. The consumer-group rows of the same names are replaced by these (kafka-driver.ts).
 */
export async function shareGroupsLag(adapter: KafkaAdapter, topic?: string): Promise<ShareGroupLag[]> {
  const out: ShareGroupLag[] = []
  for (const g of await listGroups(adapter, ['share'])) {
    const info = await describeShare(adapter, g.group)
    if (!info) continue
    const lag = await shareGroupLag(adapter, info, topic)
    if (topic === undefined || lag.sources.includes(topic)) out.push(lag)
  }
  return out
}

/**
 * `cg groups`: each share group's row with the numbers shareGroupLag() gives it (the lag its broker reports, the
 * time behind at its start offsets, the topics it has offsets on or members assigned): the consumer-group read
 * knows no share state. With a topic, share groups that do not touch it are left out. `described`: share groups
 * already described (groupsReport's), not described again.
 */
export async function withShareLag(
  adapter: KafkaAdapter,
  rows: KafkaGroupRow[],
  topic?: string,
  described?: ReadonlyMap<string, ShareGroupState>,
): Promise<KafkaGroupRow[]> {
  const lags = await mapLimit(rows, 4, async (r) => {
    if (r.type !== 'share') return null
    // (the listing's describe has them: not asked again)
    const info = described?.get(r.group) ?? (await describeShare(adapter, r.group))
    return info ? shareGroupLag(adapter, info, topic) : null
  })
  return rows.flatMap((r, i) => {
    const l = lags[i]
    if (!l) return r.type === 'share' && topic !== undefined ? [] : [r]
    if (topic !== undefined && !l.sources.includes(topic)) return []
    return [{...r, sources: l.sources, state: l.state, consumers: l.consumers, lag: l.lag, timeLagMs: l.timeLagMs, timeLagNote: l.timeLagNote}]
  })
}

/**
 * A share group in the status read (cg check, cg metrics, --watch): the numbers of shareGroupLag (start offsets,
 * the lag the broker reports, time behind), over the consumer-group row of the same name when there is one
 * (its dead-letter topic is kept). `consumed` is the sum of the start offsets: it only grows as records are
 * acknowledged, so a rate can be taken from it.
 */
export function shareStatus(l: ShareGroupLag, base?: GroupStatus): GroupStatus {
  let consumed: number | null = null
  let produced: number | null = null
  for (const r of l.partitions) {
    if (r.startOffset !== null) consumed = (consumed ?? 0) + r.startOffset
    if (r.logEndOffset !== null) produced = (produced ?? 0) + r.logEndOffset
  }
  return {
    group: l.group,
    sources: l.sources,
    lag: l.lag,
    timeLagMs: l.timeLagMs,
    timeLagNote: l.timeLagNote,
    consumers: l.consumers,
    pending: l.lag,
    oldestPendingMs: null,
    maxDeliveries: null,
    dlq: base?.dlq ?? null,
    consumed,
    produced,
    partitions: l.partitions.map((r) => ({source: r.topic, partition: r.partition, lag: r.lag, timeLagMs: r.timeLagMs})),
  }
}

/**
 * The status read of every group (`listed`: the listing it was read from) with the share groups' rows replaced
 * by their own numbers (shareStatus).
 */
export async function withShareStatus<R extends {groups: GroupStatus[]}>(adapter: KafkaAdapter, report: R, listed: ListedGroup[]): Promise<R> {
  const shares = new Set(listed.filter((g) => g.type === 'share').map((g) => g.group))
  if (!report.groups.some((g) => shares.has(g.group))) return report
  const groups: GroupStatus[] = []
  for (const g of report.groups) {
    const info = shares.has(g.group) ? await describeShare(adapter, g.group) : null
    groups.push(info ? shareStatus(await shareGroupLag(adapter, info), g) : g)
  }
  return {...report, groups}
}

/**
 * `cg consumers GROUP` of a share group: its members as ShareGroupCommand --describe --members lists them (sorted by
 * member id), in the rows of every Kafka group. They share partitions and own no lag (pending null); share groups
 * have no static members, no target assignment per member and one member type.
 */
export function shareConsumersReport(info: ShareGroupInfo, topic?: string): KafkaConsumersReport {
  const only = (list: TopicPartitions[]) => (topic === undefined ? list : list.filter((a) => a.topic === topic))
  return {
    group: info.group,
    state: info.state,
    type: 'share',
    protocol: 'share',
    assignor: info.assignor,
    groupEpoch: info.groupEpoch,
    assignmentEpoch: info.assignmentEpoch,
    consumers: info.members.map((m) => ({
      name: m.memberId,
      pending: null,
      idleMs: null,
      clientId: m.clientId,
      host: m.host,
      instanceId: null,
      assignment: only(m.assignment),
      memberEpoch: m.memberEpoch,
      targetAssignment: null,
      reconciling: m.memberEpoch < info.groupEpoch,
      memberType: null,
    })),
  }
}

/** `cg pending GROUP` of a share group: per partition the start offset and the broker's lag, summed. */
export async function sharePendingReport(adapter: KafkaAdapter, info: ShareGroupInfo, topic?: string) {
  const g = await shareGroupLag(adapter, info, topic)
  return {
    group: g.group,
    state: g.state,
    protocol: g.protocol,
    consumers: g.consumers,
    sources: g.sources,
    pending: g.lag,
    timeLagMs: g.timeLagMs,
    timeLagNote: g.timeLagNote,
    partitions: g.partitions,
  }
}

// ---- repairs ----

function membersMessage(info: ShareGroupInfo): string {
  const ids = info.members.map((m) => `${m.memberId} (${m.clientId})`)
  return `share group ${info.group} is ${info.state} with ${info.members.length} member(s): ${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ` and ${ids.length - 5} more` : ''}`
}

/**
 * `cg reset GROUP` of a share group: the plan as ShareGroupCommand --reset-offsets computes it (earliest, latest,
 * datetime, duration; the partitions of --topic, or with --all-topics those the group has state for), written
 * with AlterShareGroupOffsets only with --execute and only while the group has no members.
 */
export async function resetShareOffsets(adapter: KafkaAdapter, info: ShareGroupInfo, o: ResetOptions): Promise<KafkaResetReport> {
  const allowed = ['to-earliest', 'to-latest', 'to-datetime', 'by-duration']
  if (!allowed.includes(o.mode.kind))
    throw usage(
      `--${o.mode.kind} is not a reset of share groups`,
      'A share group resets its start offsets with --to-earliest, --to-latest, --to-datetime or --by-duration (as kafka-share-groups.sh).',
    )
  const offsets = await shareOffsets(adapter, info.group)
  const current = new Map<string, Map<number, number>>()
  for (const r of offsets) {
    const m = current.get(r.topic) ?? new Map<number, number>()
    if (r.startOffset !== null) m.set(r.partition, r.startOffset)
    current.set(r.topic, m)
  }
  const scope = await partitionsInScope(adapter, o, current)
  const tps = toTopicPartitions(scope)
  const [logStart, logEnd] = await Promise.all([listOffsets(adapter, tps, 'earliest'), listOffsets(adapter, tps, 'latest')])
  let byTime: OffsetMap | undefined
  if (o.mode.kind === 'to-datetime') byTime = await listOffsets(adapter, tps, {timestamp: o.mode.timestamp})
  if (o.mode.kind === 'by-duration') byTime = await listOffsets(adapter, tps, {timestamp: Date.now() - o.mode.ms})
  const plan = computePlan(o.mode, {partitions: scope, committed: current, logStart, logEnd, byTime})
  if (o.scope.kind === 'all-topics' && scope.length === 0) plan.warnings.push(`share group ${info.group} has no start offsets: --all-topics selects nothing`)
  const report: KafkaResetReport = {
    group: info.group,
    state: info.state,
    protocol: 'share',
    consumers: info.members.length,
    mode: o.mode.kind,
    modeValue: o.mode.kind === 'to-datetime' || o.mode.kind === 'by-duration' ? o.mode.value : null,
    dryRun: !o.execute,
    executed: false,
    partitions: plan.partitions,
    warnings: plan.warnings,
    csv: o.exportCsv ? planCsv(plan.partitions) : null,
  }
  if (info.members.length > 0) {
    const why = `${membersMessage(info)}; its start offsets can only be reset while it has none`
    if (o.execute) throw new CgError('refused', `${why}. Nothing changed.`, STOP_HINT)
    report.warnings.unshift(`${why}: --execute would be refused now`)
  }
  if (o.execute && plan.partitions.length) {
    const byTopic = new Map<string, Array<{partition: number; startOffset: number}>>()
    for (const r of plan.partitions) byTopic.set(r.topic, [...(byTopic.get(r.topic) ?? []), {partition: r.partition, startOffset: r.new}])
    const res = await call(adapter, `resetting share group ${info.group}`, async () =>
      callGroupCoordinator(
        await adapter.admin(),
        info.group,
        alterShareGroupOffsets,
        info.group,
        [...byTopic].map(([topic, partitions]) => ({topic, partitions})),
      ),
    )
    if (res.errorCode === NON_EMPTY_GROUP)
      throw new CgError('refused', `share group ${info.group} has members now: the broker refused the reset (NON_EMPTY_GROUP)`, STOP_HINT)
    if (res.errorCode !== 0)
      throw new CgError(
        'unexpected',
        `resetting share group ${info.group}: ${await errorName(res.errorCode)}${res.errorMessage ? ` (${res.errorMessage})` : ''}`,
      )
    const failed: string[] = []
    for (const t of res.topics) for (const p of t.partitions) if (p.errorCode !== 0) failed.push(`${t.topic}-${p.partition}: ${await errorName(p.errorCode)}`)
    if (failed.length)
      throw new CgError(
        'partial',
        `the broker refused the reset of ${failed.join(', ')}`,
        'Run the command again; cg pending GROUP shows the start offsets now.',
      )
    report.executed = true
  }
  return report
}

/** A row of a share group's offsets delete: a consumer group's row, its `offset` the start offset before. */
export type ShareOffsetDeleteRow = OffsetDeleteRow

/**
 * `cg offsets delete GROUP --topic T` of a share group: DeleteShareGroupOffsets of whole topics (a share group's
 * state is per topic: T:P is refused), only while the group has no members.
 */
export async function deleteShareOffsets(adapter: KafkaAdapter, info: ShareGroupInfo, o: {topics: string[] | undefined; dryRun: boolean}) {
  const given = o.topics ?? []
  if (given.length === 0) throw usage('offsets delete needs --topic', 'Give --topic T (repeatable): the topics whose share state to delete.')
  const partial = given.find((t) => t.includes(':'))
  if (partial !== undefined)
    throw usage(
      `--topic ${partial}: a share group's offsets are deleted per topic`,
      'Give the topic without partitions (--topic T), as kafka-share-groups.sh --delete-offsets does.',
    )
  const topics = [...new Set(given)]
  if (info.members.length > 0)
    throw new CgError('refused', `${membersMessage(info)}; its offsets can only be deleted while it has none. Nothing changed.`, STOP_HINT)
  const offsets = await shareOffsets(adapter, info.group)
  const rows: ShareOffsetDeleteRow[] = []
  for (const topic of topics) {
    const own = offsets.filter((r) => r.topic === topic)
    if (own.length === 0) rows.push({topic, partition: -1, offset: null, status: 'no offset', error: null})
    for (const r of own) rows.push({topic, partition: r.partition, offset: r.startOffset, status: o.dryRun ? 'would delete' : 'deleted', error: null})
  }
  const totals: BulkEnd & {deleted: number} = {...bulkEnd(), deleted: 0}
  const withState = topics.filter((t) => offsets.some((r) => r.topic === t))
  if (!o.dryRun && withState.length) {
    const res = await call(adapter, `deleting offsets of share group ${info.group}`, async () =>
      callGroupCoordinator(await adapter.admin(), info.group, deleteShareGroupOffsets, info.group, withState),
    )
    if (res.errorCode === NON_EMPTY_GROUP)
      throw new CgError('refused', `share group ${info.group} has members now: the broker refused (NON_EMPTY_GROUP)`, STOP_HINT)
    if (res.errorCode !== 0)
      throw new CgError(
        'unexpected',
        `deleting offsets of share group ${info.group}: ${await errorName(res.errorCode)}${res.errorMessage ? ` (${res.errorMessage})` : ''}`,
      )
    for (const t of res.topics) {
      if (t.errorCode === 0) continue
      const error = await errorName(t.errorCode)
      for (const r of rows) if (r.topic === t.topic) Object.assign(r, {status: 'failed', error})
    }
  }
  for (const r of rows) {
    if (r.status === 'deleted') totals.deleted++
    else if (r.status === 'no offset') totals.skipped++
    else if (r.status === 'failed') totals.failed++
  }
  // a topic without share state is one row with no partition
  const partitions = rows.map((r) => ({...r, partition: r.partition < 0 ? null : r.partition}))
  return {group: info.group, state: info.state, protocol: 'share' as const, consumers: info.members.length, dryRun: o.dryRun, partitions, totals}
}

/** `cg group delete GROUP` of a share group: DeleteGroups (its share state goes with it), refused while it has members. */
export async function deleteShareGroup(adapter: KafkaAdapter, info: ShareGroupInfo, o: {dryRun: boolean}) {
  if (info.members.length > 0) throw new CgError('refused', `${membersMessage(info)}; a group is deleted only when it has none. Nothing changed.`, STOP_HINT)
  const offsets = await shareOffsets(adapter, info.group)
  const report = {
    group: info.group,
    state: info.state,
    protocol: 'share' as const,
    consumers: 0,
    committedPartitions: offsets.filter((r) => r.startOffset !== null).length,
    sources: [...new Set(offsets.map((r) => r.topic))].sort(),
    // a share group has no internal topics (those are a Kafka Streams application's)
    internalTopics: [] as string[],
    dryRun: o.dryRun,
    deleted: false,
    internalTopicsDeleted: false,
  }
  if (o.dryRun) return report
  await deleteGroup(adapter, info.group)
  report.deleted = true
  return report
}

/** What a share group cannot do, with what to do instead (exit 4). */
export function shareRefusal(group: string, op: 'consumer:delete'): CgError {
  if (op === 'consumer:delete')
    return refused(
      `${group} is a share group: an admin cannot remove a member of a share group (KIP-932 has no such request)`,
      'Stop that consumer process; the records it acquired return to the other members when their acquisition lock expires (group.share.record.lock.duration.ms).',
    )
  return refused(`${group} is a share group`)
}
