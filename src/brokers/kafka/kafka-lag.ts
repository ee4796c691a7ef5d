// Kafka inspection reports: groups, consumers (members), pending/lag per partition (the view of
// `kafka-consumer-groups.sh --describe`), and lag over a window with a status per partition and group.
// Rows carry the common core (group, sources, state, consumers, lag; a member is a consumer, named by its
// member id) beside Kafka's own facts.
import {CgError, notFound} from '../../errors/cg-error.js'
import type {GroupStatus} from '../../core/results.js'
import {dlqCandidates} from './kafka-dlq-target.js'
import {
  committedOffsets,
  describeGroups,
  endOffsets,
  listGroups,
  startOffsets,
  topicPartitions,
  type CommittedOffsets,
  type DescribedGroup,
  type ListedGroup,
  type EndOffsets,
  type MemberInfo,
} from './kafka-inspect.js'
import {existingInternalTopics, type StreamsGroupInfo, type StreamsMemberRow, type StreamsSubtopologyRow} from './kafka-streams.js'
import {recordTimes, timeKey, type RecordTime} from './kafka-time-lag.js'
import type {KafkaAdapter} from './kafka-types.js'
import {partitionStatus, sampleTimes, worst, type Sample, type WindowStatus} from './kafka-lag-window.js'
import {sleep} from '../../services/wait.js'

/** Time behind, as every row carries it. */
interface TimeLag {
  /**
   * now minus the timestamp of the oldest record not read yet (the record at the committed offset, or at the
   * log start when the committed offset is below it); a group's is its largest partition's. Null when nothing
   * waits (lag 0), when the lag is unknown, or when the timestamp could not be read (timeLagNote says why).
   */
  timeLagMs: number | null
  /** why timeLagMs is null while lag is above zero, in words (e.g. "no timestamp"); else null */
  timeLagNote: string | null
}

export interface KafkaGroupRow extends TimeLag {
  group: string
  /** the topics the group has offsets on or members assigned */
  sources: string[]
  state: string
  /** members */
  consumers: number
  /** sum of the partitions' lag; null when the group has no committed offset (unknown, never 0) */
  lag: number | null
  /** the group type, as kafka-groups.sh --list: classic, consumer (KIP-848), share (KIP-932), streams (KIP-1071) */
  type: string
  /** classic or consumer; share and streams for those types (the same as type) */
  protocol: string
  protocolType: string
  /** partitions of its topics without a leader (their nodes are down): the lag leaves them out */
  leaderlessPartitions: number
}

export interface PartitionRow extends TimeLag {
  topic: string
  partition: number
  /** the committed offset; null when the group has none on this partition */
  currentOffset: number | null
  /** the earliest offset the partition still holds (retention and DeleteRecords move it) */
  logStartOffset: number | null
  logEndOffset: number | null
  /** node id of the partition's leader; null when it has none (every node holding a replica is down): its log offsets are then unknown */
  leader: number | null
  /**
   * log-end minus committed (as kafka-consumer-groups.sh), or log-end minus log-start when the committed
   * offset is below the log start (what the group will still read: the rest is lost); null when unknown
   */
  lag: number | null
  /** records removed before the group read them: log-start minus committed when positive, else 0; null when unknown */
  lostRecords: number | null
  /** the member id of the owner */
  consumer: string | null
  host: string | null
  clientId: string | null
  /** with --window only */
  status?: WindowStatus | null
  /** with --window only: committed offset at the last sample minus at the first (null when unknown) */
  offsetDelta?: number | null
}

/** What a group's partitions add up to: the facts a table states in words under the group. */
export interface GroupTotals extends TimeLag {
  /** the sum of the partitions' known lags (each counted from the log start when its offset is below it); null when none is known */
  lag: number | null
  /** partitions of the group's topics without a committed offset (their lag is unknown) */
  uncommittedPartitions: number
  /** records those partitions hold (log-end minus log-start); null when a bound is unknown */
  uncommittedRecords: number | null
  /** the partitions' lostRecords summed: records retention or DeleteRecords removed before the group read them */
  lostRecords: number
  /** partitions without a leader (their nodes are down): log offsets and lag unknown there */
  leaderlessPartitions: number
}

