// `cg group create` and `cg group delete` on Redis, with their safety rules.
import type {OpRequest} from '../../core/requests.js'
import type {ChangeResult} from '../../core/results.js'
import {CgError, refused} from '../../errors/cg-error.js'
import {namedArgs} from '../../services/args.js'
import {nonNegativeInt} from '../../services/inputs.js'
import {groupRow, STREAM_GROUP, type RedisGroupPosition} from './redis-inspect.js'
import type {StreamsAdapter} from './redis-types.js'
import {parseStreamId} from './stream-id.js'

export interface GroupCreateReport extends ChangeResult {
  group: string
  sources: string[]
  start: string
  mkstream: boolean
  /** true when the stream does not exist yet and MKSTREAM creates it */
  createsStream: boolean
  entriesRead: number | null
  dryRun: boolean
  created: boolean
  /** the group as the server reports it after creation, as cg groups shows it (null for a dry run) */
  after: RedisGroupPosition | null
}

export async function groupCreate(conn: StreamsAdapter, req: OpRequest<'group:create'>): Promise<GroupCreateReport> {
  const [source, group] = namedArgs(req, STREAM_GROUP, 'cg group create [STREAM] [GROUP] [--start ID] [--mkstream]')
  const f = req.flags
  const entriesRead = f['entries-read'] === undefined ? null : nonNegativeInt(f['entries-read'], '--entries-read', '0')
  const start = parseStreamId(f.start, '--start', ['$', '0'])
  const exists = await conn.repair.streamExists(source)
  if (!exists && !f.mkstream) {
    throw new CgError(
      'not_found',
      `stream ${source} does not exist`,
      `Add --mkstream to create it with the group: cg group create ${source} ${group} --mkstream.`,
    )
  }
  if (exists) {
    const taken = await conn.group(source, group).then(
      () => true,
      (e: unknown) => (e instanceof CgError && e.code === 'not_found' ? false : Promise.reject(e)),
    )
    if (taken)
      throw refused(
        `group ${group} already exists on stream ${source}`,
        `Move it with: cg reset ${source} ${group} ..., or delete it first: cg group delete ${source} ${group}.`,
      )
  }
  const report: GroupCreateReport = {
    broker: 'redis',
    group,
    sources: [source],
    start,
    mkstream: f.mkstream,
    createsStream: !exists,
    entriesRead,
    dryRun: f['dry-run'],
    created: false,
    after: null,
  }
  if (report.dryRun) return report
  await conn.repair.createGroup({source, group, start, mkstream: f.mkstream, entriesRead})
  report.created = true
  report.after = groupRow(await conn.group(source, group))
  return report
}

export interface GroupDeleteReport extends ChangeResult {
  group: string
  sources: string[]
  force: boolean
  consumers: number
  /** pending entries the group held: their delivery state is lost with the group */
  pending: number
  deleted: boolean
  warnings: string[]
}

export async function groupDelete(conn: StreamsAdapter, req: OpRequest<'group:delete'>): Promise<GroupDeleteReport> {
  const [source, group] = namedArgs(req, STREAM_GROUP, 'cg group delete [STREAM] [GROUP] [--force]')
  const f = req.flags
  const row = await conn.group(source, group)
  const report: GroupDeleteReport = {
    broker: 'redis',
    group,
    sources: [source],
    dryRun: f['dry-run'],
    force: f.force,
    consumers: row.consumers ?? 0,
    pending: row.pending ?? 0,
    deleted: false,
    warnings: [],
  }
  const refuse = (consumers: number, pending: number) =>
    refused(
      `group ${group} on ${source} has ${consumers} consumer(s) and ${pending} pending entries; deleting it loses them`,
      `Check with: cg consumers ${source} ${group}; delete anyway with --force.`,
    )
  if (!f.force && (report.consumers > 0 || report.pending > 0)) throw refuse(report.consumers, report.pending)
  if (report.dryRun) return report
  // checked again atomically with the delete: a consumer may have joined since
  const r = await conn.repair.destroyGroup(source, group, f.force)
  if (!r.destroyed) throw refuse(r.consumers, r.pending)
  report.consumers = r.consumers
  report.pending = r.pending
  report.deleted = true
  if (r.pending > 0 || r.consumers > 0) {
    report.warnings.push(`deleted with ${r.consumers} consumer(s) and ${r.pending} pending entries`)
    req.run.warn(report.warnings[0])
  }
  return report
}
