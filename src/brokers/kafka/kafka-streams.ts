// Kafka Streams groups (KIP-1071, group.protocol=streams): StreamsGroupDescribe (apis/streams-group-describe.ts)
// read into plain data, and what kafka-streams-groups.sh (StreamsGroupCommand) derives from it: a member's
// active tasks as the partitions of its sub-topology's source topics, the input topics (source topics that
// are not repartition topics), and the internal topics (repartition and changelog topics named after the
// application id). Committed offsets of a streams group are ordinary OffsetFetch (kafka-groups.ts).
import type {Admin} from '@platformatic/kafka'
import {callGroupCoordinators, streamsGroupDescribe, supports, type StreamsAssignment, type StreamsGroupDescribed} from './apis/index.js'
import {kafkaError} from './kafka-errors.js'
import {existingTopicPartitions, sortAssignment, stateName, type GroupDescription, type TopicPartitions} from './kafka-groups.js'
import type {KafkaAdapter} from './kafka-types.js'

/** Tasks of one sub-topology: the partitions of its source topics. */
export interface StreamsTaskRow {
  subtopology: string
  partitions: number[]
}

export interface StreamsTasks {
  active: StreamsTaskRow[]
  standby: StreamsTaskRow[]
  warmup: StreamsTaskRow[]
}

export interface StreamsSubtopologyRow {
  subtopology: string
  /** every topic it reads, repartition topics included */
  sourceTopics: string[]
  repartitionSourceTopics: string[]
  repartitionSinkTopics: string[]
  changelogTopics: string[]
}

export interface StreamsMemberRow {
  memberId: string
  memberEpoch: number
  instanceId: string | null
  clientId: string
  host: string
  /** the Kafka Streams instance (one process may run several clients) */
  processId: string
  topologyEpoch: number
  /** a member still on the classic protocol (an application being upgraded) */
  isClassic: boolean
  tasks: StreamsTasks
  targetTasks: StreamsTasks
}

/** What a streams group is, beyond what every group has. */
export interface StreamsGroupInfo {
  group: string
  /** Empty, NotReady, Assigning, Reconciling, Stable, Dead */
  state: string
  groupEpoch: number
  assignmentEpoch: number
  /** null while the group has no topology yet */
  topologyEpoch: number | null
  subtopologies: StreamsSubtopologyRow[]
  members: StreamsMemberRow[]
  /** source topics that are not repartition topics: what --all-input-topics means */
  inputTopics: string[]
  /** repartition and changelog topics named APPLICATION_ID-...-repartition / -changelog */
  internalTopics: string[]
}

const sorted = (xs: Iterable<string>) => [...new Set(xs)].sort()

function tasks(a: StreamsAssignment): StreamsTasks {
  const rows = (list: StreamsAssignment['activeTasks']) =>
    list
      .map((t) => ({subtopology: t.subtopologyId, partitions: [...t.partitions].sort((x, y) => x - y)}))
      .sort((x, y) => x.subtopology.localeCompare(y.subtopology, undefined, {numeric: true}))
  return {active: rows(a.activeTasks), standby: rows(a.standbyTasks), warmup: rows(a.warmupTasks)}
}

/**
 * A topic Kafka Streams created for this application: named after the application id (the group) and ending
 * in -repartition or -changelog, as StreamsGroupCommand infers them before deleting any.
 */
export function isInternalTopic(group: string, topic: string): boolean {
  return topic.startsWith(`${group}-`) && /-(repartition|changelog)$/.test(topic)
}