export interface GroupLag extends GroupTotals {
  group: string
  /** the topics of its partitions */
  sources: string[]
  state: string
  protocol: string
  /** members */
  consumers: number
  /** with --window only */
  status?: WindowStatus | null
  partitions: PartitionRow[]
}

const HINT_GROUPS = 'cg groups lists the consumer groups (both protocols).'

function owners(d: DescribedGroup | undefined): Map<string, MemberInfo> {
  const out = new Map<string, MemberInfo>()
  for (const m of d?.members ?? []) for (const a of m.assignment) for (const p of a.partitions) out.set(`${a.topic}\0${p}`, m)
  return out
}

/**
 * The partitions of a group, topic -> partitions: every partition of every topic it has offsets on or
 * members assigned (`known`: the partitions of the topics that exist), so a partition without a commit is
 * listed too; of a topic that no longer exists, the partitions it has offsets on or assigned.
 */
function groupPartitions(
  d: DescribedGroup | undefined,
  committed: Map<string, Map<number, number>> | undefined,
  known: Map<string, number[]>,
  topic?: string,
): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>()
  const add = (t: string, p: number) => {
    if (topic !== undefined && t !== topic) return
    let s = out.get(t)
    if (!s) {
      s = new Set<number>(known.get(t) ?? [])
      out.set(t, s)
    }
    s.add(p)
  }
  for (const [t, ps] of committed ?? []) for (const p of ps.keys()) add(t, p)
  for (const m of d?.members ?? []) for (const a of m.assignment) for (const p of a.partitions) add(a.topic, p)
  // a streams group reads every partition of its topology's source topics, members or not
  for (const t of streamsSources(d)) for (const p of known.get(t) ?? []) add(t, p)
  return out
}

/** The source topics of a streams group's topology (repartition topics included); [] for other groups. */
function streamsSources(d: DescribedGroup | undefined): string[] {
  return d?.streams?.subtopologies.flatMap((s) => s.sourceTopics) ?? []
}

interface Offsets {
  /** topic -> partition numbers, of the topics that exist */
  known: Map<string, number[]>
  /** topic -> partition -> log-end */
  ends: EndOffsets
  /** topic -> partition -> log-start */
  starts: EndOffsets
  /** topic -> partition -> leader node id (-1: none) */
  leaders: Map<string, number[]>
}

interface Snapshot extends Offsets {
  described: Map<string, DescribedGroup>
  committed: CommittedOffsets
}

/**
 * Partitions and their log-start and log-end offsets for every topic these groups touch (plus `extra`
 * topics, those that exist): one metadata round and two ListOffsets rounds, whatever the number of groups.
 */
async function offsetsFor(
  adapter: KafkaAdapter,
  described: Map<string, DescribedGroup>,
  committed: CommittedOffsets,
  groups: string[],
  topic?: string,
  extra: (topics: string[]) => string[] = () => [],
): Promise<Offsets> {
  const touched = new Set<string>()
  for (const g of groups) {
    for (const t of groupPartitions(described.get(g), committed.get(g), new Map(), topic).keys()) touched.add(t)
    for (const t of streamsSources(described.get(g))) if (topic === undefined || t === topic) touched.add(t)
  }
  const known = await topicPartitions(adapter, [...touched, ...extra([...touched])])
  const ask = new Map<string, number[]>()
  for (const [t, ps] of known) if (ps.length) ask.set(t, ps)
  const [ends, starts] = await Promise.all([endOffsets(adapter, ask), startOffsets(adapter, ask)])
  // a partition one round could not read has no known bounds at all (no half-known lag)
  const leaders = new Map([...starts.leaders, ...ends.leaders])
  for (const u of [...ends.unavailable, ...starts.unavailable]) {
    ends.offsets.get(u.topic)?.delete(u.partition)
    starts.offsets.get(u.topic)?.delete(u.partition)
    // no leader, or one that does not answer (its node crashed, not yet out of the metadata): no leader for cg
    const list = leaders.get(u.topic) ?? []
    list[u.partition] = -1
    leaders.set(u.topic, list)
  }
  return {known, ends: ends.offsets, starts: starts.offsets, leaders}
}

