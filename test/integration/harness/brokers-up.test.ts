import {spawn} from 'node:child_process'
import {chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {createServer, type Server} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {freePort} from '../../helpers/redis-server.js'

// scripts/brokers-up.sh and scripts/kafka/kafka-up.sh must name the real cause when they cannot check
// or start a broker: "<prog>: ERROR: <cause>" + "hint: <fix>", exit status 3. The causes are made for
// real (a PATH without the tool, a port held by a listener of this test, an unreachable Maven
// repository, a non-root user), on ports of the test's own: the shared brokers are never touched.
// The scripts run from a copy in a temp dir, so their state (.brokers) lands there and not in the
// checkout.

const SCRIPTS = fileURLToPath(new URL('../../../scripts', import.meta.url))

let root = '' // temp "checkout": root/scripts is the copy, root/.brokers its state
const servers: Server[] = []

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    // Only what the scripts need: no CG_* or MAVEN_* from the caller's environment.
    const child = spawn(cmd, args, {
      cwd: root,
      env: {PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', LANG: 'C', ...env},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), 50_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code, stdout, stderr})
    })
  })
}

const brokersUp = (env: Record<string, string>) => run('bash', [join(root, 'scripts/brokers-up.sh')], env)
const kafkaUp = (args: string[], env: Record<string, string> = {}) => run('bash', [join(root, 'scripts/kafka/kafka-up.sh'), ...args], env)

/** The ERROR line and the hint line, in this order, as the last two lines of stderr. */
function errorLines(r: Run): [string, string] {
  const lines = r.stderr.trimEnd().split('\n')
  return [lines.at(-2) ?? '', lines.at(-1) ?? '']
}

/** A PATH of symlinks to everything on the current PATH except `missing`. */
function pathWithout(...missing: string[]): string {
  const dir = join(root, `path-without-${missing.join('-')}`)
  if (existsSync(dir)) return dir
  mkdirSync(dir)
  for (const d of (process.env.PATH ?? '').split(':')) {
    let names: string[]
    try {
      names = readdirSync(d)
    } catch {
      continue
    }
    for (const n of names) {
      if (missing.includes(n) || existsSync(join(dir, n))) continue
      try {
        symlinkSync(join(d, n), join(dir, n))
      } catch {
        // a dangling or duplicate name: skip
      }
    }
  }
  return dir
}

/** A TCP listener on 127.0.0.1 that answers every connection `reply` (and closes, unless told to stay). */
function listen(port: number, reply: (data: Buffer) => string | Buffer, close = true): Promise<Server> {
  return new Promise((resolve, reject) => {
    const srv = createServer((sock) => {
      sock.on('error', () => {})
      sock.on('data', (d) => (close ? sock.end(reply(d)) : sock.write(reply(d))))
    })
    srv.on('error', reject)
    srv.listen(port, '127.0.0.1', () => {
      servers.push(srv)
      resolve(srv)
    })
  })
}

/** Something that is not Redis, RabbitMQ or Kafka: an HTTP server that refuses every request. */
const notABroker = (port: number) => listen(port, () => 'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n')
/** Just enough of a Redis for brokers-up's PING probe. */
const pongOnly = (port: number) => listen(port, () => '+PONG\r\n', false)

/** Nothing listens on 127.0.0.1:PORT (this test could bind it). */
const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = createServer()
    s.once('error', () => resolve(false))
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)))
  })

/** N consecutive free ports (Kafka uses PORT, PORT+1 as controller, PORT+2 for SASL on 4.x). */
async function freeRun(n: number): Promise<number> {
  for (;;) {
    const base = await freePort()
    if (base + n > 65535) continue
    let free = true
    for (let i = 1; i < n && free; i++) free = await portFree(base + i)
    if (free) return base
  }
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'cg-harness-'))
  chmodSync(root, 0o755) // readable by the non-root user of the RabbitMQ test
  cpSync(SCRIPTS, join(root, 'scripts'), {recursive: true})
})

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))))
  if (root) rmSync(root, {recursive: true, force: true})
})

