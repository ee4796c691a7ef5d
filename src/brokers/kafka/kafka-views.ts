// How Kafka results read in a terminal: one table style (src/output/ui.ts), the common wording of
// src/output/wording.ts. Tables keep the column names of Kafka's own tools (kafka-consumer-groups.sh).
import type {Operation} from '../../core/operations.js'
import type {GroupsResult} from '../../core/results.js'
import {warn} from '../../output/log.js'
import {duration, type Column, type Ui} from '../../output/ui.js'
import type {HumanView} from '../../output/view-types.js'
import {bulkEnding, counts, dryRun, plural, warning} from '../../output/wording.js'
import type {KafkaDlqListReport, KafkaDlqPeekReport, KafkaPurgeReport} from './kafka-dlq-browse.js'
import type {KafkaReplayReport} from './kafka-dlq-replay.js'
import type {GroupLag, GroupTotals, KafkaConsumersReport, KafkaGroupRow, KafkaPendingReport, LagReport, PartitionRow} from './kafka-lag.js'
import type {KafkaConsumerDeleteReport, KafkaGroupDeleteReport, KafkaOffsetsDeleteReport, OffsetDeleteRow} from './kafka-repair.js'
import type {KafkaResetReport, ResetPartition} from './kafka-reset.js'
import type {ShareGroupLag, SharePartitionRow} from './kafka-share.js'

/** Time behind as a duration (4m12s); while records wait and it is unknown, the reason in words. */
const timeLag = (r: {lag: number | null; timeLagMs: number | null; timeLagNote: string | null}) =>
  r.timeLagMs !== null ? duration(r.timeLagMs) : r.lag !== null && r.lag > 0 ? r.timeLagNote : null

/** The columns of kafka-consumer-groups.sh --describe, and the time behind after the lag. */
const DESCRIBE_COLUMNS: Array<Column<PartitionRow>> = [
  {header: 'TOPIC', get: (r) => r.topic},
  {header: 'PARTITION', get: (r) => r.partition, align: 'right'},
  {header: 'CURRENT-OFFSET', get: (r) => r.currentOffset, align: 'right'},
  {header: 'LOG-END-OFFSET', get: (r) => r.logEndOffset, align: 'right'},
  {header: 'LAG', get: (r) => r.lag, align: 'right'},
  {header: 'TIME-LAG', get: timeLag, align: 'right'},
  {header: 'CONSUMER-ID', get: (r) => r.consumer},
  {header: 'HOST', get: (r) => r.host},
  {header: 'CLIENT-ID', get: (r) => r.clientId},
]

/** A share group's partitions: the columns of kafka-share-groups.sh --describe, the log end and time behind beside them. */
const SHARE_COLUMNS: Array<Column<SharePartitionRow>> = [
  {header: 'TOPIC', get: (r) => r.topic},
  {header: 'PARTITION', get: (r) => r.partition, align: 'right'},
  {header: 'START-OFFSET', get: (r) => r.startOffset, align: 'right'},
  {header: 'LOG-END-OFFSET', get: (r) => r.logEndOffset, align: 'right'},
  {header: 'LAG', get: (r) => r.lag, align: 'right'},
  {header: 'TIME-LAG', get: timeLag, align: 'right'},
  {header: 'MEMBERS', get: (r) => r.consumers.length, align: 'right'},
]

const isShare = (d: {protocol?: string | null}) => d.protocol === 'share'
const noShareOffsets = (group: string) => `(share group ${group} has no offset information)`
/** Offsets as the group's kind has them: committed offsets, or a share group's start offsets. */
const offsetWord = (d: {protocol?: string | null}) => (isShare(d) ? 'start offset' : 'committed offset')

const noOffsets = (group: string) => `(group ${group} has no committed offsets and no assigned partitions)`

/** What a group's partitions add up to, in words: partitions without a commit, records lost, unknown time behind. */
function groupNotes(g: GroupTotals & {consumers: number; partitions: PartitionRow[]}): string[] {
  const out: string[] = []
  if (g.partitions.length === 0 && g.consumers > 0) out.push(`${plural(g.consumers, 'member')}, no committed offset and no assigned partition`)
  if (g.uncommittedPartitions > 0) {
    const n = g.uncommittedPartitions
    const held = g.uncommittedRecords === null ? 'an unknown number of records' : plural(g.uncommittedRecords, 'record')
    out.push(`${plural(n, 'partition')} without a committed offset ${n === 1 ? 'holds' : 'hold'} ${held} (lag unknown there)`)
  }
  if (g.lostRecords > 0)
    out.push(
      `offset below log start: ${plural(g.lostRecords, 'record')} lost (removed by retention or DeleteRecords before the group read them; lag counts from the log start)`,
    )
  if (g.timeLagMs === null && g.lag !== null && g.lag > 0) out.push(`time behind unknown: ${g.timeLagNote ?? 'unknown'}`)
  if (g.leaderlessPartitions > 0) out.push(leaderless(g.leaderlessPartitions, g.partitions))
  return out
}