async function snapshot(
  adapter: KafkaAdapter,
  groups: string[],
  topic?: string,
  extra?: (topics: string[]) => string[],
  types?: Map<string, string>,
): Promise<Snapshot> {
  const [described, committed] = await Promise.all([describeGroups(adapter, groups, types), committedOffsets(adapter, groups)])
  return {described, committed, ...(await offsetsFor(adapter, described, committed, groups, topic, extra))}
}

function exists(s: Snapshot, group: string): boolean {
  const d = s.described.get(group)
  return Boolean(d && (d.state !== 'Dead' || d.members.length > 0)) || (s.committed.get(group)?.size ?? 0) > 0
}

/** Whether the group has offsets on or members assigned to this topic. */
function touches(s: Snapshot, group: string, topic: string): boolean {
  return groupPartitions(s.described.get(group), s.committed.get(group), s.known, topic).size > 0
}

/** One partition's offsets, lag and lost records (see PartitionRow). */
function partitionLag(current: number | null, start: number | null, end: number | null): {lag: number | null; lostRecords: number | null} {
  if (current === null) return {lag: null, lostRecords: null}
  const lost = start === null ? null : Math.max(0, start - current)
  const from = lost ? (start as number) : current
  return {lag: end === null ? null : end - from, lostRecords: lost}
}

/**
 * One group's rows, as kafka-consumer-groups.sh --describe shows them (sorted by topic, partition), with
 * every partition of its topics; time behind is filled in by withTimes().
 */
function groupLag(s: Snapshot, group: string, topic?: string): GroupLag {
  const d = s.described.get(group)
  const committed = s.committed.get(group)
  const own = owners(d)
  const rows: PartitionRow[] = []
  const parts = groupPartitions(d, committed, s.known, topic)
  for (const t of [...parts.keys()].sort()) {
    for (const p of [...parts.get(t)!].sort((x, y) => x - y)) {
      const current = committed?.get(t)?.get(p) ?? null
      const start = s.starts.get(t)?.get(p) ?? null
      const end = s.ends.get(t)?.get(p) ?? null
      const m = own.get(`${t}\0${p}`)
      rows.push({
        topic: t,
        partition: p,
        currentOffset: current,
        logStartOffset: start,
        logEndOffset: end,
        leader: leaderOf(s, t, p),
        ...partitionLag(current, start, end),
        timeLagMs: null,
        timeLagNote: null,
        consumer: m?.memberId ?? null,
        host: m?.host ?? null,
        clientId: m?.clientId ?? null,
      })
    }
  }
  return {
    group,
    sources: [...parts.keys()].sort(),
    state: d?.state ?? 'Dead',
    protocol: d?.protocol ?? 'classic',
    consumers: d?.members.length ?? 0,
    ...totals(rows, rows.filter((r) => s.leaders.get(r.topic)?.[r.partition] === -1).length),
    partitions: rows,
  }
}

/** A partition's leader; null when it has none (-1), a topic that no longer exists has no leader either. */
function leaderOf(s: Offsets, topic: string, partition: number): number | null {
  const l = s.leaders.get(topic)?.[partition]
  return l === undefined || l < 0 ? null : l
}

/** A group's totals from its partition rows. */
function totals(rows: PartitionRow[], leaderlessPartitions: number): GroupTotals {
  // no partition at all: what it consumes is unknown
  const lag = sumKnown(rows, null)
  const uncommitted = rows.filter((r) => r.currentOffset === null)
  let uncommittedRecords: number | null = 0
  for (const r of uncommitted)
    uncommittedRecords =
      uncommittedRecords === null || r.logStartOffset === null || r.logEndOffset === null ? null : uncommittedRecords + r.logEndOffset - r.logStartOffset
  let timeLagMs: number | null = null
  for (const r of rows) if (r.timeLagMs !== null && (timeLagMs === null || r.timeLagMs > timeLagMs)) timeLagMs = r.timeLagMs
  const unknown = rows.find((r) => r.lag !== null && r.lag > 0 && r.timeLagMs === null)
  return {
    lag,
    timeLagMs,
    timeLagNote: timeLagMs === null && lag !== null && lag > 0 ? (unknown?.timeLagNote ?? 'unknown') : null,
    uncommittedPartitions: uncommitted.length,
    uncommittedRecords,
    lostRecords: rows.reduce((n, r) => n + (r.lostRecords ?? 0), 0),
    leaderlessPartitions,
  }
}

