import {connect as netConnect} from 'node:net'
import {connect as tlsConnect} from 'node:tls'
import type {Cluster, Redis, RedisOptions} from 'ioredis'
import calculateSlot from 'cluster-key-slot'
import type {ConnectOptions} from '../../core/driver.js'
import {CgError} from '../../errors/cg-error.js'
import {parseBrokerUrl, type UrlHost} from '../../profiles/broker-url.js'
import type {Profile} from '../../profiles/resolve.js'
import {profileTls} from '../../profiles/tls-file.js'
import {sleep, withDeadline} from '../../services/wait.js'
import {isPermissionDenied, redisError, wrap} from './redis-errors.js'
import {clientCertOf, isPlainTextReply, notTlsError, probeTls, tlsFailure, tlsOnlyError, tlsReason, withTlsCheck} from '../tls-check.js'

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
  /** behind Redis Sentinel: the master's name and the address the sentinels gave for it */
  sentinelMaster?: () => {name: string; address: string}
  /**
   * Behind Redis Sentinel with a replica: WAIT until a replica has the writes sent so far, else fail (exit 69).
   * A write a replica never got is undone when a failover promotes that replica; a step of a repair counts
   * as done only once confirmed, so a failover mid-run never reports work the new master does not have.
   */
  confirmWrites?: () => Promise<void>
  close(): Promise<void>
}

/** Builds ioredis options from the profile: URL credentials, username/password fields, TLS files. */
export function redisOptions(profile: Profile, timeoutMs: number): RedisOptions {
  const u = parseBrokerUrl(profile.url)
  const {host, port} = u.hosts[0]
  const o = profile.options
  const tls: RedisOptions['tls'] = profileTls(profile, u.tls, host)
  const common: RedisOptions = {
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
    // CLIENT SETINFO lib-name/lib-ver: two more commands on each connection (an error before Redis 7.2)
    disableClientInfo: true,
  }
  if (u.master === undefined) return {...common, host, port: port ?? 6379}
  return {...common, ...sentinelOptions(profile, u.hosts, u.master, tls, timeoutMs)}
}

/**
 * Redis Sentinel: ioredis asks the sentinels, in turn, for the master's address and connects there. The
 * profile's credentials and `tls:` are the master's; the sentinels take the same `tls:` (one CA signs both in
 * the deployments cg meets) and their own `sentinelUsername` / `sentinelPassword`. A failover (+switch-master
 * on a sentinel) closes the connection: the command in flight fails with "lost the connection" and a re-run
 * resumes on the new master (see docs/redis-sentinel.md).
 */
function sentinelOptions(profile: Profile, hosts: UrlHost[], name: string, tls: RedisOptions['tls'], timeoutMs: number): Partial<RedisOptions> {
  const o = profile.options
  return {
    sentinels: sentinelList(hosts),
    name,
    role: 'master',
    sentinelUsername: o.sentinelUsername != null ? String(o.sentinelUsername) : undefined,
    sentinelPassword: o.sentinelPassword != null ? String(o.sentinelPassword) : undefined,
    sentinelTLS: tls,
    enableTLSForSentinelMode: tls !== undefined,
    sentinelRetryStrategy: () => null,
    sentinelReconnectStrategy: () => null,
    sentinelCommandTimeout: timeoutMs,
    // the sentinels named are the ones asked: the addresses they announce for each other may not be reachable
    updateSentinels: false,
    failoverDetector: true,
  }
}

function sentinelList(hosts: UrlHost[]): Array<{host: string; port: number}> {
  return hosts.map(({host, port}) => ({host, port: port ?? SENTINEL_PORT}))
}

