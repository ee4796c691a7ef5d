// Kafka behind the driver contract: each operation names its arguments in Kafka's terms (GROUP, TOPIC GROUP,
// GROUP MEMBER, TOPIC of a DLQ), checks its flags, calls the Kafka code of this folder, and returns plain data:
// the common core (src/core/results.ts) beside Kafka's own facts. A member is a consumer (named by its member
// id) and a group's topics are its sources. An operation on one named group first asks whether it is a share
// group (KIP-932: kafka-share.ts), whose reads and repairs differ; consumer and classic groups share the rest.
import {checkKafkaNames} from './kafka-names.js'
import type {DriverModule} from '../../core/driver.js'
import type {Request} from '../../core/requests.js'
import {usage} from '../../errors/cg-error.js'
import {namedArgs, optionalArg, profileValue} from '../../services/args.js'
import {parseRate, parseWhere} from '../../services/dlq-select.js'
import {readInputFile} from '../../services/inputs.js'
import {listKafkaDlq, peekKafkaDlq, purgeKafkaDlq} from './kafka-dlq-browse.js'
import {replayKafkaDlq} from './kafka-dlq-replay.js'
import {parseRecordId} from './kafka-dlq-target.js'
import {consumersReport, groupsReport, lagReport, pendingReport, statusReport} from './kafka-lag.js'
import {GROUP_TYPES, listGroups} from './kafka-inspect.js'
import {parseWindow} from './kafka-lag-window.js'
import {deleteKafkaGroup, deleteKafkaOffsets, removeKafkaMember} from './kafka-repair.js'
import {parseResetMode, parseResetPlanCsv, parseScope, resetOffsets, type KafkaResetMode} from './kafka-reset.js'
import type {KafkaAdapter} from './kafka-types.js'
import {
  deleteShareGroup,
  deleteShareOffsets,
  describeShareGroup,
  resetShareOffsets,
  shareConsumersReport,
  shareGroupLag,
  shareGroupsLag,
  sharePendingReport,
  shareRefusal,
  shareStatus,
  withShareLag,
  withShareStatus,
} from './kafka-share.js'

const GROUP = {name: 'GROUP', profile: 'group'} as const

/**
 * `[[TOPIC] GROUP]` of consumers and pending: one argument is the GROUP, two are TOPIC GROUP, none is the
 * profile's group (and its stream as the topic).
 */
function topicAndGroup(req: Request<unknown>, command: string): {group: string; topic?: string} {
  const given = req.args.filter((a) => a !== '')
  if (given.length > 2)
    throw usage(`cg ${command} on Kafka takes [TOPIC] GROUP`, 'Kafka lag is per partition, not per member: cg consumers GROUP shows who owns which partition.')
  if (given.length === 2) return {topic: given[0], group: given[1]}
  if (given.length === 1) return {group: given[0]}
  const group = profileValue(req, 'group')
  if (group === undefined) throw usage(`${command} needs a GROUP on Kafka`, `Give it (cg ${command} GROUP), or set \`group:\` in the profile.`)
  return {group, topic: profileValue(req, 'stream')}
}

/** Where a DLQ command looks for its topic: TOPIC (else the profile's stream), --dlq, the profile's dlq. */
function dlqWhere(req: Request<{dlq?: string}>, source: string | undefined) {
  return {source: source ?? profileValue(req, 'stream'), dlqFlag: req.flags.dlq, profileDlq: req.profile.dlq}
}

/** `--type share --type streams` or `--type share,streams`: the group types asked for, checked. */
function groupTypes(given: string[] | undefined): string[] | undefined {
  if (!given?.length) return undefined
  const types = [...new Set(given.flatMap((t) => t.split(',')).map((t) => t.trim().toLowerCase()))].filter(Boolean)
  const bad = types.filter((t) => !(GROUP_TYPES as readonly string[]).includes(t))
  if (bad.length) throw usage(`unknown group type ${bad.map((t) => `"${t}"`).join(', ')}`, `Kafka group types are ${GROUP_TYPES.join(', ')}.`)
  return types
}

