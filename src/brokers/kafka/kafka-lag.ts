// Kafka inspection reports: groups, consumers (members), pending/lag per partition (the view of
// `kafka-consumer-groups.sh --describe`), and lag over a window with a status per partition and group.
// Rows carry the common core (group, sources, state, consumers, lag; a member is a consumer, named by its
// member id) beside Kafka's own facts.
import {CgError, notFound} from '../../errors/cg-error.js'
import {
  committedOffsets,
  describeGroups,
  endOffsets,
  listGroups,
  topicPartitions,
  type CommittedOffsets,
  type DescribedGroup,
  type MemberInfo,
} from './kafka-inspect.js'
import type {KafkaAdapter} from './kafka-types.js'
import {partitionStatus, sampleTimes, worst, type Sample, type WindowStatus} from './kafka-lag-window.js'

export interface KafkaGroupRow {
  group: string
  /** the topics the group has offsets on or members assigned */
  sources: string[]
  state: string
  /** members */
  consumers: number
  /** sum of the partitions' lag; null when the group has no committed offset (unknown, never 0) */
  lag: number | null
  protocol: string
  protocolType: string
}

export interface PartitionRow {
  topic: string
  partition: number
  currentOffset: number | null
  logEndOffset: number | null
  lag: number | null
  /** the member id of the owner */
  consumer: string | null
  host: string | null
  clientId: string | null
  /** with --window only */
  status?: WindowStatus | null
  /** with --window only: committed offset at the last sample minus at the first (null when unknown) */
  offsetDelta?: number | null
}

export interface GroupLag {
  group: string
  /** the topics of its partitions */
  sources: string[]
  state: string
  protocol: string
  /** members */
  consumers: number
  lag: number | null
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

/** The partitions a group has offsets on or members assigned, topic -> partitions. */
function groupPartitions(d: DescribedGroup | undefined, committed: Map<string, Map<number, number>> | undefined, topic?: string): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>()
  const add = (t: string, p: number) => {
    if (topic !== undefined && t !== topic) return
    const s = out.get(t) ?? new Set<number>()
    s.add(p)
    out.set(t, s)
  }
  for (const [t, ps] of committed ?? []) for (const p of ps.keys()) add(t, p)
  for (const m of d?.members ?? []) for (const a of m.assignment) for (const p of a.partitions) add(a.topic, p)
  return out
}

interface Snapshot {
  described: Map<string, DescribedGroup>
  committed: CommittedOffsets
  /** topic -> partition -> log-end */
  ends: Map<string, Map<number, number>>
}

/** Log-end offsets of every partition these groups touch (one batched round). */
async function endsFor(adapter: KafkaAdapter, described: Map<string, DescribedGroup>, committed: CommittedOffsets, groups: string[], topic?: string) {
  const wanted = new Map<string, Set<number>>()
  for (const g of groups) {
    for (const [t, ps] of groupPartitions(described.get(g), committed.get(g), topic)) {
      const s = wanted.get(t) ?? new Set<number>()
      for (const p of ps) s.add(p)
      wanted.set(t, s)
    }
  }
  const existing = await topicPartitions(adapter, [...wanted.keys()])
  const ask = new Map<string, number[]>()
  for (const [t, ps] of wanted) {
    const known = new Set(existing.get(t) ?? [])
    const list = [...ps].filter((p) => known.has(p))
    if (list.length) ask.set(t, list)
  }
  return endOffsets(adapter, ask)
}

async function snapshot(adapter: KafkaAdapter, groups: string[], topic?: string): Promise<Snapshot> {
  const [described, committed] = await Promise.all([describeGroups(adapter, groups), committedOffsets(adapter, groups)])
  const ends = await endsFor(adapter, described, committed, groups, topic)
  return {described, committed, ends}
}

function exists(s: Snapshot, group: string): boolean {
  const d = s.described.get(group)
  return Boolean(d && (d.state !== 'Dead' || d.members.length > 0)) || (s.committed.get(group)?.size ?? 0) > 0
}

