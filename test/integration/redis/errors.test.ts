import {createServer, type AddressInfo, type Socket} from 'node:net'
import {chmodSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {Redis} from 'ioredis'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {runCg, type CliResult} from '../../helpers/cli.js'
import {redis, REDIS_URL, seedGroup, uniq} from '../../helpers/redis.js'

const STACK = /^\s+at .+\(?.*:\d+:\d+\)?$/m

/** The --json error contract: one document on stdout, exactly {"error": {code, message, hint}}, stderr empty. */
function jsonError(res: CliResult, code: string): {code: string; message: string; hint: string | null} {
  expect(res.stderr).toBe('')
  const doc = res.json()
  expect(Object.keys(doc)).toEqual(['error'])
  expect(Object.keys(doc.error).sort()).toEqual(['code', 'hint', 'message'])
  expect(doc.error.code).toBe(code)
  expect(doc.error.message).not.toContain('\n')
  expect(typeof doc.error.hint).toBe('string')
  return doc.error
}

/** The human error contract: stdout empty, "Error: <one line>" then "Hint: <one line>", no stack trace. */
function humanError(res: CliResult): string {
  expect(res.stdout).toBe('')
  const lines = res.stderr.trim().split('\n')
  expect(lines).toHaveLength(2)
  expect(lines[0]).toMatch(/^Error: \S/)
  expect(lines[1]).toMatch(/^Hint: \S/)
  expect(res.stderr).not.toMatch(STACK)
  return lines[0]
}

describe('error contract on a real Redis', () => {
  let r: Redis
  const stream = uniq('err')
  const stringKey = uniq('str')
  const missing = uniq('missing')

  beforeAll(async () => {
    r = await redis()
    await seedGroup(r, stream, 'workers', 1, ['c1'])
    await r.set(stringKey, 'not a stream')
  })
  afterAll(async () => {
    await r.del(stream, stringKey)
    await r.quit()
  })

  describe('broker unreachable -> 69', () => {
    it('a closed port fails fast, well under --timeout', async () => {
      const started = Date.now()
      const res = await runCg(['groups', '--url', 'redis://127.0.0.1:1', '--timeout', '5000'])
      const elapsed = Date.now() - started
      expect(res.code).toBe(69)
      expect(humanError(res)).toBe('Error: cannot connect to Redis at 127.0.0.1:1 (ECONNREFUSED)')
      expect(elapsed).toBeLessThan(5000)
    })

    it('--json prints {"error": {code, message, hint}} on stdout only', async () => {
      const res = await runCg(['groups', '--url', 'redis://127.0.0.1:1', '--timeout', '5000', '--json'])
      expect(res.code).toBe(69)
      const e = jsonError(res, 'unreachable')
      expect(e.hint).toMatch(/running/)
    })

    it('a server that accepts but never answers gives up within about --timeout (69)', async () => {
      // A silent TCP listener on loopback: the connection opens, no reply ever comes.
      const sockets: Socket[] = []
      const server = createServer((s) => void sockets.push(s))
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      const {port} = server.address() as AddressInfo
      try {
        const started = Date.now()
        const res = await runCg(['groups', '--url', `redis://127.0.0.1:${port}`, '--timeout', '1000', '--json'])
        expect(res.code).toBe(69)
        expect(Date.now() - started).toBeLessThan(1000 + 4000)
        expect(['timeout', 'unreachable']).toContain(res.json().error.code)
      } finally {
        for (const s of sockets) s.destroy()
        server.close()
      }
    })
  })

  describe('not found -> 5', () => {
    it('an unknown profile, with and without a config file', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'cg-err-it-'))
      const none = await runCg(['groups', '-p', 'prod'], {cwd: dir})
      expect(none.code).toBe(5)
      expect(humanError(none)).toBe('Error: profile "prod" not found: no config file')
      writeFileSync(join(dir, '.cg.yaml'), 'profiles:\n  dev: {url: "redis://127.0.0.1:6379"}\n')
      chmodSync(join(dir, '.cg.yaml'), 0o600)
      const res = await runCg(['groups', '-p', 'prod', '--json'], {cwd: dir})
      expect(res.code).toBe(5)
      expect(jsonError(res, 'not_found').hint).toBe('Known profiles: dev.')
      const env = await runCg(['groups'], {cwd: dir, env: {CG_PROFILE: 'prod'}})
      expect(env.code).toBe(5)
    })

    it('a missing stream', async () => {
      const res = await runCg(['groups', missing, '--url', REDIS_URL])
      expect(res.code).toBe(5)
      expect(humanError(res)).toBe(`Error: stream ${missing} does not exist`)
      const json = await runCg(['pending', missing, 'workers', '--url', REDIS_URL, '--json'])
      expect(json.code).toBe(5)
      jsonError(json, 'not_found')
    })

    it('a missing group', async () => {
      const res = await runCg(['pending', stream, 'no-such-group', '--url', REDIS_URL, '--json'])
      expect(res.code).toBe(5)
      expect(jsonError(res, 'not_found').message).toContain('no-such-group')
    })
  })

  describe('usage -> 2', () => {
    it('a URL scheme cg does not know', async () => {
      const res = await runCg(['groups', '--url', 'http://127.0.0.1:6379'])
      expect(res.code).toBe(2)
      expect(humanError(res)).toMatch(/cannot tell the broker from URL scheme/)
      const json = await runCg(['groups', '--url', 'mysql://root:hunter2-xyz@db:3306', '--json'])
      expect(json.code).toBe(2)
      jsonError(json, 'usage')
      expect(json.stdout).not.toContain('hunter2-xyz')
    })

    it('a key that is not a stream (WRONGTYPE)', async () => {
      const res = await runCg(['groups', stringKey, '--url', REDIS_URL])
      expect(res.code).toBe(2)
      expect(humanError(res)).toMatch(/not a stream/)
      const json = await runCg(['groups', stringKey, '--url', REDIS_URL, '--json'])
      expect(json.code).toBe(2)
      jsonError(json, 'wrong_type')
    })

    it('an unknown flag, a missing argument without a profile default, a ${VAR} that is not set', async () => {
      const flag = await runCg(['groups', '--no-such-flag'])
      expect(flag.code).toBe(2)
      humanError(flag)
      const arg = await runCg(['pending', '--url', REDIS_URL, '--json'])
      expect(arg.code).toBe(2)
      expect(jsonError(arg, 'usage').message).toMatch(/^missing STREAM\b/)
      const dir = mkdtempSync(join(tmpdir(), 'cg-err-it-'))
      writeFileSync(join(dir, '.cg.yaml'), 'default: p\nprofiles:\n  p: {url: "redis://${CG_TEST_UNSET_HOST}:6379"}\n')
      const unset = await runCg(['groups'], {cwd: dir})
      expect(unset.code).toBe(2)
      expect(humanError(unset)).toMatch(/CG_TEST_UNSET_HOST is not set/)
    })

    it('a config file that is not valid YAML, or a --config that does not exist', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'cg-err-it-'))
      writeFileSync(join(dir, '.cg.yaml'), 'profiles: [broken\n')
      const bad = await runCg(['profiles', 'list'], {cwd: dir})
      expect(bad.code).toBe(2)
      humanError(bad)
      const gone = await runCg(['profiles', 'list', '--config', join(dir, 'nope.yaml'), '--json'])
      expect(gone.code).toBe(2)
      jsonError(gone, 'usage')
    })
  })

  describe('stack traces', () => {
    it('only with --verbose', async () => {
      const args = ['groups', stringKey, '--url', REDIS_URL]
      expect((await runCg(args)).stderr).not.toMatch(STACK)
      const verbose = await runCg([...args, '--verbose'])
      expect(verbose.code).toBe(2)
      expect(verbose.stderr).toMatch(STACK)
      const unreachable = await runCg(['groups', '--url', 'redis://127.0.0.1:1', '--verbose', '--json'])
      expect(unreachable.code).toBe(69)
      expect(unreachable.stderr).toMatch(STACK)
      // --verbose never spoils the one JSON document on stdout
      expect(unreachable.json().error.code).toBe('unreachable')
    })
  })
})