const SENTINEL_PORT = 26379

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
  // The database is selected below, where a refusal stops the command: ioredis would select it during its
  // handshake as well, and go on with database 0 when refused.
  const first = new Redis({...options, db: 0})
  // connect() rejects with a bare "Connection is closed."; the reason (WRONGPASS, ECONNREFUSED) comes as an event
  let reason: unknown
  first.on('error', (e) => {
    reason = e
    debug(`redis: ${e.message}`)
  })
  // Sentinel: why each sentinel gave no master (refused, auth, no such master name), for the error
  const sentinelErrors: string[] = []
  first.on('sentinelError', (e: Error) => {
    sentinelErrors.push(e.message)
    debug(`redis sentinel: ${e.message}`)
  })
  const sentinels = options.sentinels as Array<{host: string; port: number}> | undefined
  const probeAt = sentinels
    ? {host: sentinels[0].host, port: sentinels[0].port, plain: 'redis+sentinel'}
    : {host: options.host!, port: options.port!, plain: 'redis'}
  const tlsTarget = options.tls ? {...probeAt, broker: sentinels ? 'the Redis sentinel' : 'Redis', tls: options.tls} : null
  await withTlsCheck(withDeadline(first.connect(), timeoutMs, handshakeTimedOut), tlsTarget, timeoutMs).catch(async (error: unknown) => {
    first.disconnect()
    const why = error instanceof CgError ? error : (reason ?? error)
    if (sentinels && !(why instanceof CgError)) throw await sentinelConnectError(why, sentinelErrors, options, profile, lib.Redis)
    // a redis:// URL to a TLS-only port: the server resets the connection on the first plain-text command
    if (!sentinels && !options.tls && /ECONNRESET|Connection is closed|EPIPE/.test(String((why as Error)?.message ?? why))) {
      if ((await probeTls(options.host!, options.port!, 1000)) === 'tls') throw tlsOnlyError({host: options.host!, port: options.port!, secure: 'rediss'}, why)
    }
    throw connectionError(why, profile)
  })
  if (sentinels) debug(`redis sentinel: master ${options.name} is ${masterAddress(first)}`)
  // SELECT and INFO go out together (INFO is the server's, whichever the database): one round trip
  const selected = options.db ? selectDatabase(first, options.db, options.username, profile) : undefined
  const asked = serverInfo(first, timeoutMs)
  if (selected) {
    asked.catch(() => undefined)
    await selected
  }
  const info = await asked.catch((error: unknown) => {
    first.disconnect()
    throw connectionError(redisError(error), profile)
  })
  if (profile.options.cluster === false || !(await clusterEnabled(first, info))) {
    const conn = standalone(first)
    if (sentinels) conn.confirmWrites = await writeConfirmation(first, timeoutMs, debug)
    return conn
  }

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
  const name = client.options.sentinels ? client.options.name : undefined
  return {
    client,
    cluster: false,
    sentinelMaster: name ? () => ({name, address: masterAddress(client)}) : undefined,
    masters: () => [client],
    nodeFor: () => client,
    sameSlot: () => true,
    // once every reply has come (the caller awaited them), the socket is ended after what it holds is written,
    // without QUIT and its round trip (deprecated since Redis 7.2: clients close the connection)
    close: async () => client.disconnect(),
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
    close: async () => cluster.disconnect(),
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
  const u = parseBrokerUrl(profile.url)
  if (u.master !== undefined) return `master ${u.master} (via sentinels ${sentinelList(u.hosts).map(address).join(', ')})`
  return address({host: u.hosts[0].host, port: u.hosts[0].port ?? 6379})
}