/** One group's rows, as kafka-consumer-groups.sh --describe shows them (sorted by topic, partition). */
function groupLag(s: Snapshot, group: string, topic?: string): GroupLag {
  const d = s.described.get(group)
  const committed = s.committed.get(group)
  const own = owners(d)
  const rows: PartitionRow[] = []
  const parts = groupPartitions(d, committed, topic)
  for (const t of [...parts.keys()].sort()) {
    for (const p of [...parts.get(t)!].sort((x, y) => x - y)) {
      const current = committed?.get(t)?.get(p) ?? null
      const end = s.ends.get(t)?.get(p) ?? null
      const m = own.get(`${t}\0${p}`)
      rows.push({
        topic: t,
        partition: p,
        currentOffset: current,
        logEndOffset: end,
        lag: current !== null && end !== null ? end - current : null,
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
    // no partition at all: what it consumes is unknown
    lag: sumKnown(rows, null),
    partitions: rows,
  }
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

/** `cg groups [TOPIC]`: every group of both protocols with state, protocol, members, total lag, topics. */
export async function groupsReport(adapter: KafkaAdapter, topic?: string): Promise<KafkaGroupRow[]> {
  const listed = await listGroups(adapter)
  const ids = listed.map((g) => g.group)
  const s = await snapshot(adapter, ids, topic)
  const rows: KafkaGroupRow[] = []
  for (const g of listed) {
    if (topic !== undefined && !(s.committed.get(g.group)?.has(topic) ?? false)) continue
    const lag = groupLag(s, g.group, topic)
    const d = s.described.get(g.group)
    rows.push({
      group: g.group,
      sources: lag.sources,
      state: d?.state ?? g.state,
      consumers: lag.consumers,
      lag: lag.lag,
      protocol: d && d.protocol === 'consumer' ? 'consumer' : g.protocol,
      protocolType: g.protocolType,
    })
  }
  return rows
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
}

export interface KafkaConsumersReport {
  group: string
  state: string
  protocol: string
  assignor: string | null
  consumers: KafkaConsumerRow[]
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
  const consumers = (described?.members ?? [])
    .map(
      (m): KafkaConsumerRow => ({
        name: m.memberId,
        // a member without partitions holds no work
        pending: sumKnown(lagByOwner.get(m.memberId) ?? [], 0),
        idleMs: null,
        clientId: m.clientId,
        host: m.host,
        instanceId: m.instanceId,
        assignment: topic === undefined ? m.assignment : m.assignment.filter((a) => a.topic === topic),
      }),
    )
    .sort((x, y) => x.clientId.localeCompare(y.clientId) || x.name.localeCompare(y.name))
  return {
    group,
    state: described?.state ?? 'Empty',
    protocol: described?.protocol ?? 'classic',
    assignor: described?.assignor ?? null,
    consumers,
  }
}

export interface KafkaPendingReport {
  group: string
  state: string
  protocol: string
  consumers: number
  /** the group's total lag (null: no committed offset) */
  pending: number | null
  partitions: PartitionRow[]
}

/** `cg pending GROUP`: per partition current offset, log-end offset, lag and owner. */
export async function pendingReport(adapter: KafkaAdapter, group: string, topic?: string): Promise<KafkaPendingReport> {
  const s = await snapshot(adapter, [group], topic)
  if (!exists(s, group)) throw notFound(`consumer group ${group} does not exist`, HINT_GROUPS)
  if (topic !== undefined) {
    const known = await topicPartitions(adapter, [topic])
    if (!known.has(topic)) throw notFound(`topic ${topic} does not exist`, 'Check the topic name (cg groups shows the topics of each group).')
  }
  const {state, protocol, consumers, lag, partitions} = groupLag(s, group, topic)
  return {group, state, protocol, consumers, pending: lag, partitions}
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
  const keep = (s: Snapshot) =>
    ids.filter((g) => (opts.group !== undefined ? true : opts.topic === undefined || (s.committed.get(g)?.has(opts.topic) ?? false)))

  if (opts.windowMs === undefined) {
    const s = await snapshot(adapter, ids, opts.topic)
    if (opts.group !== undefined && !exists(s, opts.group)) throw notFound(`consumer group ${opts.group} does not exist`, HINT_GROUPS)
    return {window: null, groups: keep(s).map((g) => groupLag(s, g, opts.topic))}
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
      taken.push({described: first.described, committed, ends: await endsFor(adapter, first.described, committed, ids, opts.topic)})
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
  return {window: {ms: opts.windowMs, samples}, groups}
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms)
    function done() {
      clearTimeout(t)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, {once: true})
  })
}
