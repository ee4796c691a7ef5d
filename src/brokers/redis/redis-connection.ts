import type {Cluster, Redis, RedisOptions} from 'ioredis'
import calculateSlot from 'cluster-key-slot'
import type {ConnectOptions} from '../../core/driver.js'
import {CgError} from '../../errors/cg-error.js'
import {parseBrokerUrl} from '../../profiles/broker-url.js'
import type {Profile} from '../../profiles/resolve.js'
import {profileTls} from '../../profiles/tls-file.js'
import {sleep, withDeadline} from '../../services/wait.js'
import {isPermissionDenied, redisError} from './redis-errors.js'
import {probeTls, tlsFailure, tlsOnlyError, tlsReason, withTlsCheck} from '../tls-check.js'

export type RedisClient = Redis | Cluster

/** A connection to a standalone server or a cluster, with the per-node access cg needs. */
export interface RedisConnection {
  client: RedisClient
  cluster: boolean
  /** every master (one for a standalone server) */
  masters(): Redis[]
  /** the master that owns the key's slot */
  nodeFor(key: string): Redis
  sameSlot(a: string, b: string): boolean
  close(): Promise<void>
}

/** Builds ioredis options from the profile: URL credentials, username/password fields, TLS files. */
export function redisOptions(profile: Profile, timeoutMs: number): RedisOptions {
  const u = parseBrokerUrl(profile.url)
  const {host, port} = u.hosts[0]
  const o = profile.options
  const tls: RedisOptions['tls'] = profileTls(profile, u.tls, host)
  return {
    host,
    port: port ?? 6379,
    username: o.username != null ? String(o.username) : u.username,
    password: o.password != null ? String(o.password) : u.password,
    db: u.db,
    tls,
    // RESP2 keeps reply shapes stable across server versions (flat [k, v, ...] arrays).
    protocol: 2,
    lazyConnect: true,
    // cg waits for a loading server itself (serverInfo): ioredis' check prints a warning for an ACL user refused INFO
    enableReadyCheck: false,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: true,
    connectionName: 'cg',
  }
}

/** ConnectOptions plus a --verbose log line writer, when the caller has one (drivers never import output/). */
export type RedisConnectOptions = ConnectOptions & {debug?: (message: string) => void}

export async function connectRedis(profile: Profile, opts: RedisConnectOptions): Promise<RedisConnection> {
  const {timeoutMs} = opts
  const debug = opts.debug ?? (() => undefined)
  // ioredis is CommonJS: a bundle sees its exports on .default, plain Node ESM as named exports.
  const ioredis = await import('ioredis')
  const lib = (ioredis as unknown as {default?: typeof ioredis}).default ?? ioredis
  // lib.Cluster only when it is one: the built CLI loads ioredis' cluster client on first use
  const {Redis} = lib
  const options = redisOptions(profile, timeoutMs)
  const first = new Redis(options)
  // connect() rejects with a bare "Connection is closed."; the reason (WRONGPASS, ECONNREFUSED) comes as an event
  let reason: unknown
  first.on('error', (e) => {
    reason = e
    debug(`redis: ${e.message}`)
  })
  const tlsTarget = options.tls ? {host: options.host!, port: options.port!, plain: 'redis', broker: 'Redis', tls: options.tls} : null
  await withTlsCheck(withDeadline(first.connect(), timeoutMs, handshakeTimedOut), tlsTarget, timeoutMs).catch(async (error: unknown) => {
    first.disconnect()
    const cause = error instanceof CgError ? error : (reason ?? error)
    // a redis:// URL to a TLS-only port: the server resets the connection on the first plain-text command
    if (!options.tls && /ECONNRESET|Connection is closed|EPIPE/.test(String((cause as Error)?.message ?? cause))) {
      if ((await probeTls(options.host!, options.port!, 1000)) === 'tls')
        throw tlsOnlyError({host: options.host!, port: options.port!, secure: 'rediss'}, cause)
    }
    throw connectionError(cause, profile)
  })
  if (options.db) await selectDatabase(first, options.db, options.username, profile)
  const info = await serverInfo(first, timeoutMs).catch((error: unknown) => {
    first.disconnect()
    throw connectionError(redisError(error), profile)
  })
  if (profile.options.cluster === false || !(await clusterEnabled(first, info))) return standalone(first)

  first.disconnect()
  debug('cluster mode detected')
  const {host, port, connectTimeout, commandTimeout, ...nodeOptions} = options
  const cluster = new lib.Cluster([{host, port}], {
    redisOptions: {...nodeOptions, connectTimeout, commandTimeout, lazyConnect: false},
    lazyConnect: true,
    clusterRetryStrategy: () => null,
    enableOfflineQueue: true,
    slotsRefreshTimeout: timeoutMs,
    maxRedirections: 8,
  })
  let clusterReason: unknown
  cluster.on('error', (e: Error) => {
    clusterReason = e
    debug(`redis cluster: ${e.message}`)
  })
  await withDeadline(cluster.connect(), timeoutMs, handshakeTimedOut).catch((error: unknown) => {
    cluster.disconnect()
    throw connectionError(clusterReason ?? error, profile)
  })
  return clustered(cluster)
}

/**
 * INFO, once the server has loaded its data set (ioredis' ready check, done here): a server that is still
 * loading answers every other command with LOADING. '' for an ACL user refused INFO (it is not in @read):
 * such a user goes on at once.
 */