describe('brokers-up: Redis', () => {
  it('a cluster port held by a program that is not Redis: names the port and the process, starts nothing', async () => {
    const [redis, taken, free1, free2] = [await freePort(), await freePort(), await freePort(), await freePort()]
    await pongOnly(redis)
    await notABroker(taken)
    const r = await brokersUp({CG_BROKERS: 'redis', CG_REDIS_PORT: String(redis), CG_REDIS_CLUSTER_PORTS: `${taken} ${free1} ${free2}`})
    expect(r.code).toBe(3)
    expect(r.stdout).toBe(`redis      127.0.0.1:${redis}  reused\n`)
    const [error, hint] = errorLines(r)
    expect(error).toMatch(
      new RegExp(
        `^brokers-up: ERROR: 127\\.0\\.0\\.1:${taken} is in use by .+ \\(pid ${process.pid}\\), which is not a Redis server \\(PING: Protocol error, got "H" as reply type byte\\)$`,
      ),
    )
    expect(hint).toBe(
      `hint: stop that process (kill ${process.pid}), or use other ports: CG_REDIS_CLUSTER_PORTS='<p1> <p2> <p3>' npm run brokers:up (the tests read the same variable)`,
    )
    // Every port is looked at before anything starts: no node was started on the free ones.
    expect(await portFree(free1)).toBe(true)
    expect(await portFree(free2)).toBe(true)
  })

  it('the standalone port held by a program that is not Redis: says which env vars move it', async () => {
    const taken = await freePort()
    await notABroker(taken)
    const r = await brokersUp({CG_BROKERS: 'redis', CG_REDIS_PORT: String(taken)})
    expect(r.code).toBe(3)
    const [error, hint] = errorLines(r)
    expect(error).toMatch(new RegExp(`^brokers-up: ERROR: 127\\.0\\.0\\.1:${taken} is in use by .+ \\(pid ${process.pid}\\), which is not a Redis server`))
    expect(hint).toBe(
      `hint: stop that process (kill ${process.pid}), or use another port: CG_REDIS_PORT=<port> npm run brokers:up (and CG_TEST_REDIS_URL=redis://127.0.0.1:<port> for the tests)`,
    )
  })

  it('no redis-server on PATH, nothing on the port: says so instead of failing to start it', async () => {
    const free = await freePort()
    const r = await brokersUp({PATH: pathWithout('redis-server'), CG_BROKERS: 'redis', CG_REDIS_PORT: String(free)})
    expect(r.code).toBe(3)
    expect(errorLines(r)).toEqual([
      `brokers-up: ERROR: redis-server not found on PATH: nothing listens on 127.0.0.1:${free} and there is no redis-server to start the standalone Redis there`,
      'hint: install it: apt-get install redis-server',
    ])
    expect(await portFree(free)).toBe(true)
  })

  it('no redis-cli on PATH', async () => {
    const r = await brokersUp({PATH: pathWithout('redis-cli', 'redis-server'), CG_BROKERS: 'redis', CG_REDIS_PORT: String(await freePort())})
    expect(r.code).toBe(3)
    expect(r.stdout).toBe('')
    const [error, hint] = errorLines(r)
    expect(error).toMatch(/^brokers-up: ERROR: redis-cli not found on PATH \(needed to check Redis on 127\.0\.0\.1:\d+ and the cluster\)$/)
    expect(hint).toBe('hint: install it: apt-get install redis-tools (or redis-server, which brings it)')
  })
})

describe('brokers-up: RabbitMQ', () => {
  it('a running RabbitMQ is recognised without root (no rabbitmqctl, no "rabbitmq-server -detached failed")', async () => {
    // As root the check runs as nobody; as any other user it already is not root.
    const asUser = process.getuid?.() === 0 ? ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', '--'] : []
    const [cmd, ...pre] = [...asUser, 'bash']
    const r = await run(cmd!, [...pre, join(root, 'scripts/brokers-up.sh')], {CG_BROKERS: 'rabbitmq'})
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toBe('rabbitmq   127.0.0.1:5672  reused (management :15672, TLS :5671 and https :15671, streams :5552)\n')
  })
})

