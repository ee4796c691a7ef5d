import {type ChildProcess, execFileSync, spawn} from 'node:child_process'
import {copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {connect} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {Redis} from 'ioredis'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {type CliResult, runCg} from '../../helpers/cli.js'
import {freePort} from '../../helpers/redis-server.js'
import {uniq} from '../../helpers/redis.js'

// The redis-tls deployment (scripts/deploy/redis-tls.sh: TLS only on 127.0.0.1:6479, client certificates
// required) with the test certificates of scripts/certs.sh. Every failure is exit 69 and one line that
// names the certificate problem, plus a hint.
const ROOT = fileURLToPath(new URL('../../..', import.meta.url))
const PORT = 6479
const CERTS = execFileSync('bash', [join(ROOT, 'scripts/certs.sh')], {encoding: 'utf8'}).trim()
const FILES = ['ca.pem', 'wrong-ca.pem', 'client.pem', 'client.key', 'client-expired.pem', 'client-expired.key']

// a project directory whose .cg.yaml names the certificates relative to itself (certs/...)
const dir = mkdtempSync(join(tmpdir(), 'cg-redis-tls-'))

function tlsBlock(t: Record<string, string | boolean>): string {
  return `{${Object.entries(t)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ')}}`
}

function expectOneLine(res: CliResult, problem: RegExp): void {
  expect(res.code, res.stderr).toBe(69)
  const lines = res.stderr.trim().split('\n')
  expect(lines, res.stderr).toHaveLength(2)
  expect(lines[0]).toMatch(/^Error: TLS handshake with Redis at \S+:\d+ failed: /)
  expect(lines[0]).toMatch(problem)
  expect(lines[1]).toMatch(/^Hint: /)
  expect(res.stderr).not.toMatch(/\bat .*\.c?js:\d+/) // no stack
}

describe('Redis over TLS with client certificates (redis-tls, 127.0.0.1:6479)', () => {
  let r: Redis
  const stream = uniq('tls')
  let expiredServer: ChildProcess | undefined
  let expiredPort = 0

  beforeAll(async () => {
    execFileSync('mkdir', ['-p', join(dir, 'certs')])
    for (const f of FILES) copyFileSync(join(CERTS, f), join(dir, 'certs', f))
    const good = {ca: 'certs/ca.pem', cert: 'certs/client.pem', key: 'certs/client.key'}
    expiredPort = await freePort()
    const profiles: Record<string, [string, Record<string, string | boolean>]> = {
      good: [`rediss://127.0.0.1:${PORT}`, good],
      'good-name': [`rediss://localhost:${PORT}`, good],
      'wrong-ca': [`rediss://127.0.0.1:${PORT}`, {...good, ca: 'certs/wrong-ca.pem'}],
      insecure: [`rediss://127.0.0.1:${PORT}`, {...good, ca: 'certs/wrong-ca.pem', insecure: true}],
      'other-name': [`rediss://localhost:${PORT}`, {...good, servername: 'other.example'}],
      'client-expired': [`rediss://127.0.0.1:${PORT}`, {...good, cert: 'certs/client-expired.pem', key: 'certs/client-expired.key'}],
      'no-client-cert': [`rediss://127.0.0.1:${PORT}`, {ca: 'certs/ca.pem'}],
      'server-expired': [`rediss://127.0.0.1:${expiredPort}`, good],
    }
    writeFileSync(
      join(dir, '.cg.yaml'),
      `profiles:\n${Object.entries(profiles)
        .map(([name, [url, tls]]) => `  ${name}:\n    url: ${url}\n    stream: ${stream}\n    group: workers\n    tls: ${tlsBlock(tls)}\n`)
        .join('')}`,
    )

    // fails (never skips) when the deployment is down: CG_BROKERS=redis-tls npm run brokers:up
    r = new Redis({
      host: '127.0.0.1',
      port: PORT,
      protocol: 2,
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      retryStrategy: () => null,
      tls: {ca: readFileSync(join(CERTS, 'ca.pem')), cert: readFileSync(join(CERTS, 'client.pem')), key: readFileSync(join(CERTS, 'client.key'))},
    })
    await r.connect()
    for (let i = 0; i < 5; i++) await r.xadd(stream, '*', 'n', String(i))
    await r.xgroup('CREATE', stream, 'workers', '0')
    await r.xreadgroup('GROUP', 'workers', 'c1', 'COUNT', 3, 'STREAMS', stream, '>')

    // a second server of the machine's redis-server whose certificate expired in 2020
    expiredServer = spawn(
      'redis-server',
      [
        '--port',
        '0',
        '--tls-port',
        String(expiredPort),
        '--bind',
        '127.0.0.1',
        '--tls-cert-file',
        join(CERTS, 'server-expired.pem'),
        '--tls-key-file',
        join(CERTS, 'server-expired.key'),
        '--tls-ca-cert-file',
        join(CERTS, 'ca.pem'),
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
      ],
      {stdio: 'ignore'},
    )
    const deadline = Date.now() + 10_000
    while (!(await listening(expiredPort))) {
      if (Date.now() > deadline) throw new Error(`redis-server with server-expired.pem did not listen on ${expiredPort}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  })

  afterAll(async () => {
    expiredServer?.kill()
    await r?.del(stream)
    await r?.quit()
    rmSync(dir, {recursive: true, force: true})
  })

  it('with the right CA and a client certificate: groups, lag and pending work, by IP address and by name', async () => {
    for (const profile of ['good', 'good-name']) {
      const groups = await runCg(['groups', '-p', profile, '--json'], {cwd: dir})
      expect(groups.code, groups.stderr).toBe(0)
      expect(groups.json().groups).toMatchObject([{sources: [stream], group: 'workers', pending: 3}])
      const lag = await runCg(['lag', '-p', profile, '--json'], {cwd: dir})
      expect(lag.code, lag.stderr).toBe(0)
      expect(JSON.stringify(lag.json())).toContain('"lag":2')
    }
    const pending = await runCg(['pending', '-p', 'good', '--json'], {cwd: dir})
    expect(pending.code, pending.stderr).toBe(0)
    expect(pending.json()).toMatchObject({sources: [stream], group: 'workers', pending: 3})
  })

  it('a repair over TLS: claim moves the pending entries to another consumer', async () => {
    const res = await runCg(['claim', '-p', 'good', '--idle', '0', '--to', 'c2', '--json'], {cwd: dir})
    expect(res.code, res.stderr).toBe(0)
    const owners = (await r.xpending(stream, 'workers')) as [number, string, string, [string, string][]]
    expect(owners[0]).toBe(3)
    expect(owners[3]).toEqual([['c2', '3']])
  })

  it('insecure: true accepts a server certificate the CA does not vouch for', async () => {
    const res = await runCg(['groups', '-p', 'insecure', '--json'], {cwd: dir})
    expect(res.code, res.stderr).toBe(0)
    expect(res.json().groups).toMatchObject([{sources: [stream], group: 'workers'}])
  })

  it('the wrong CA: exit 69, the server certificate is not signed by a trusted CA', async () => {
    const res = await runCg(['groups', '-p', 'wrong-ca'], {cwd: dir})
    expectOneLine(
      res,
      /server certificate is not signed by a CA cg trusts \((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\)/,
    )
    expect(res.stderr).toMatch(/Hint: Set tls\.ca/)
  })

  it('a host name the certificate lacks (tls.servername: other.example): exit 69 naming the mismatch', async () => {
    const res = await runCg(['groups', '-p', 'other-name'], {cwd: dir})
    expectOneLine(res, /does not match the host name: other\.example is not among the names it lists \(DNS:localhost, IP Address:127\.0\.0\.1\)/)
    expect(res.stderr).toMatch(/tls\.servername/)
  })

  it('an expired client certificate: the server refuses it, exit 69 naming the expiry', async () => {
    const res = await runCg(['groups', '-p', 'client-expired'], {cwd: dir})
    expectOneLine(res, /server refused the client certificate: it has expired/)
    expect(res.stderr).toMatch(/Hint: Renew the client certificate/)
  })

  it('an expired server certificate: exit 69 naming the expiry', async () => {
    const res = await runCg(['groups', '-p', 'server-expired'], {cwd: dir})
    expectOneLine(res, /the server certificate has expired.*\(CERT_HAS_EXPIRED\)/)
  })

  it('no client certificate: exit 69 saying the server wants one', async () => {
    const res = await runCg(['groups', '-p', 'no-client-cert'], {cwd: dir})
    expectOneLine(res, /server requires a client certificate/)
    expect(res.stderr).toMatch(/Hint: Set tls\.cert and tls\.key/)
  })

  it('profiles test names the same problem', async () => {
    const res = await runCg(['profiles', 'test', 'client-expired'], {cwd: dir})
    expect(res.code, res.stderr + res.stdout).toBe(69)
    expect(res.stderr + res.stdout).toMatch(/client certificate: it has expired/)
  })

  it('a plain-text URL (redis://) to the TLS port is not taken for a working server', async () => {
    const res = await runCg(['groups', '--url', `redis://127.0.0.1:${PORT}`, '--timeout', '3000'])
    expect(res.code, res.stderr).toBe(69)
    expect(res.stderr.trim().split('\n')).toEqual([
      'Error: 127.0.0.1:6479 speaks TLS only: a plain-text connection is refused there',
      expect.stringMatching(/^Hint: Use rediss:\/\//),
    ])
  })
})

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => {
      s.destroy()
      resolve(true)
    })
    s.on('error', () => resolve(false))
  })
}