/** The offset of the oldest record a partition row has not read (its committed offset, or the log start above it). */
function unreadFrom(r: PartitionRow): number | null {
  if (r.currentOffset === null) return null
  return r.logStartOffset !== null && r.logStartOffset > r.currentOffset ? r.logStartOffset : r.currentOffset
}

/**
 * Fills in time behind: the timestamp of the oldest unread record of each lagging partition (one batched
 * read for all the groups: recordTimes), now minus it per partition, the largest per group.
 */
async function withTimes(adapter: KafkaAdapter, lags: GroupLag[]): Promise<GroupLag[]> {
  const wanted = []
  for (const g of lags)
    for (const r of g.partitions) {
      const from = unreadFrom(r)
      if (from !== null && r.lag !== null && r.lag > 0 && r.logEndOffset !== null)
        wanted.push({topic: r.topic, partition: r.partition, offset: from, end: r.logEndOffset})
    }
  const times: Map<string, RecordTime> = wanted.length ? await recordTimes(adapter, wanted) : new Map()
  const now = Date.now()
  for (const g of lags) {
    for (const r of g.partitions) {
      if (r.lag === null || r.lag <= 0) continue
      const from = unreadFrom(r)
      const t = from === null ? undefined : times.get(timeKey(r.topic, r.partition, from))
      r.timeLagMs = t?.timestamp == null ? null : Math.max(0, now - t.timestamp)
      r.timeLagNote = r.timeLagMs === null ? (t?.note ?? 'unknown') : null
    }
    Object.assign(g, totals(g.partitions, g.leaderlessPartitions))
  }
  return lags
}
/** Sum of the known lags; null when none is known (unknown, never 0); `none` for no rows at all. */
function sumKnown(rows: Array<{lag: number | null}>, none: 0 | null): number | null {
  if (rows.length === 0) return none
  let known = 0
  let sum = 0
  for (const r of rows) {
    if (r.lag === null) continue
    known++
    sum += r.lag
  }
  return known ? sum : null
}

/**
 * `cg groups [TOPIC] [--type T]`: every group (of these types) with its type, state, members, total lag, time
 * behind, topics. Share groups have no committed offsets: they are kept whatever the topic, with lag null, for
 * withShareLag() (kafka-share.ts) to fill in and filter; `shares` are the share groups as the listing described them.
 */
export async function groupsReport(
  adapter: KafkaAdapter,
  topic?: string,
  types?: readonly string[],
): Promise<{rows: KafkaGroupRow[]; shares: Map<string, DescribedGroup>}> {
  const listed = await listGroups(adapter, types)
  const ids = listed.map((g) => g.group)
  const s = await snapshot(adapter, ids, topic, undefined, new Map(listed.map((g) => [g.group, g.type])))
  const kept = listed.filter((g) => topic === undefined || g.type === 'share' || touches(s, g.group, topic))
  const lags = await withTimes(
    adapter,
    kept.map((g) => groupLag(s, g.group, topic)),
  )
  const shares = new Map([...s.described].filter(([, d]) => d.type === 'share'))
  const rows = kept.map((g, i): KafkaGroupRow => {
    const lag = lags[i]
    const d = s.described.get(g.group)
    return {
      group: g.group,
      sources: lag.sources,
      state: d?.state ?? g.state,
      consumers: lag.consumers,
      lag: lag.lag,
      timeLagMs: lag.timeLagMs,
      timeLagNote: lag.timeLagNote,
      type: g.type,
      protocol: g.type,
      protocolType: g.protocolType,
      leaderlessPartitions: lag.leaderlessPartitions,
    }
  })
  return {rows, shares}
}

export interface KafkaConsumerRow {
  /** the member id */
  name: string
  /** lag of the partitions assigned to it; null when none of them has a committed offset */
  pending: number | null
  /** Kafka does not say how long a member has been idle */
  idleMs: null
  clientId: string
  host: string
  /** group.instance.id of a static member */
  instanceId: string | null
  assignment: MemberInfo['assignment']
  /** consumer, share and streams groups: the member's epoch; null for classic */
  memberEpoch: number | null
  /** consumer groups (and streams groups: the partitions of its target active tasks): the assignment the coordinator wants it to reach; null for the other types */
  targetAssignment: MemberInfo['targetAssignment']
  /**
   * consumer, share and streams groups: true while the member has not reached the group's target (its
   * assignment differs from its target, or its epoch is behind the group epoch); null for classic
   */
  reconciling: boolean | null
  /** consumer groups on Kafka 4.0+ (KIP-1099): "classic" for a member that joined with the classic protocol; else null */
  memberType: MemberInfo['memberType']
  /** streams groups: the Kafka Streams instance, topology epoch, classic-protocol member, tasks (current and target) */
  streams?: Omit<StreamsMemberRow, 'memberId' | 'instanceId' | 'clientId' | 'host' | 'memberEpoch'>
}