describe('kafka-up (run by brokers-up for each Kafka)', () => {
  it('no java on PATH', async () => {
    const port = await freeRun(3)
    const r = await kafkaUp(['latest', String(port), String(port + 1)], {PATH: pathWithout('java')})
    expect(r.code).toBe(3)
    expect(errorLines(r)).toEqual([
      expect.stringMatching(/^kafka-up: ERROR: java not found on PATH \(Kafka 4\.\d+\.\d+ needs Java 17\+\)$/),
      'hint: install it: apt-get install openjdk-17-jre-headless, or put the bin directory of a Java 17+ first on PATH',
    ])
    expect(existsSync(join(root, '.brokers'))).toBe(false) // nothing set up
  })

  it('java older than 17, with the prefix brokers-up passes (KAFKA_PROG)', async () => {
    const bin = join(root, 'java11')
    mkdirSync(bin, {recursive: true})
    writeFileSync(join(bin, 'java'), '#!/bin/sh\necho \'openjdk version "11.0.21" 2023-10-17\' >&2\n', {mode: 0o755})
    const port = await freeRun(3)
    const r = await kafkaUp(['latest', String(port), String(port + 1)], {PATH: `${bin}:${process.env.PATH}`, KAFKA_PROG: 'brokers-up'})
    expect(r.code).toBe(3)
    expect(errorLines(r)).toEqual([
      expect.stringMatching(new RegExp(`^brokers-up: ERROR: java on PATH \\(${bin}/java\\) is Java 11\\.0\\.21; Kafka 4\\.\\d+\\.\\d+ needs Java 17\\+$`)),
      'hint: install openjdk-17-jre-headless and put it first on PATH (Debian: sudo update-alternatives --config java)',
    ])
  })

  it('a port held by a program that is not Kafka: refused before any jar or directory is touched', async () => {
    const port = await freeRun(3)
    await notABroker(port + 1) // the controller port
    const r = await kafkaUp(['latest', String(port), String(port + 1)])
    expect(r.code).toBe(3)
    const [error, hint] = errorLines(r)
    expect(error).toMatch(
      new RegExp(
        `^kafka-up: ERROR: kafka 4\\.\\d+\\.\\d+: 127\\.0\\.0\\.1:${port + 1} is in use by .+ \\(pid ${process.pid}\\), which is not a Kafka broker \\(no reply to a Kafka ApiVersions request\\)$`,
      ),
    )
    expect(hint).toBe(
      `hint: stop that process (kill ${process.pid}); brokers-up always uses 9092-9094 (kafka) and 9192-9193 (kafka-compat); scripts/kafka/kafka-up.sh VERSION PORT CONTROLLER_PORT takes others`,
    )
    expect(existsSync(join(root, '.brokers'))).toBe(false)
  })

  it('no mvn on a first run (no cached jars)', async () => {
    const port = await freeRun(3)
    const r = await kafkaUp(['latest', String(port), String(port + 1)], {PATH: pathWithout('mvn')})
    expect(r.code).toBe(3)
    const [error, hint] = errorLines(r)
    const v = /Kafka (\d+\.\d+\.\d+) jars/.exec(error)?.[1]
    expect(error).toBe(`kafka-up: ERROR: mvn not found on PATH; the first run downloads the Kafka ${v} jars (~55 MB) into .brokers/kafka/${v}/libs with Maven`)
    expect(hint).toBe(
      `hint: install it: apt-get install maven; or copy .brokers/kafka/${v}/libs from a checkout that has it: cp -a OTHER/.brokers/kafka/${v}/libs .brokers/kafka/${v}/`,
    )
  })

  it('Maven Central unreachable on a first run: a network failure, told apart from other mvn failures', async () => {
    // An empty local repository and a mirror of everything on a port where nothing listens.
    const home = join(root, 'm2home')
    const dead = await freePort()
    mkdirSync(join(home, '.m2'), {recursive: true})
    writeFileSync(
      join(home, '.m2/settings.xml'),
      `<settings><mirrors><mirror><id>unreachable</id><mirrorOf>*</mirrorOf><url>http://127.0.0.1:${dead}/maven2</url></mirror></mirrors></settings>\n`,
    )
    const port = await freeRun(3)
    const r = await kafkaUp(['latest', String(port), String(port + 1)], {MAVEN_OPTS: `-Duser.home=${home}`})
    expect(r.code).toBe(3)
    const [error, hint] = errorLines(r)
    const v = /Kafka (\d+\.\d+\.\d+) jars/.exec(error)?.[1]
    expect(error).toBe(
      `kafka-up: ERROR: Maven Central could not be reached (http://127.0.0.1:${dead}/maven2: Connection refused); the first run downloads the Kafka ${v} jars (~55 MB) into .brokers/kafka/${v}/libs`,
    )
    expect(hint).toBe(
      `hint: retry with network access (a proxy goes in ~/.m2/settings.xml), or copy .brokers/kafka/${v}/libs from a checkout that has it: cp -a OTHER/.brokers/kafka/${v}/libs .brokers/kafka/${v}/ (mvn output: .brokers/kafka/${v}/mvn.log)`,
    )
    expect(existsSync(join(root, `.brokers/kafka/${v}/mvn.log`))).toBe(true)
  })
})
