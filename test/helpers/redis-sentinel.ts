import {execFile} from 'node:child_process'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {promisify} from 'node:util'
import {Redis} from 'ioredis'

// The redis-sentinel deployment (scripts/deploy/redis-sentinel.sh): master and replica on 6480/6481 (either
// may be the master after a failover), sentinels on 26380-26382 watching `cg-master`.
export const MASTER_NAME = 'cg-master'
export const SENTINEL_PORTS = [26380, 26381, 26382]
export const DATA_PORTS = [6480, 6481]
export const SENTINEL_URL = `redis+sentinel://${SENTINEL_PORTS.map((p) => `127.0.0.1:${p}`).join(',')}/${MASTER_NAME}`
/** the TLS-only set: client certificates required everywhere (certificates of scripts/certs.sh) */
export const TLS_SENTINEL_PORTS = [26390, 26391, 26392]
export const TLS_DATA_PORTS = [6490, 6491]
export const CERTS = fileURLToPath(new URL('../../.brokers/certs/', import.meta.url))

const SCRIPT = fileURLToPath(new URL('../../scripts/deploy/redis-sentinel.sh', import.meta.url))
const run = promisify(execFile)

/** A config file with profile `sentinel` (sentinels + name) as the README shows it; returns its path. */
export function sentinelConfig(extra = ''): string {
  const dir = mkdtempSync(join(tmpdir(), 'cg-sentinel-'))
  const path = join(dir, 'config.yaml')
  writeFileSync(
    path,
    `default: sentinel
profiles:
  sentinel:
    broker: redis
    sentinels: [${SENTINEL_PORTS.map((p) => `127.0.0.1:${p}`).join(', ')}]
    name: ${MASTER_NAME}
${extra}`,
  )
  return path
}

/** The port of the current master, as a sentinel names it (fails when the sentinels do not answer). */
export async function masterPort(): Promise<number> {
  const s = new Redis({host: '127.0.0.1', port: SENTINEL_PORTS[0], lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 1})
  await s.connect()
  try {
    const [, port] = (await s.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER_NAME)) as [string, string]
    return Number(port)
  } finally {
    s.disconnect()
  }
}

/** A plain client on the current master, for setting up and counting. */
export async function master(): Promise<Redis> {
  const r = new Redis({host: '127.0.0.1', port: await masterPort(), protocol: 2, lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null})
  await r.connect()
  const role = String(await r.info('replication'))
  if (!/role:master/.test(role)) throw new Error(`127.0.0.1:${r.options.port} is not a master:\n${role}`)
  return r
}

/**
 * SENTINEL FAILOVER cg-master, resolved once every sentinel names the new master and the old one replicates
 * from it (about 20 s: Sentinel reconfigures the old master a few INFO periods after the promotion).
 */
export async function failover(set: 'plain' | 'tls' = 'plain'): Promise<string> {
  const {stdout} = await run('bash', [SCRIPT, 'failover', set], {timeout: 90_000})
  return stdout.trim()
}

/** Resolves when the replica has promoted itself (the sentinels may not have named it yet). */
export async function promoted(from: number, timeoutMs = 30_000): Promise<void> {
  const other = DATA_PORTS.find((p) => p !== from)!
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    // a connection per look: the promotion kills the node's clients (CLIENT KILL TYPE normal)
    const r = new Redis({host: '127.0.0.1', port: other, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 1})
    r.on('error', () => undefined)
    const role = await r
      .connect()
      .then(() => r.info('replication'))
      .catch(() => '')
      .finally(() => r.disconnect())
    if (/role:master/.test(String(role))) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`127.0.0.1:${other} was not promoted within ${timeoutMs} ms`)
}

/** The port of the current master of the TLS set (redis-sentinel.sh master tls). */
export async function tlsMasterPort(): Promise<number> {
  const {stdout} = await run('bash', [SCRIPT, 'master', 'tls'], {timeout: 30_000})
  return Number(stdout.trim())
}

/** A config file with profile `sentinel-tls` as the README shows it (tls: for the sentinels and the master). */
export function tlsSentinelConfig(tls: {ca?: string; cert?: string; key?: string} = {ca: 'ca.pem', cert: 'client.pem', key: 'client.key'}): string {
  const dir = mkdtempSync(join(tmpdir(), 'cg-sentinel-tls-'))
  const path = join(dir, 'config.yaml')
  const lines = Object.entries(tls).map(([k, f]) => `      ${k}: ${join(CERTS, f)}`)
  writeFileSync(
    path,
    `default: sentinel-tls
profiles:
  sentinel-tls:
    broker: redis
    sentinels: [${TLS_SENTINEL_PORTS.map((p) => `127.0.0.1:${p}`).join(', ')}]
    name: ${MASTER_NAME}
    tls:
${lines.join('\n')}
`,
  )
  return path
}

/** A client of the TLS set's current master (with the client certificate). */
export async function tlsMaster(): Promise<Redis> {
  const {readFileSync} = await import('node:fs')
  const r = new Redis({
    host: '127.0.0.1',
    port: await tlsMasterPort(),
    protocol: 2,
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
    tls: {ca: readFileSync(join(CERTS, 'ca.pem')), cert: readFileSync(join(CERTS, 'client.pem')), key: readFileSync(join(CERTS, 'client.key'))},
  })
  await r.connect()
  return r
}