export interface KafkaConsumersReport {
  group: string
  state: string
  type: string
  protocol: string
  assignor: string | null
  /** consumer, share and streams groups: the group epoch; null for classic */
  groupEpoch: number | null
  /** consumer, share and streams groups: the epoch of the target assignment; null for classic */
  assignmentEpoch: number | null
  consumers: KafkaConsumerRow[]
  /** streams groups only: the topology and the topics Kafka Streams made for the application */
  streams?: {
    topologyEpoch: number | null
    subtopologies: StreamsSubtopologyRow[]
    inputTopics: string[]
    /** the internal topics of the topology that exist */
    internalTopics: string[]
  }
}

const sameAssignment = (x: MemberInfo['assignment'], y: MemberInfo['assignment']) => JSON.stringify(x) === JSON.stringify(y)

/** See KafkaConsumerRow.reconciling. */
export function reconciling(m: MemberInfo, groupEpoch: number | null): boolean | null {
  if (m.memberEpoch === null) return null
  const behind = groupEpoch !== null && m.memberEpoch < groupEpoch
  return behind || (m.targetAssignment !== null && !sameAssignment(m.assignment, m.targetAssignment))
}

/** `cg consumers GROUP`: the members with their assignment and lag (ConsumerGroupDescribe first, classic fallback). */
export async function consumersReport(adapter: KafkaAdapter, group: string, topic?: string): Promise<KafkaConsumersReport> {
  const s = await snapshot(adapter, [group], topic)
  if (!exists(s, group)) throw notFound(`consumer group ${group} does not exist`, HINT_GROUPS)
  const described = s.described.get(group)
  const lagByOwner = new Map<string, PartitionRow[]>()
  for (const row of groupLag(s, group, topic).partitions) {
    if (row.consumer === null) continue
    const list = lagByOwner.get(row.consumer) ?? []
    list.push(row)
    lagByOwner.set(row.consumer, list)
  }
  const streamsMembers = new Map((described?.streams?.members ?? []).map((m) => [m.memberId, m]))
  const only = (list: MemberInfo['assignment']) => (topic === undefined ? list : list.filter((a) => a.topic === topic))
  const consumers = (described?.members ?? [])
    .map(
      (m): KafkaConsumerRow => ({
        name: m.memberId,
        // a member without partitions holds no work; a streams member's are those of its active tasks
        pending: sumKnown(lagByOwner.get(m.memberId) ?? [], 0),
        idleMs: null,
        clientId: m.clientId,
        host: m.host,
        instanceId: m.instanceId,
        assignment: only(m.assignment),
        memberEpoch: m.memberEpoch,
        targetAssignment: m.targetAssignment && only(m.targetAssignment),
        reconciling: reconciling(m, described?.groupEpoch ?? null),
        memberType: m.memberType,
        ...streamsMember(streamsMembers.get(m.memberId)),
      }),
    )
    .sort((x, y) => x.clientId.localeCompare(y.clientId) || x.name.localeCompare(y.name))
  return {
    group,
    state: described?.state ?? 'Empty',
    type: described?.type ?? 'classic',
    protocol: described?.protocol ?? 'classic',
    assignor: described?.assignor ?? null,
    groupEpoch: described?.groupEpoch ?? null,
    assignmentEpoch: described?.assignmentEpoch ?? null,
    consumers,
    ...(described?.streams ? {streams: await streamsTopology(adapter, described.streams)} : {}),
  }
}

function streamsMember(m: StreamsMemberRow | undefined): Pick<KafkaConsumerRow, 'streams'> {
  if (!m) return {}
  const {memberId: _id, instanceId: _instance, clientId: _client, host: _host, memberEpoch: _epoch, ...rest} = m
  return {streams: rest}
}

