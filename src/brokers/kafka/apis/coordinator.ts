// Sending a request the client library does not have to a group's coordinator. An ApiDef (one small file per
// API in this folder) says how to write the request and read the response for the versions cg speaks; the
// version used is the highest the broker also speaks (ApiVersions, asked once per admin).
import type {Admin, Connection, Reader, Writer} from '@platformatic/kafka'
import {CgError} from '../../../errors/cg-error.js'
import {kafkaLib} from '../kafka-adapter.js'

export const GROUPS_PER_REQUEST = 100

export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/** Groups by their coordinator's node id (FindCoordinator, GROUPS_PER_REQUEST keys per request). */
export async function groupsByCoordinator(a: Admin, groups: string[]): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>()
  for (const part of chunks(groups, GROUPS_PER_REQUEST)) {
    const coordinators = await a.findCoordinator({keyType: 0, keys: part})
    for (const c of coordinators) {
      const list = out.get(c.nodeId) ?? []
      list.push(c.key)
      out.set(c.nodeId, list)
    }
  }
  return out
}

/** The Admin's connection to a broker; undefined when the node is not in the cluster metadata. */
export async function connectionTo(a: Admin, nodeId: number): Promise<Connection | undefined> {
  return (await a.connectToBrokers([nodeId])).get(nodeId)
}

/** How to speak one API: request writer and response reader for each version cg knows. */
export interface ApiDef<Args extends unknown[], Res> {
  key: number
  /** the protocol's name, for messages ("ShareGroupDescribe") */
  name: string
  /** the versions cg can write and read, any order */
  versions: number[]
  /** the request body (header excluded) */
  request(w: Writer, version: number, ...args: Args): Writer
  /** the response body (header excluded); per-group errors are returned, never thrown */
  response(r: Reader, version: number): Res
}

type Sendable = {async: (connection: unknown, ...args: unknown[]) => Promise<unknown>}

const brokerApis = new WeakMap<Admin, Promise<Map<number, {min: number; max: number}>>>()
const made = new Map<string, Sendable>()

/** The version of `def` to use with this cluster; null when the broker speaks none of cg's versions. */
export async function apiVersion(admin: Admin, def: ApiDef<never, unknown>): Promise<number | null> {
  let known = brokerApis.get(admin)
  if (!known) {
    known = admin.listApis().then((list) => {
      const m = new Map<number, {min: number; max: number}>()
      for (const a of list as Array<{apiKey: number; minVersion: number; maxVersion: number}>) m.set(a.apiKey, {min: a.minVersion, max: a.maxVersion})
      return m
    })
    brokerApis.set(admin, known)
    known.catch(() => brokerApis.delete(admin))
  }
  const range = (await known).get(def.key)
  if (!range) return null
  const common = def.versions.filter((v) => v >= range.min && v <= range.max)
  return common.length ? Math.max(...common) : null
}

/** True when the broker speaks a version of `def` cg knows. */
export async function supports(admin: Admin, def: ApiDef<never, unknown>): Promise<boolean> {
  return (await apiVersion(admin, def)) !== null
}

async function sendable<Args extends unknown[], Res>(admin: Admin, def: ApiDef<Args, Res>): Promise<{api: Sendable; version: number}> {
  const version = await apiVersion(admin, def as unknown as ApiDef<never, unknown>)
  if (version === null)
    throw new CgError(
      'unsupported',
      `this Kafka cluster does not support ${def.name} (API ${def.key}) in a version cg speaks (${def.versions.join(', ')})`,
      'Kafka 4.1 or later has share groups; 4.1 or later has streams groups (KIP-1071).',
    )
  const id = `${def.key}:${version}`
  let api = made.get(id)
  if (!api) {
    const lib = await kafkaLib()
    api = lib.createAPI(def.key, version, (...args: unknown[]) => def.request(lib.Writer.create(), version, ...(args as Args)), ((
      _correlationId: number,
      _apiKey: number,
      _apiVersion: number,
      reader: Reader,
    ) => def.response(reader, version)) as never) as unknown as Sendable
    made.set(id, api)
  }
  return {api, version}
}

/**
 * THE way to send a group request: FindCoordinator for `group`, then `def` with `args` to that node.
 * Returns the decoded response (per-group errors are in it: the caller reads them).
 */
export async function callGroupCoordinator<Args extends unknown[], Res>(admin: Admin, group: string, def: ApiDef<Args, Res>, ...args: Args): Promise<Res> {
  const {api} = await sendable(admin, def)
  const [[node]] = [...(await groupsByCoordinator(admin, [group]))]
  const connection = await connectionTo(admin, node)
  if (!connection) throw new Error(`coordinator node ${node} of group ${group} is not in the cluster metadata`)
  return (await api.async(connection, ...args)) as Res
}

/**
 * The same for requests that take many groups (the Describe APIs): the groups are grouped by coordinator,
 * GROUPS_PER_REQUEST per request, `args(groups)` makes each request's arguments; the responses in order.
 */
export async function callGroupCoordinators<Args extends unknown[], Res>(
  admin: Admin,
  groups: string[],
  def: ApiDef<Args, Res>,
  args: (groups: string[]) => Args,
): Promise<Res[]> {
  if (groups.length === 0) return []
  const {api} = await sendable(admin, def)
  const out: Res[] = []
  for (const [node, ids] of await groupsByCoordinator(admin, groups)) {
    const connection = await connectionTo(admin, node)
    if (!connection) throw new Error(`coordinator node ${node} is not in the cluster metadata`)
    for (const part of chunks(ids, GROUPS_PER_REQUEST)) out.push((await api.async(connection, ...args(part))) as Res)
  }
  return out
}