/** Partitions without a leader, in words: which, and what it means for the numbers. */
function leaderless(n: number, rows: PartitionRow[]): string {
  const named = rows.filter((r) => r.leader === null && r.logEndOffset === null).map((r) => `${r.topic}:${r.partition}`)
  const which = named.length ? ` (${named.join(', ')})` : ''
  return `${plural(n, 'partition')}${which} without a leader: the nodes holding ${n === 1 ? 'it are' : 'them are'} down, ${n === 1 ? 'its' : 'their'} log offsets and lag are unknown (left out of the lag)`
}

/** A value that may be base64 says so. */
const shown = (value: string | null, encoding: 'utf8' | 'base64' | null) => (encoding === 'base64' ? `${value} (base64)` : value)

async function groups(d: GroupsResult<KafkaGroupRow>, ui: Ui): Promise<void> {
  const noted: KafkaGroupRow[] = []
  const rows = (async function* () {
    for await (const g of d.groups) {
      if (g.leaderlessPartitions > 0) noted.push(g)
      yield g
    }
  })()
  await ui.rows(
    [
      {header: 'GROUP', get: (r) => r.group},
      {header: 'STATE', get: (r) => r.state},
      {header: 'TYPE', get: (r) => r.type},
      {header: 'CONSUMERS', get: (r) => r.consumers, align: 'right'},
      {header: 'LAG', get: (r) => r.lag, align: 'right', empty: 'unknown'},
      {header: 'TIME-LAG', get: timeLag, align: 'right'},
      {header: 'TOPICS', get: (r) => r.sources.join(',')},
    ],
    rows,
    '(no consumer groups)',
  )
  if (noted.length) await ui.line()
  for (const g of noted) await ui.line(ui.color.yellow(`note: ${g.group}: ${leaderless(g.leaderlessPartitions, [])}`))
}

/** Tasks as kafka-streams-groups.sh --describe --members prints them: SUBTOPOLOGY:[P,P]; ... */
function taskList(rows: Array<{subtopology: string; partitions: number[]}>): string | null {
  return rows.map((t) => `${t.subtopology}:[${t.partitions.join(',')}]`).join(' ') || null
}

/** A streams group: members with their tasks, then the topology and its internal topics. */
async function streamsConsumers(d: KafkaConsumersReport & {streams: NonNullable<KafkaConsumersReport['streams']>}, ui: Ui): Promise<void> {
  const s = d.streams
  await ui.kv([
    ['group', d.group],
    ['state', d.state],
    ['type', d.type],
    ['consumers', d.consumers.length],
    ['group epoch', d.groupEpoch],
    ['assignment epoch', d.assignmentEpoch],
    ['topology epoch', s.topologyEpoch],
    ['input topics', s.inputTopics.join(' ') || null],
    ['internal topics', s.internalTopics.join(' ') || null],
  ])
  await ui.line()
  await ui.table(
    [
      // a member still moving to its target tasks is marked
      {header: 'MEMBER-ID', get: (m) => (m.reconciling ? `${m.name} *` : m.name)},
      {header: 'PROCESS', get: (m) => m.streams?.processId ?? null},
      {header: 'CLIENT-ID', get: (m) => m.clientId},
      {header: 'LAG', get: (m) => m.pending, align: 'right', empty: 'unknown'},
      {header: 'EPOCH', get: (m) => m.memberEpoch, align: 'right'},
      {header: 'ACTIVE', get: (m) => taskList(m.streams?.tasks.active ?? [])},
      {header: 'STANDBY', get: (m) => taskList(m.streams?.tasks.standby ?? [])},
      {header: 'WARMUP', get: (m) => taskList(m.streams?.tasks.warmup ?? [])},
    ],
    d.consumers,
    `(group ${d.group} has no members)`,
  )
  await ui.line()
  await ui.table(
    [
      {header: 'SUBTOPOLOGY', get: (t) => t.subtopology},
      {header: 'SOURCE-TOPICS', get: (t) => t.sourceTopics.join(' ') || null},
      {header: 'REPARTITION-SINKS', get: (t) => t.repartitionSinkTopics.join(' ') || null},
      {header: 'CHANGELOGS', get: (t) => t.changelogTopics.join(' ') || null},
    ],
    s.subtopologies,
    `(group ${d.group} has no topology yet)`,
  )
}

