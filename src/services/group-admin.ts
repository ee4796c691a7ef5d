// `cg group create` and `cg group delete`, with their safety rules.
import type {BrokerAdapter, GroupRow} from '../brokers/types.js'
import type {GroupCreateRequest as GroupCreateSpec} from '../brokers/repair-types.js'
import {parseStreamId} from '../brokers/redis/stream-id.js'
import {CgError, refused} from '../errors/cg-error.js'
import {warn} from '../output/log.js'
import {repairOps} from './claim.js'

export interface GroupCreateRequest extends GroupCreateSpec {
  dryRun: boolean
}

export interface GroupCreateReport {
  source: string
  group: string
  start: string
  mkstream: boolean
  /** true when the stream does not exist yet and MKSTREAM creates it */
  createsStream: boolean
  entriesRead: number | null
  dryRun: boolean
  created: boolean
  /** the group as the server reports it after creation (null for a dry run) */
  after: GroupRow | null
}

export async function createGroup(adapter: BrokerAdapter, req: GroupCreateRequest): Promise<GroupCreateReport> {
  const repair = repairOps(adapter, 'group create')
  const start = parseStreamId(req.start, '--start', ['$', '0'])
  const exists = await repair.streamExists(req.source)
  if (!exists && !req.mkstream) {
    throw new CgError('not_found', `stream ${req.source} does not exist`, `Add --mkstream to create it with the group: cg group create ${req.source} ${req.group} --mkstream.`)
  }
  if (exists) {
    const taken = await repair.group(req.source, req.group).then(() => true, (e: unknown) => (e instanceof CgError && e.code === 'not_found' ? false : Promise.reject(e)))
    if (taken) throw refused(`group ${req.group} already exists on stream ${req.source}`, `Move it with: cg reset ${req.source} ${req.group} ..., or delete it first: cg group delete ${req.source} ${req.group}.`)
  }
  const report: GroupCreateReport = {
    source: req.source,
    group: req.group,
    start,
    mkstream: req.mkstream,
    createsStream: !exists,
    entriesRead: req.entriesRead,
    dryRun: req.dryRun,
    created: false,
    after: null,
  }
  if (req.dryRun) return report
  await repair.createGroup({source: req.source, group: req.group, start, mkstream: req.mkstream, entriesRead: req.entriesRead})
  report.created = true
  report.after = await repair.group(req.source, req.group)
  return report
}

export interface GroupDeleteRequest {
  source: string
  group: string
  force: boolean
  dryRun: boolean
}

export interface GroupDeleteReport {
  source: string
  group: string
  dryRun: boolean
  force: boolean
  consumers: number
  /** pending entries the group held: their delivery state is lost with the group */
  pending: number
  deleted: boolean
  warnings: string[]
}

export async function deleteGroup(adapter: BrokerAdapter, req: GroupDeleteRequest): Promise<GroupDeleteReport> {
  const repair = repairOps(adapter, 'group delete')
  const row = await repair.group(req.source, req.group)
  const report: GroupDeleteReport = {
    source: req.source,
    group: req.group,
    dryRun: req.dryRun,
    force: req.force,
    consumers: row.consumers ?? 0,
    pending: row.pending ?? 0,
    deleted: false,
    warnings: [],
  }
  const refuse = (consumers: number, pending: number) =>
    refused(
      `group ${req.group} on ${req.source} has ${consumers} consumer(s) and ${pending} pending entries; deleting it loses them`,
      `Check with: cg consumers ${req.source} ${req.group}; delete anyway with --force.`,
    )
  if (!req.force && (report.consumers > 0 || report.pending > 0)) throw refuse(report.consumers, report.pending)
  if (req.dryRun) return report
  // checked again atomically with the delete: a consumer may have joined since
  const r = await repair.destroyGroup(req.source, req.group, req.force)
  if (!r.destroyed) throw refuse(r.consumers, r.pending)
  report.consumers = r.consumers
  report.pending = r.pending
  report.deleted = true
  if (r.pending > 0 || r.consumers > 0) {
    report.warnings.push(`deleted with ${r.consumers} consumer(s) and ${r.pending} pending entries`)
    warn(`warning: ${report.warnings[0]}`)
  }
  return report
}