export function streamsInfo(g: StreamsGroupDescribed): StreamsGroupInfo {
  const subtopologies = (g.topology?.subtopologies ?? [])
    .map(
      (s): StreamsSubtopologyRow => ({
        subtopology: s.subtopologyId,
        // the protocol lists repartition source topics apart; the admin client (and so StreamsGroupCommand) merges them
        sourceTopics: sorted([...s.sourceTopics, ...s.repartitionSourceTopics.map((t) => t.name)]),
        repartitionSourceTopics: sorted(s.repartitionSourceTopics.map((t) => t.name)),
        repartitionSinkTopics: sorted(s.repartitionSinkTopics),
        changelogTopics: sorted(s.stateChangelogTopics.map((t) => t.name)),
      }),
    )
    .sort((x, y) => x.subtopology.localeCompare(y.subtopology, undefined, {numeric: true}))
  const repartition = new Set(subtopologies.flatMap((s) => [...s.repartitionSourceTopics, ...s.repartitionSinkTopics]))
  const inputTopics = sorted(subtopologies.flatMap((s) => s.sourceTopics).filter((t) => !repartition.has(t)))
  const internalTopics = sorted(
    subtopologies.flatMap((s) => [...s.repartitionSourceTopics, ...s.repartitionSinkTopics, ...s.changelogTopics]).filter((t) => isInternalTopic(g.groupId, t)),
  )
  return {
    group: g.groupId,
    state: stateName(g.groupState),
    groupEpoch: g.groupEpoch,
    assignmentEpoch: g.assignmentEpoch,
    topologyEpoch: g.topology?.epoch ?? null,
    subtopologies,
    members: g.members
      .map(
        (m): StreamsMemberRow => ({
          memberId: m.memberId,
          memberEpoch: m.memberEpoch,
          instanceId: m.instanceId,
          clientId: m.clientId,
          host: m.clientHost,
          processId: m.processId,
          topologyEpoch: m.topologyEpoch,
          isClassic: m.isClassic,
          tasks: tasks(m.assignment),
          targetTasks: tasks(m.targetAssignment),
        }),
      )
      .sort((x, y) => x.clientId.localeCompare(y.clientId) || x.memberId.localeCompare(y.memberId)),
    inputTopics,
    internalTopics,
  }
}

/**
 * Active tasks as topic partitions: each task of a sub-topology is that partition of every one of
 * its source topics (StreamsGroupCommand.getTopicPartitions).
 */
export function activePartitions(info: StreamsGroupInfo, active: StreamsTaskRow[]): TopicPartitions[] {
  const sources = new Map(info.subtopologies.map((s) => [s.subtopology, s.sourceTopics]))
  const out: TopicPartitions[] = []
  for (const t of active) for (const topic of sources.get(t.subtopology) ?? []) out.push({topic, partitions: t.partitions})
  return sortAssignment(out)
}

/** A streams group as the other describes give a group (members with their partitions), its details beside. */
export function streamsDescription(info: StreamsGroupInfo): GroupDescription & {streams: StreamsGroupInfo} {
  const sources = sorted(info.subtopologies.flatMap((s) => s.sourceTopics))
  return {
    group: info.group,
    protocol: 'streams',
    errorCode: 0,
    state: info.state,
    assignor: null,
    protocolType: 'streams',
    groupEpoch: info.groupEpoch,
    assignmentEpoch: info.assignmentEpoch,
    members: info.members.map((m) => ({
      memberId: m.memberId,
      instanceId: m.instanceId,
      clientId: m.clientId,
      host: m.host,
      // every member of a streams group reads the whole topology's source topics
      subscribedTopics: sources,
      assignment: activePartitions(info, m.tasks.active),
      memberEpoch: m.memberEpoch,
      targetAssignment: activePartitions(info, m.targetTasks.active),
      memberType: null,
    })),
    streams: info,
  }
}

/**
 * StreamsGroupDescribe of these groups, batched per coordinator; only the groups that are streams groups
 * (errorCode 0) are in the result. Empty when the broker has no streams groups (before Kafka 4.1).
 */
export async function describeStreamsGroups(a: Admin, groups: string[]): Promise<Map<string, StreamsGroupInfo>> {
  const out = new Map<string, StreamsGroupInfo>()
  if (groups.length === 0 || !(await supports(a, streamsGroupDescribe))) return out
  const responses = await callGroupCoordinators(a, groups, streamsGroupDescribe, (ids) => [ids])
  for (const res of responses) for (const g of res.groups) if (g.errorCode === 0) out.set(g.groupId, streamsInfo(g))
  return out
}

/** The internal topics of a streams group that exist now (the topology names them whether or not they do). */
export async function existingInternalTopics(adapter: KafkaAdapter, info: StreamsGroupInfo): Promise<string[]> {
  if (info.internalTopics.length === 0) return []
  try {
    const known = await existingTopicPartitions(await adapter.admin(), info.internalTopics)
    return info.internalTopics.filter((t) => known.has(t))
  } catch (err) {
    throw kafkaError(err, adapter.options, `metadata of the internal topics of ${info.group}`)
  }
}

/** Deletes topics (DeleteTopics); the broker answers once they are marked for deletion. */
export async function deleteTopics(adapter: KafkaAdapter, topics: string[]): Promise<void> {
  if (topics.length === 0) return
  try {
    await (await adapter.admin()).deleteTopics({topics})
  } catch (err) {
    throw kafkaError(err, adapter.options, `deleting topics ${topics.join(', ')}`)
  }
}