const partitionsOf = (list: Array<{topic: string; partitions: number[]}> | null) => list?.map((a) => `${a.topic}:${a.partitions.join(',')}`).join(' ') || null

async function consumers(d: KafkaConsumersReport, ui: Ui): Promise<void> {
  if (d.streams) return streamsConsumers({...d, streams: d.streams}, ui)
  const epochs = d.groupEpoch !== null
  await ui.kv([
    ['group', d.group],
    ['state', d.state],
    ['type', d.type],
    ['assignor', d.assignor],
    ...(epochs ? [['group epoch', d.groupEpoch] as [string, number | null], ['assignment epoch', d.assignmentEpoch] as [string, number | null]] : []),
    ['consumers', d.consumers.length],
  ])
  await ui.line()
  if (isShare(d)) {
    // kafka-share-groups.sh --describe --members: members share partitions and own no lag
    await ui.table<KafkaConsumersReport['consumers'][number]>(
      [
        {header: 'MEMBER-ID', get: (m) => m.name},
        {header: 'CLIENT-ID', get: (m) => m.clientId},
        {header: 'HOST', get: (m) => m.host},
        {header: '#PARTITIONS', get: (m) => m.assignment.reduce((n, a) => n + a.partitions.length, 0), align: 'right'},
        {header: 'EPOCH', get: (m) => m.memberEpoch, align: 'right'},
        {header: 'ASSIGNMENT', get: (m) => partitionsOf(m.assignment)},
      ],
      d.consumers,
      `(share group ${d.group} has no members)`,
    )
    return
  }
  const targets = d.consumers.some((m) => m.targetAssignment !== null)
  await ui.table<KafkaConsumersReport['consumers'][number]>(
    [
      // a member still moving to its target assignment is marked
      {header: 'MEMBER-ID', get: (m) => (m.reconciling ? `${m.name} *` : m.name)},
      {header: 'CLIENT-ID', get: (m) => m.clientId},
      {header: 'HOST', get: (m) => m.host},
      {header: 'INSTANCE-ID', get: (m) => m.instanceId},
      {header: 'LAG', get: (m) => m.pending, align: 'right', empty: 'unknown'},
      ...(epochs ? [{header: 'EPOCH', get: (m: KafkaConsumersReport['consumers'][number]) => m.memberEpoch, align: 'right' as const}] : []),
      {header: 'ASSIGNMENT', get: (m) => partitionsOf(m.assignment)},
      ...(targets ? [{header: 'TARGET-ASSIGNMENT', get: (m: KafkaConsumersReport['consumers'][number]) => partitionsOf(m.targetAssignment)}] : []),
    ],
    d.consumers,
    `(group ${d.group} has no members)`,
  )
  const moving = d.consumers.filter((m) => m.reconciling).length
  if (moving) {
    await ui.line()
    await ui.line(
      ui.color.yellow(
        `note: * ${plural(moving, 'member')} reconciling: ${moving === 1 ? 'its' : 'their'} assignment differs from the target, or ${moving === 1 ? 'its' : 'their'} epoch is behind the group epoch ${d.groupEpoch}`,
      ),
    )
  }
}

async function pending(d: KafkaPendingReport | SharePending, ui: Ui): Promise<void> {
  await ui.kv([
    ['group', d.group],
    ['state', d.state],
    ['protocol', d.protocol],
    ['consumers', d.consumers],
    ['lag', d.pending ?? 'unknown'],
    ['time lag', timeLag({lag: d.pending, timeLagMs: d.timeLagMs, timeLagNote: d.timeLagNote})],
  ])
  await ui.line()
  if (isShareReport(d)) {
    await ui.table(SHARE_COLUMNS, d.partitions, noShareOffsets(d.group))
    if (d.timeLagMs === null && d.pending !== null && d.pending > 0)
      await ui.line(ui.color.yellow(`\nnote: time behind unknown: ${d.timeLagNote ?? 'unknown'}`))
    return
  }
  await ui.table(DESCRIBE_COLUMNS, d.partitions, noOffsets(d.group))
  const notes = groupNotes({...d, lag: d.pending})
  if (notes.length) await ui.line()
  for (const n of notes) await ui.line(ui.color.yellow(`note: ${n}`))
}