/** A streams group's topology, with the internal topics that exist (StreamsGroupDescribe names them all). */
async function streamsTopology(adapter: KafkaAdapter, info: StreamsGroupInfo): Promise<NonNullable<KafkaConsumersReport['streams']>> {
  const internalTopics = await existingInternalTopics(adapter, info)
  return {
    topologyEpoch: info.topologyEpoch,
    subtopologies: info.subtopologies,
    inputTopics: info.inputTopics,
    internalTopics,
  }
}

export interface KafkaPendingReport extends Omit<GroupTotals, 'lag'> {
  group: string
  state: string
  protocol: string
  consumers: number
  /** the group's total lag (null: no committed offset) */
  pending: number | null
  partitions: PartitionRow[]
}

/** `cg pending GROUP`: per partition current offset, log-end offset, lag, time behind and owner. */
export async function pendingReport(adapter: KafkaAdapter, group: string, topic?: string): Promise<KafkaPendingReport> {
  const s = await snapshot(adapter, [group], topic)
  if (!exists(s, group)) throw notFound(`consumer group ${group} does not exist`, HINT_GROUPS)
  if (topic !== undefined) {
    const known = await topicPartitions(adapter, [topic])
    if (!known.has(topic)) throw notFound(`topic ${topic} does not exist`, 'Check the topic name (cg groups shows the topics of each group).')
  }
  const [g] = await withTimes(adapter, [groupLag(s, group, topic)])
  return {
    group,
    state: g.state,
    protocol: g.protocol,
    consumers: g.consumers,
    pending: g.lag,
    timeLagMs: g.timeLagMs,
    timeLagNote: g.timeLagNote,
    uncommittedPartitions: g.uncommittedPartitions,
    uncommittedRecords: g.uncommittedRecords,
    lostRecords: g.lostRecords,
    leaderlessPartitions: g.leaderlessPartitions,
    partitions: g.partitions,
  }
}

export interface LagOptions {
  group?: string
  topic?: string
  /** sample over this long (ms) and give statuses */
  windowMs?: number
  samples?: number
  signal?: AbortSignal
  /** called after each sample is taken (for a progress line) */
  onSample?: (index: number, total: number) => void
}

export interface LagReport {
  window: {ms: number; samples: number} | null
  groups: GroupLag[]
}

/** `cg lag [GROUP]`: per group and partition lag; with a window, the Burrow statuses too. */
export async function lagReport(adapter: KafkaAdapter, opts: LagOptions): Promise<LagReport> {
  let ids: string[]
  if (opts.group !== undefined) ids = [opts.group]
  else ids = (await listGroups(adapter)).map((g) => g.group)
  // every group, with members or commits or neither; --topic keeps those with offsets on it or partitions of it assigned
  const keep = (s: Snapshot) => ids.filter((g) => opts.group !== undefined || opts.topic === undefined || touches(s, g, opts.topic))

  if (opts.windowMs === undefined) {
    const s = await snapshot(adapter, ids, opts.topic)
    if (opts.group !== undefined && !exists(s, opts.group)) throw notFound(`consumer group ${opts.group} does not exist`, HINT_GROUPS)
    return {
      window: null,
      groups: await withTimes(
        adapter,
        keep(s).map((g) => groupLag(s, g, opts.topic)),
      ),
    }
  }

  const samples = opts.samples ?? 5
  const times = sampleTimes(opts.windowMs, samples)
  // the clock starts when the first sample is in (connecting may take a while): samples are then
  // spaced windowMs / (samples - 1) apart
  let started = Date.now()
  const taken: Snapshot[] = []
  for (let i = 0; i < times.length; i++) {
    const wait = started + times[i] - Date.now()
    if (i > 0 && wait > 0) await sleep(wait, opts.signal)
    if (opts.signal?.aborted) throw new CgError('interrupted', `lag sampling interrupted after ${taken.length} of ${samples} samples`)
    if (i === 0 || i === times.length - 1) {
      taken.push(await snapshot(adapter, ids, opts.topic))
    } else {
      // between the first and last samples only offsets change: no describe
      const committed = await committedOffsets(adapter, ids)
      const first = taken[0]
      taken.push({described: first.described, committed, ...(await offsetsFor(adapter, first.described, committed, ids, opts.topic))})
    }
    if (i === 0 && opts.group !== undefined && !exists(taken[0], opts.group)) throw notFound(`consumer group ${opts.group} does not exist`, HINT_GROUPS)
    if (i === 0) started = Date.now()
    opts.onSample?.(i + 1, samples)
  }
  const last = taken[taken.length - 1]
  const groups = keep(last).map((g) => {
    const report = groupLag(last, g, opts.topic)
    const own = owners(last.described.get(g))
    for (const row of report.partitions) {
      const series: Sample[] = taken.map((s) => ({
        offset: s.committed.get(g)?.get(row.topic)?.get(row.partition) ?? null,
        logEnd: s.ends.get(row.topic)?.get(row.partition) ?? null,
      }))
      row.status = partitionStatus(series, own.has(`${row.topic}\0${row.partition}`))
      const offs = series.map((x) => x.offset)
      row.offsetDelta = offs[0] !== null && offs[offs.length - 1] !== null ? (offs[offs.length - 1] as number) - (offs[0] as number) : null
    }
    report.status = worst(report.partitions.map((r) => r.status ?? null))
    return report
  })
  // time behind at the last sample
  return {window: {ms: opts.windowMs, samples}, groups: await withTimes(adapter, groups)}
}