async function serverInfo(client: Redis, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    let info: string
    try {
      info = String(await client.info())
    } catch (error) {
      if (isPermissionDenied(error)) return ''
      throw error
    }
    if (!/^loading:1/m.test(info) || Date.now() > deadline) return info
    await sleep(100)
  }
}

/** Whether the server is a cluster node: from INFO, else (a user refused INFO) CLUSTER INFO, else not. */
async function clusterEnabled(client: Redis, info: string): Promise<boolean> {
  if (info) return /cluster_enabled:1/.test(info)
  const reply = await client.call('CLUSTER', 'INFO').catch((error: unknown) => String((error as Error)?.message ?? error))
  // a standalone server answers "ERR This instance has cluster support disabled"
  return /cluster_state:/.test(String(reply))
}

/** ioredis spends a timeout per handshake step (connect, ready check, CLIENT SETNAME): the whole is bounded
 * by withDeadline, failing as ioredis words it so connectionError() names it the same way. */
function handshakeTimedOut(): Error {
  return new Error('Connection timed out')
}

function standalone(client: Redis): RedisConnection {
  return {
    client,
    cluster: false,
    masters: () => [client],
    nodeFor: () => client,
    sameSlot: () => true,
    close: async () => {
      await client.quit().catch(() => client.disconnect())
    },
  }
}

function clustered(cluster: Cluster): RedisConnection {
  const byKey = () => new Map(cluster.nodes('master').map((n) => [`${n.options.host}:${n.options.port}`, n]))
  return {
    client: cluster,
    cluster: true,
    masters: () => cluster.nodes('master'),
    nodeFor(key) {
      const owner = cluster.slots[calculateSlot(key)]?.[0]
      const node = owner ? byKey().get(owner) : undefined
      if (!node) throw new CgError('unreachable', `no cluster node owns the slot of key ${key}`, 'Check CLUSTER INFO: the cluster may be down or resharding.')
      return node
    },
    sameSlot: (a, b) => calculateSlot(a) === calculateSlot(b),
    close: async () => {
      await cluster.quit().catch(() => cluster.disconnect())
    },
  }
}

/**
 * ioredis sends SELECT during its handshake and, when the server refuses it, goes on with database 0 (it
 * only emits an error event): so the database of the URL is selected once more here, and a refusal stops
 * the command before it does anything.
 */
async function selectDatabase(client: Redis, db: number, user: string | undefined, profile: Profile): Promise<void> {
  try {
    await client.select(db)
  } catch (error) {
    client.disconnect()
    const msg = String((error as Error)?.message ?? error).split('\n')[0]
    const where = hostOf(profile)
    if (/NOPERM/.test(msg)) {
      throw new CgError(
        'auth',
        `Redis at ${where} refused database ${db} to ${user ? `user ${user}` : 'the default user'} (${msg})`,
        'Allow SELECT for the ACL user (ACL SETUSER USER +select), or leave /DB out of the URL to use database 0.',
      )
    }
    if (/cluster mode/i.test(msg)) {
      throw new CgError('usage', `Redis at ${where} is a cluster: it has database 0 only, not ${db}`, 'Leave /DB out of the URL of a Redis Cluster.')
    }
    if (/DB index|out of range|invalid/i.test(msg)) {
      throw new CgError(
        'usage',
        `Redis at ${where} has no database ${db} (${msg})`,
        'Its databases are numbered from 0 to `databases` - 1 (CONFIG GET databases; 16 by default): fix the /DB of the URL.',
      )
    }
    throw connectionError(error, profile)
  }
}

function hostOf(profile: Profile): string {
  const {host, port} = parseBrokerUrl(profile.url).hosts[0]
  return `${host.includes(':') ? `[${host}]` : host}:${port ?? 6379}`
}

function connectionError(error: unknown, profile: Profile): CgError {
  if (error instanceof CgError) return error
  const e = error as {message?: string; code?: string}
  const msg = String(e?.message ?? error)
  const where = hostOf(profile)
  if (/WRONGPASS|NOAUTH|invalid username-password|AUTH.*failed/i.test(msg)) {
    return new CgError(
      'auth',
      `authentication failed for Redis at ${where} (${msg.split('\n')[0]})`,
      'Check the username and password of the profile, or the credentials in its URL.',
    )
  }
  const tls = tlsFailure(`Redis at ${where}`, error)
  if (tls) return tls
  if (/certificate|SSL|TLS|EPROTO/i.test(msg)) {
    return new CgError(
      'unreachable',
      `TLS handshake with Redis at ${where} failed: ${tlsReason(msg)}`,
      'Check tls.ca / tls.servername, or use redis:// for a plain-text server.',
    )
  }
  if (/Unknown RESP type|Protocol error/i.test(msg)) {
    return new CgError(
      'unreachable',
      `${where} does not answer as a Redis server`,
      'Check the host and port: something other than Redis listens there (a proxy? an HTTP port?).',
    )
  }
  if (/timed? ?out|ETIMEDOUT/i.test(msg)) {
    return new CgError('timeout', `Redis at ${where} did not answer in time`, 'Check the host and port, or raise --timeout.')
  }
  return new CgError(
    'unreachable',
    `cannot connect to Redis at ${where} (${e?.code ?? msg})`,
    'Is the server running? Check --url / the profile (cg profiles test).',
  )
}