type SharePending = Omit<ShareGroupLag, 'lag' | 'sources'> & {pending: number | null}
const isShareReport = (d: KafkaPendingReport | SharePending): d is SharePending => isShare(d)

/** The share groups of a lag report: one table of their partitions (GROUP and the share columns). */
async function shareLag(groups: ShareGroupLag[], ui: Ui): Promise<void> {
  await ui.table<SharePartitionRow & {group: string}>(
    [{header: 'GROUP', get: (r) => r.group}, ...(SHARE_COLUMNS as Array<Column<SharePartitionRow & {group: string}>>)],
    groups.flatMap((g) => g.partitions.map((p) => ({...p, group: g.group}))),
    groups.length === 1 ? noShareOffsets(groups[0].group) : '(no share partitions)',
  )
  const notes = groups
    .filter((g) => g.timeLagMs === null && g.lag !== null && g.lag > 0)
    .map((g) => `${g.group}: time behind unknown: ${g.timeLagNote ?? 'unknown'}`)
  if (notes.length) await ui.line()
  for (const n of notes) await ui.line(ui.color.yellow(n))
}

async function lag(all: LagReport | {window: null; groups: Array<GroupLag | ShareGroupLag>}, ui: Ui): Promise<void> {
  const share = (all.groups as Array<GroupLag | ShareGroupLag>).filter((g): g is ShareGroupLag => isShare(g))
  const d = {...all, groups: (all.groups as Array<GroupLag | ShareGroupLag>).filter((g): g is GroupLag => !isShare(g))} as LagReport
  if (share.length) {
    await shareLag(share, ui)
    if (d.groups.length === 0) return
    await ui.line()
  }
  const windowed = d.window !== null
  const empty = d.groups.length === 1 ? noOffsets(d.groups[0].group) : '(no consumer groups)'
  if (windowed) {
    await ui.table<GroupLag>(
      [
        {header: 'GROUP', get: (g) => g.group},
        {header: 'STATE', get: (g) => g.state},
        {header: 'CONSUMERS', get: (g) => g.consumers, align: 'right'},
        {header: 'LAG', get: (g) => g.lag, align: 'right', empty: 'unknown'},
        {header: 'TIME-LAG', get: timeLag, align: 'right'},
        {header: 'STATUS', get: (g) => g.status, empty: 'unknown'},
      ],
      d.groups,
      '(no consumer groups)',
    )
    await ui.line()
  }
  const rows = (async function* () {
    for (const g of d.groups) for (const p of g.partitions) yield {...p, group: g.group}
  })()
  await ui.rows<PartitionRow & {group: string}>(
    [
      {header: 'GROUP', get: (r) => r.group},
      ...DESCRIBE_COLUMNS,
      ...(windowed
        ? [
            {header: 'MOVED', get: (r: PartitionRow) => r.offsetDelta, align: 'right' as const},
            {header: 'STATUS', get: (r: PartitionRow) => r.status, empty: 'unknown'},
          ]
        : []),
    ],
    rows,
    empty,
  )
  const notes = d.groups.flatMap((g) => groupNotes(g).map((n) => `${g.group}: ${n}`))
  if (notes.length) await ui.line()
  for (const n of notes) await ui.line(ui.color.yellow(n))
}

async function reset(d: KafkaResetReport, ui: Ui): Promise<void> {
  const n = d.partitions.length
  if (d.csv !== null) {
    // --export: the CSV alone on stdout (for --from-file); the notes on stderr
    for (const w of d.warnings) warn(warning(w))
    if (d.executed) warn(`Reset ${n} partition(s) of group ${d.group}.`)
    for (const line of d.csv.split('\n')) if (line) await ui.line(line)
    return
  }
  const how = `--${d.mode}${d.modeValue === null ? '' : ' ' + d.modeValue}`
  if (d.executed) await ui.line(`Reset ${n} partition(s) of group ${d.group} (${how}).`)
  else {
    await ui.line(dryRun(`would reset ${n} partition(s) of group ${d.group} (${how}; state ${d.state}${d.consumers ? `, ${d.consumers} member(s)` : ''})`))
    await ui.line(ui.color.dim('Add --execute to apply the plan.'))
  }
  await ui.table<ResetPartition>(
    [
      {header: 'TOPIC', get: (x) => x.topic},
      {header: 'PARTITION', get: (x) => x.partition, align: 'right'},
      {header: isShare(d) ? 'START-OFFSET' : 'CURRENT', get: (x) => x.current, align: 'right'},
      {header: 'NEW', get: (x) => x.new + (x.clamped ? '*' : ''), align: 'right'},
      {header: 'LOG-START', get: (x) => x.logStart, align: 'right', empty: 'unknown'},
      {header: 'LOG-END', get: (x) => x.logEnd, align: 'right', empty: 'unknown'},
      {header: 'LAG AFTER', get: (x) => x.lagAfter, align: 'right', empty: 'unknown'},
    ],
    d.partitions,
    '(no partitions in scope)',
  )
  if (d.partitions.some((x) => x.clamped)) await ui.line('* clamped into [log-start, log-end]')
  for (const w of d.warnings) await ui.line(ui.color.yellow(warning(w)))
}