export const driver: DriverModule<KafkaAdapter> = {
  broker: 'kafka',
  refusals: {
    claim:
      "A partition is owned by one member at a time and Kafka has no per-message ownership to move. To free a stuck member's partitions: `cg consumer delete GROUP MEMBER` (the group rebalances). To re-read or skip records: stop the group, then `cg reset GROUP --topic T --shift-by N --execute`. In a share group a record no member acknowledges returns to the others when its acquisition lock expires (group.share.record.lock.duration.ms).",
    setid: 'Kafka groups have committed offsets per partition, not one position: use `cg reset GROUP --to-offset N --topic T`.',
    'group:create':
      'A Kafka group comes into being when a consumer joins or offsets are committed: use `cg reset GROUP --topic T --to-earliest --execute` to give a new group offsets.',
    'dlq:move':
      'Kafka consumers write their own dead-letter topic (Spring .DLT, Kafka Connect errors.deadletterqueue): cg reads and replays it with `cg dlq replay --dlq TOPIC`.',
  },
  checkNames: (op, req) => checkKafkaNames(op, req.args, req.flags),
  async connect(profile, opts) {
    const {PlatformaticKafkaAdapter} = await import('./kafka-adapter.js')
    return PlatformaticKafkaAdapter.connect(profile, opts)
  },
  ops: {
    /** `[GROUP]`: that group, or every group of both protocols (the profile's group is not a default here). */
    async status(conn, req) {
      const given = req.args.filter((a) => a !== '')
      if (given.length > 1) throw usage('on Kafka the scope is [GROUP]', 'Name one group, or none for every group.')
      if (given[0] !== undefined) {
        const share = await describeShareGroup(conn, given[0])
        if (!share) return {broker: 'kafka', ...(await statusReport(conn, given[0]))}
        const lag = await shareGroupLag(conn, share)
        return {broker: 'kafka', takenAt: Date.now(), groups: [shareStatus(lag)]}
      }
      // every group: one listing tells the groups and which of them are share groups
      const listed = await listGroups(conn)
      return {broker: 'kafka', ...(await withShareStatus(conn, await statusReport(conn, undefined, listed), listed))}
    },
    async groups(conn, req) {
      const topic = optionalArg(req, 0)
      const {rows, shares} = await groupsReport(conn, topic, groupTypes(req.flags.type))
      return {broker: 'kafka', groups: await withShareLag(conn, rows, topic, shares)}
    },

    async consumers(conn, req) {
      const {group, topic} = topicAndGroup(req, 'consumers')
      const share = await describeShareGroup(conn, group)
      if (share) return {broker: 'kafka', ...shareConsumersReport(share, topic)}
      return {broker: 'kafka', ...(await consumersReport(conn, group, topic))}
    },

    async pending(conn, req) {
      const {group, topic} = topicAndGroup(req, 'pending')
      const share = await describeShareGroup(conn, group)
      if (share) return {broker: 'kafka', ...(await sharePendingReport(conn, share, topic))}
      return {broker: 'kafka', ...(await pendingReport(conn, group, topic))}
    },

    async lag(conn, req) {
      const {window, samples, topic} = req.flags
      if (samples !== undefined && window === undefined) throw usage('--samples needs --window', 'Give --window DURATION, e.g. --window 30s --samples 5.')
      const windowMs = window === undefined ? undefined : parseWindow(window)
      const named = optionalArg(req, 0)
      const share = named === undefined ? null : await describeShareGroup(conn, named)
      if (share) {
        if (windowMs !== undefined)
          throw usage('--window is for consumer groups', 'A share group has no committed offsets to sample: cg lag GROUP shows the lag its broker reports.')
        return {broker: 'kafka', window: null, groups: [await shareGroupLag(conn, share, topic)]}
      }
      const progress = windowMs === undefined ? null : req.run.progress(`sampling offsets over ${window}`, samples ?? 5)
      try {
        const report = await lagReport(conn, {
          group: optionalArg(req, 0),
          topic,
          windowMs,
          samples,
          signal: req.run.signal,
          onSample: (i, n) => {
            progress?.add(1)
            req.run.debug(`lag window: sample ${i}/${n} taken`)
          },
        })
        if (named !== undefined) return {broker: 'kafka', ...report}
        // every group: share groups by their own numbers (the consumer-group read knows no share state)
        const shares = await shareGroupsLag(conn, topic)
        if (shares.length === 0) return {broker: 'kafka', ...report}
        const names = new Set(shares.map((g) => g.group))
        const groups = [...report.groups.filter((g) => !names.has(g.group)), ...shares].sort((x, y) => x.group.localeCompare(y.group))
        return {broker: 'kafka', ...report, groups}
      } finally {
        progress?.done()
      }
    },

    async reset(conn, req) {
      const f = req.flags
      const [group] = namedArgs(req, [GROUP], 'cg reset GROUP (--topic T[:P,...] | --all-topics) MODE')
      if (f.execute && f['dry-run']) throw usage('--execute and --dry-run exclude each other', 'Leave --execute out for a dry run.')
      const parsed = parseResetMode({
        toEarliest: f['to-earliest'],
        toLatest: f['to-latest'],
        toCurrent: f['to-current'],
        toOffset: f['to-offset'],
        shiftBy: f['shift-by'],
        toDatetime: f['to-datetime'],
        byDuration: f['by-duration'],
        fromFile: f['from-file'],
        toId: f['to-id'],
      })
      const mode: KafkaResetMode =
        parsed.kind === 'from-file'
          ? {
              kind: 'from-file',
              path: parsed.path,
              rows: parseResetPlanCsv(
                await readInputFile(
                  parsed.path,
                  '--from-file',
                  'Give the CSV that `cg reset GROUP ... --export` or kafka-consumer-groups.sh --export wrote (topic,partition,offset lines); - reads it from stdin.',
                ),
                group,
                parsed.path,
              ),
            }
          : parsed
      const scope = parseScope(f.topic, Boolean(f['all-topics']), mode.kind === 'from-file')
      const o = {group, mode, scope, execute: f.execute, exportCsv: Boolean(f.export)}
      const share = await describeShareGroup(conn, group)
      if (share) return {broker: 'kafka', ...(await resetShareOffsets(conn, share, o))}
      return {broker: 'kafka', ...(await resetOffsets(conn, o))}
    },

    async 'group:delete'(conn, req) {
      const [group] = namedArgs(req, [GROUP], 'cg group delete GROUP')
      const f = req.flags
      const deleteInternalTopics = Boolean(f['delete-internal-topics'])
      // --delete-internal-topics is for streams groups: deleteKafkaGroup refuses it on any other group
      const share = deleteInternalTopics ? null : await describeShareGroup(conn, group)
      if (share) return {broker: 'kafka', ...(await deleteShareGroup(conn, share, {dryRun: f['dry-run']}))}
      return {broker: 'kafka', ...(await deleteKafkaGroup(conn, {group, dryRun: f['dry-run'], deleteInternalTopics}))}
    },

    async 'offsets:delete'(conn, req) {
      const [group] = namedArgs(req, [GROUP], 'cg offsets delete GROUP --topic T[:P,...]')
      const share = await describeShareGroup(conn, group)
      if (share) return {broker: 'kafka', ...(await deleteShareOffsets(conn, share, {topics: req.flags.topic, dryRun: Boolean(req.flags['dry-run'])}))}
      return {broker: 'kafka', ...(await deleteKafkaOffsets(conn, {group, topics: req.flags.topic, dryRun: Boolean(req.flags['dry-run'])}))}
    },

    /** `GROUP MEMBER`, or MEMBER alone with the profile's group; MEMBER is a member id or a group.instance.id. */
    async 'consumer:delete'(conn, req) {
      const given = req.args.filter((a) => a !== '')
      let group: string | undefined
      let member: string
      if (given.length === 2) [group, member] = given
      else if (given.length === 1) {
        member = given[0]
        group = profileValue(req, 'group')
        if (group === undefined) throw usage('missing GROUP', 'Give GROUP MEMBER, or set `group:` in the profile.')
      } else throw usage('on Kafka give GROUP MEMBER', 'MEMBER is a member id or a group.instance.id (see `cg consumers GROUP`).')
      if (await describeShareGroup(conn, group)) throw shareRefusal(group, 'consumer:delete')
      return {broker: 'kafka', ...(await removeKafkaMember(conn, {group, member, dryRun: req.flags['dry-run']}))}
    },

    async 'dlq:list'(conn, req) {
      const report = await listKafkaDlq(conn, {...dlqWhere(req, optionalArg(req, 0)), where: parseWhere(req.flags.where), count: req.flags.count ?? null})
      return {broker: 'kafka', ...report}
    },

    /** `[TOPIC] [PARTITION:OFFSET]`; with the DLQ named by --dlq, a lone PARTITION:OFFSET is the record. */
    async 'dlq:peek'(conn, req) {
      let topic = optionalArg(req, 0)
      let id = optionalArg(req, 1)
      if (id === undefined && topic !== undefined && parseRecordId(topic)) [topic, id] = [undefined, topic]
      const rid = id === undefined ? undefined : parseRecordId(id)
      if (rid === null)
        throw usage(`${JSON.stringify(id)} is not PARTITION:OFFSET`, 'For example: cg dlq peek orders 0:42 (see cg dlq list for partitions and offsets).')
      return {broker: 'kafka', ...(await peekKafkaDlq(conn, {...dlqWhere(req, topic), id: rid, count: req.flags.count}))}
    },

    async 'dlq:purge'(conn, req) {
      const f = req.flags
      const report = await purgeKafkaDlq(conn, {...dlqWhere(req, optionalArg(req, 0)), dryRun: Boolean(f['dry-run']), yes: Boolean(f.yes), run: req.run})
      return {broker: 'kafka', ...report}
    },

    async 'dlq:replay'(conn, req) {
      const f = req.flags
      const dryRun = Boolean(f['dry-run'])
      const report = await replayKafkaDlq(conn, {
        ...dlqWhere(req, optionalArg(req, 0)),
        to: f.to,
        where: parseWhere(f.where),
        whereText: f.where ?? [],
        limit: f.limit ?? null,
        rate: parseRate(f.rate),
        dryRun,
        signal: req.run.signal,
        progress: (total) => req.run.progress('replaying', total),
      })
      return {broker: 'kafka', ...report}
    },
  },
}