function address({host, port}: {host: string; port: number}): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`
}

/** host:port of the server a client is connected to (behind Sentinel: the master it was given). */
function masterAddress(client: Redis): string {
  const socket = (client as unknown as {stream?: {remoteAddress?: string; remotePort?: number}}).stream
  return socket?.remoteAddress ? address({host: socket.remoteAddress, port: socket.remotePort ?? 0}) : 'unknown'
}

/** confirmWrites of a master behind Sentinel: WAIT 1 while it has a replica (none: nothing to wait for). */
async function writeConfirmation(client: Redis, timeoutMs: number, debug: (m: string) => void): Promise<(() => Promise<void>) | undefined> {
  const info = String(await client.info('replication').catch(() => ''))
  const replicas = Number(/connected_slaves:(\d+)/.exec(info)?.[1] ?? 0)
  debug(`redis sentinel: the master has ${replicas} replica(s)${replicas ? ': each write step waits for one (WAIT 1)' : ''}`)
  if (replicas === 0) return undefined
  return async () => {
    const acked = Number(await wrap({}, () => client.call('WAIT', 1, timeoutMs)))
    if (acked >= 1) return
    const m = client.options.name
    throw new CgError(
      'unreachable',
      `no replica of master ${m} at ${masterAddress(client)} confirmed the last write within ${timeoutMs} ms (WAIT): a failover may be under way and would undo it`,
      'Run the command again once the sentinels name a master: it resumes where the confirmed work ends.',
    )
  }
}

/**
 * Why no master was reached through the sentinels, on one line: none answered (naming them), the master name
 * is one they do not monitor (naming those they do), a refused login or TLS handshake with the sentinels, or
 * (a sentinel did answer) the master's own refusal.
 */
async function sentinelConnectError(
  error: unknown,
  sentinelErrors: string[],
  options: RedisOptions,
  profile: Profile,
  RedisClass: typeof Redis,
): Promise<CgError> {
  const msg = String((error as Error)?.message ?? error)
  if (!/All sentinels are unreachable/.test(msg)) return connectionError(error, profile)
  const list = (options.sentinels as Array<{host: string; port: number}>).map(address).join(', ')
  const name = String(options.name)
  const failures = sentinelErrors.map((e) => e.replace(/^failed to connect to sentinel \S+ because /, ''))
  if (sentinelErrors.some((e) => /successfully, but got an invalid reply/.test(e))) {
    const known = await monitoredMasters(options, RedisClass)
    return new CgError(
      'unreachable',
      `no sentinel of ${list} knows a master named ${name}`,
      known.length
        ? `Those sentinels monitor: ${known.join(', ')}. Fix the master name (name: in the profile, or the path of the redis+sentinel:// URL).`
        : 'SENTINEL MASTERS on a sentinel lists the names it monitors: fix the master name (name: in the profile, or the path of the redis+sentinel:// URL).',
    )
  }
  const last = failures[failures.length - 1] ?? msg.replace(/^.*Last error: /, '')
  if (failures.some((f) => /WRONGPASS|NOAUTH|invalid username-password|AUTH.*failed/i.test(f))) {
    return new CgError(
      'auth',
      `authentication failed for the Redis sentinels ${list} (${last.split('\n')[0]})`,
      "Check sentinelUsername / sentinelPassword of the profile (the sentinels' own login; username / password are the master's).",
    )
  }
  const tlsFailed = failures.find((f) => /certificate|SSL|TLS|EPROTO/i.test(f))
  if (tlsFailed) {
    const found = tlsFailure(
      `the Redis sentinels ${list}`,
      new Error(tlsFailed),
      clientCertOf(options.sentinelTLS),
      "Check tls.ca / tls.servername (the sentinels take the profile's tls: as the master does), or use redis+sentinel:// for plain-text sentinels.",
    )
    if (found) return found
  }
  // ioredis words a refused connection, a TLS failure and a TLS-only port alike: "Connection is closed."
  if (!failures.some((f) => !/Connection is closed/.test(f))) {
    const found = await diagnoseSentinel(options)
    if (found) return found
  }
  // only the telling reasons are named
  const codes = [...new Set(failures.filter((f) => !/Connection is closed/.test(f)).map((f) => /\b(E[A-Z]+)\b/.exec(f)?.[1] ?? f.split('\n')[0]))]
  return new CgError(
    'unreachable',
    `no Redis Sentinel answered at ${list}${codes.length ? ` (${codes.join('; ')})` : ''}`,
    'Are the sentinels running? Check the sentinels of the profile (or the hosts of the redis+sentinel:// URL) and their ports (26379 by default).',
  )
}