async function groupDelete(d: KafkaGroupDeleteReport, ui: Ui): Promise<void> {
  const internal = d.internalTopics.length ? `, and its internal topics ${d.internalTopics.join(', ')}` : ''
  const what = `group ${d.group} (${d.state}${d.protocol ? `, ${d.protocol} protocol` : ''}) with ${offsetWord(d)}s on ${d.committedPartitions} partition(s)${d.sources.length ? ` of ${d.sources.join(', ')}` : ''}${internal}`
  await ui.line(d.dryRun ? dryRun(`would delete ${what}`) : `Deleted ${what}.`)
}

async function offsetsDelete(d: KafkaOffsetsDeleteReport & {protocol?: string}, ui: Ui): Promise<void> {
  const n = d.partitions.filter((p) => p.offset !== null).length
  const t = d.totals
  const word = offsetWord(d)
  await ui.line(
    d.dryRun
      ? dryRun(`would delete ${n} ${word}(s) of group ${d.group} (${d.state})`)
      : `Deleted ${word}s of group ${d.group}: ${counts([
          ['deleted', t.deleted],
          ['without an offset', t.skipped],
          ['failed', t.failed],
        ])}.`,
  )
  await ui.table<OffsetDeleteRow>(
    [
      {header: 'TOPIC', get: (x) => x.topic},
      {header: 'PARTITION', get: (x) => x.partition, align: 'right'},
      {header: 'OFFSET', get: (x) => x.offset, align: 'right'},
      {header: 'STATUS', get: (x) => (x.error ? `${x.status}: ${x.error}` : x.status)},
    ],
    d.partitions,
  )
}

async function consumerDelete(d: KafkaConsumerDeleteReport, ui: Ui): Promise<void> {
  const m = d.member
  const who = `member ${d.consumer}${m.instanceId ? ` (instance ${m.instanceId})` : ''} of group ${d.group}`
  await ui.line(
    d.dryRun
      ? dryRun(`would remove ${who} (LeaveGroup by ${d.by})`)
      : `Removed ${who}; its ${m.partitions} partition(s) go to the other members at the rebalance.`,
  )
  await ui.kv([
    ['client', `${m.clientId} ${m.host}`],
    ['protocol', d.protocol],
    ['state before', d.state],
  ])
  if (!d.dryRun)
    await ui.line(
      'A client that is still running gets UNKNOWN_MEMBER_ID at its next heartbeat and joins again as a new member (or stops, depending on the client).',
    )
}

async function dlqList(d: KafkaDlqListReport, ui: Ui): Promise<void> {
  await ui.kv([
    ['dlq', d.dlq],
    ['records', d.length],
    ['partitions', d.partitions.map((p) => (p.leader === null ? `${p.partition}:no-leader` : `${p.partition}:${p.start}-${p.end}`)).join(' ')],
  ])
  if (d.leaderlessPartitions > 0) {
    const which = d.partitions.filter((p) => p.leader === null).map((p) => `${d.dlq}:${p.partition}`)
    await ui.line(
      ui.color.yellow(
        warning(
          `${plural(d.leaderlessPartitions, 'partition')} (${which.join(', ')}) without a leader: the nodes holding ${d.leaderlessPartitions === 1 ? 'it are' : 'them are'} down, ${d.leaderlessPartitions === 1 ? 'its' : 'their'} records are not counted or listed`,
        ),
      ),
    )
  }
  await ui.line()
  await ui.rows(
    [
      {header: 'PARTITION:OFFSET', get: (r) => r.dlqId},
      {header: 'TIMESTAMP', get: (r) => new Date(r.timestamp).toISOString()},
      {header: 'KEY', get: (r) => shown(r.key, r.keyEncoding)},
      {header: 'TARGET', get: (r) => (r.target === null ? null : `${r.target} (${r.targetFrom})`)},
      {header: 'REPLAYS', get: (r) => r.replayCount, align: 'right'},
      {header: 'BYTES', get: (r) => r.valueBytes, align: 'right'},
      {header: 'REASON', get: (r) => (r.reason && r.reason.length > 60 ? r.reason.slice(0, 57) + '...' : r.reason)},
    ],
    d.entries,
    '(empty)',
  )
}