/**
 * The status read (what cg check, cg metrics and the --watch views read): every group, or the one named,
 * with its lag, time behind, members, dead-letter topic and counters. A constant number of batched rounds
 * whatever the number of groups: ListGroups, Describe(ConsumerGroup|Groups), OffsetFetch, metadata, two
 * ListOffsets (log start and end, of the groups' partitions and of their DLQ topics), and the bounded
 * timestamp reads of recordTimes.
 */
export async function statusReport(adapter: KafkaAdapter, group?: string, listed?: ListedGroup[]): Promise<{takenAt: number; groups: GroupStatus[]}> {
  const ids = group !== undefined ? [group] : (listed ?? (await listGroups(adapter))).map((g) => g.group)
  // the DLQ of a source topic is SOURCE.dlq, SOURCE-dlq or SOURCE.DLT (kafka-dlq-target.ts): their partitions and offsets come in the same rounds
  const s = await snapshot(adapter, ids, undefined, (topics) => topics.flatMap(dlqCandidates))
  if (group !== undefined && !exists(s, group)) throw notFound(`consumer group ${group} does not exist`, HINT_GROUPS)
  const lags = await withTimes(
    adapter,
    ids.map((g) => groupLag(s, g)),
  )
  const takenAt = Date.now()
  return {takenAt, groups: lags.map((g) => groupStatus(s, g))}
}

function groupStatus(s: Snapshot, g: GroupLag): GroupStatus {
  let consumed: number | null = null
  let produced: number | null = null
  for (const r of g.partitions) {
    if (r.currentOffset !== null) consumed = (consumed ?? 0) + r.currentOffset
    if (r.logEndOffset !== null) produced = (produced ?? 0) + r.logEndOffset
  }
  return {
    group: g.group,
    sources: g.sources,
    lag: g.lag,
    timeLagMs: g.timeLagMs,
    timeLagNote: g.timeLagNote,
    consumers: g.consumers,
    // cg pending on Kafka is the total lag
    pending: g.lag,
    oldestPendingMs: null,
    maxDeliveries: null,
    dlq: dlqOf(s, g.sources),
    consumed,
    produced,
    partitions: g.partitions.map((r) => ({source: r.topic, partition: r.partition, lag: r.lag, timeLagMs: r.timeLagMs})),
  }
}

/** The first existing DLQ topic of the group's sources (in order), with the records it holds (log-end minus log-start). */
function dlqOf(s: Snapshot, sources: string[]): GroupStatus['dlq'] {
  for (const source of sources) {
    for (const name of dlqCandidates(source)) {
      const parts = s.known.get(name)
      if (!parts) continue
      let depth: number | null = 0
      for (const p of parts) {
        const start = s.starts.get(name)?.get(p)
        const end = s.ends.get(name)?.get(p)
        depth = depth === null || start === undefined || end === undefined ? null : depth + end - start
      }
      return {name, depth}
    }
  }
  return null
}