/**
 * When ioredis says only "Connection is closed." of every sentinel: a look at the first one that takes a TCP
 * connection, with the profile's TLS settings (a certificate problem, named) or without (a TLS-only port).
 */
async function diagnoseSentinel(options: RedisOptions): Promise<CgError | undefined> {
  const list = (options.sentinels as Array<{host: string; port: number}>).map(address).join(', ')
  for (const s of options.sentinels as Array<{host: string; port: number}>) {
    const where = address(s)
    const settings = options.sentinelTLS
    if (settings) {
      const reason = await new Promise<string | null>((resolve) => {
        const socket = tlsConnect({host: s.host, port: s.port, ...settings})
        const done = (r: string | null) => {
          socket.destroy()
          resolve(r)
        }
        socket.setTimeout(Number(options.connectTimeout ?? 5000), () => done(null))
        // TLS 1.3: a missing client certificate is refused after the handshake, so a PING must come back
        socket.once('secureConnect', () => socket.write('PING\r\n'))
        socket.once('data', () => done(null))
        socket.once('close', () => done('the sentinel closed the connection after the TLS handshake (it may require a client certificate: tls.cert / tls.key)'))
        socket.once('error', (e: NodeJS.ErrnoException) => done(e.code === 'ECONNREFUSED' ? null : e.message))
      })
      if (reason && isPlainTextReply(new Error(reason))) return notTlsError({host: s.host, port: s.port, plain: 'redis+sentinel'}, reason)
      if (reason)
        return (
          tlsFailure(`the Redis sentinel ${where}`, new Error(reason), clientCertOf(settings)) ??
          new CgError(
            'unreachable',
            `TLS handshake with the Redis sentinel ${where} failed: ${tlsReason(reason)}`,
            `Check tls.ca / tls.cert / tls.key / tls.servername (the sentinels ${list} take the profile's tls: as the master does).`,
          )
        )
      continue
    }
    const open = await new Promise<boolean>((resolve) => {
      const socket = netConnect({host: s.host, port: s.port})
      const done = (up: boolean) => {
        socket.destroy()
        resolve(up)
      }
      socket.setTimeout(Number(options.connectTimeout ?? 5000), () => done(false))
      socket.once('connect', () => done(true))
      socket.once('error', () => done(false))
    })
    if (open)
      return new CgError(
        'unreachable',
        `the Redis sentinel ${where} took the connection but answered nothing in plain text (a TLS-only port?)`,
        'For sentinels that speak TLS use rediss+sentinel:// or give the profile tls: {ca, cert, key}.',
      )
  }
  return undefined
}

/** The master names the first sentinel that answers monitors (SENTINEL MASTERS), for the hint of a wrong name. */
async function monitoredMasters(options: RedisOptions, RedisClass: typeof Redis): Promise<string[]> {
  for (const s of options.sentinels as Array<{host: string; port: number}>) {
    const c = new RedisClass({
      host: s.host,
      port: s.port,
      username: options.sentinelUsername ?? undefined,
      password: options.sentinelPassword ?? undefined,
      tls: options.sentinelTLS,
      lazyConnect: true,
      connectTimeout: options.connectTimeout,
      commandTimeout: options.connectTimeout,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      enableReadyCheck: false,
    })
    c.on('error', () => undefined)
    try {
      await c.connect()
      const masters = (await c.call('SENTINEL', 'MASTERS')) as unknown[][]
      return masters.map((m) => String(m[m.indexOf('name') + 1])).sort()
    } catch {
      // the next sentinel
    } finally {
      c.disconnect()
    }
  }
  return []
}

/** The profile's tls.cert (null: none), for naming a refused client certificate. */
function profileCert(profile: Profile): Buffer | string | null {
  try {
    return clientCertOf(profileTls(profile, true))
  } catch {
    return null
  }
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
  const tls = tlsFailure(`Redis at ${where}`, error, profileCert(profile), 'Check tls.ca / tls.servername, or use redis:// for a plain-text server.')
  if (tls) return tls
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