async function dlqPeek(d: KafkaDlqPeekReport, ui: Ui): Promise<void> {
  let n = 0
  for await (const e of d.entries) {
    if (n++) await ui.line()
    await ui.line(ui.color.bold(`${d.dlq} ${e.dlqId}`) + ui.color.dim(`  ${new Date(e.timestamp).toISOString()}`))
    await ui.kv([
      ['key', shown(e.key, e.keyEncoding)],
      ['target', e.target === null ? null : `${e.target} (from ${e.targetFrom})`],
      ...e.headerList.map((h): [string, unknown] => [`header ${h.name}`, shown(h.value, h.encoding)]),
      ['value', shown(e.value, e.valueEncoding)],
    ])
  }
  if (!n) await ui.line(ui.color.dim('(empty)'))
}

async function dlqPurge(d: KafkaPurgeReport, ui: Ui): Promise<void> {
  const n = d.totals.purged
  await ui.line(d.dryRun ? dryRun(`would delete ${plural(n, 'record', 'records')} of ${d.dlq}`) : `Deleted ${plural(n, 'record', 'records')} of ${d.dlq}.`)
  for (const p of d.partitions) if (p.count) await ui.line(ui.color.dim(`  partition ${p.partition}: offsets ${p.from} to ${p.to} (${p.count})`))
  await bulkEnding(ui, d.totals)
}

async function dlqReplay(d: KafkaReplayReport, ui: Ui): Promise<void> {
  const t = d.totals
  await ui.kv([
    ['dlq', d.dlq],
    ['replay group', d.group],
    ['from', d.partitions.map((p) => `${p.partition}:${p.from}${p.committed === null ? '' : ' (resumed)'}`).join(' ') || '(no partitions)'],
  ])
  await ui.line()
  if (d.dryRun) await ui.line(dryRun(`would replay ${t.replayed} records of ${d.dlq}`))
  await ui.table(
    [
      {header: 'TARGET', get: (x) => x.target},
      {header: 'FROM', get: (x) => x.from},
      {header: d.dryRun ? 'RECORDS' : 'REPLAYED', get: (x) => x.replayed, align: 'right'},
      {header: 'FIRST (PARTITION:OFFSET)', get: (x) => x.firstOffsets.join(' ')},
    ],
    d.targets,
    '(nothing to replay)',
  )
  for (const x of d.failures)
    await ui.line(ui.color.red(`failed ${x.partition}:${x.offset} -> ${x.target ?? '?'}: ${x.error} (partition ${x.partition} stops there)`))
  await ui.line()
  await ui.line(
    counts([
      [d.dryRun ? 'would replay' : 'replayed', t.replayed],
      ['skipped', t.skipped],
      ['failed', t.failed],
    ]) + (d.dryRun ? '' : ` (${t.transactions} transactions)`),
  )
  const skipped = d.partitions.filter((p) => p.firstSkipped !== null)
  if (skipped.length) {
    await ui.line(
      ui.color.yellow(
        `skipped records ${d.dryRun ? 'would be' : 'are'} passed over: the replay group ${d.dryRun ? 'would move' : 'moved'} past them (first skipped: ${skipped.map((p) => `${p.partition}:${p.firstSkipped}`).join(' ')})`,
      ),
    )
    await ui.line(ui.color.dim(`to replay them later, move the group back: cg reset ${d.group} --topic ${d.dlq}:PARTITION --to-offset OFFSET --execute`))
  }
  await bulkEnding(ui, t)
}

export const views: Partial<Record<Operation, HumanView>> = {
  groups,
  consumers,
  pending,
  lag,
  reset,
  'group:delete': groupDelete,
  'offsets:delete': offsetsDelete,
  'consumer:delete': consumerDelete,
  'dlq:list': dlqList,
  'dlq:peek': dlqPeek,
  'dlq:purge': dlqPurge,
  'dlq:replay': dlqReplay,
}
