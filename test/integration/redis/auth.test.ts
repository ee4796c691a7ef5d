import {randomBytes} from 'node:crypto'
import {chmodSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {Redis} from 'ioredis'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {runCg, type CliResult} from '../../helpers/cli.js'
import {redis, seedGroup, uniq} from '../../helpers/redis.js'

// A real ACL user on the local Redis: cg must authenticate with it, and never print its password.
const user = `cgtest-${randomBytes(4).toString('hex')}`
const password = `secret-${randomBytes(8).toString('hex')}`
const wrong = `wrong-${randomBytes(8).toString('hex')}`
const limited = `cgtest-ro-${randomBytes(4).toString('hex')}`
const limitedPassword = `ropw-${randomBytes(8).toString('hex')}`
const HOST = '127.0.0.1:6379'

function project(yaml: string, mode = 0o600): string {
  const dir = mkdtempSync(join(tmpdir(), 'cg-auth-it-'))
  writeFileSync(join(dir, '.cg.yaml'), yaml)
  chmodSync(join(dir, '.cg.yaml'), mode)
  return dir
}

function expectNoSecret(res: CliResult, ...secrets: string[]): void {
  for (const s of secrets) {
    expect(res.stdout, 'stdout leaks a secret').not.toContain(s)
    expect(res.stderr, 'stderr leaks a secret').not.toContain(s)
  }
}

describe('password authentication on a real Redis (ACL user)', () => {
  let r: Redis
  const stream = uniq('auth')
  let dir: string

  beforeAll(async () => {
    r = await redis()
    await r.call('ACL', 'SETUSER', user, 'on', `>${password}`, '~*', '&*', '+@all')
    // can log in and PING, but may not touch streams
    await r.call('ACL', 'SETUSER', limited, 'on', `>${limitedPassword}`, '~*', '+ping', '+info', '+hello', '+auth', '+client|setname', '+quit')
    await seedGroup(r, stream, 'workers', 2, ['c1'])
    dir = project(`default: url-creds
profiles:
  url-creds:
    url: redis://${user}:${password}@${HOST}
    stream: ${stream}
    group: workers
  fields:
    url: redis://${HOST}
    username: ${user}
    password: ${password}
    stream: ${stream}
    group: workers
  from-env:
    url: redis://${HOST}
    username: ${user}
    password: \${CG_TEST_REDIS_PW}
  wrong:
    url: redis://${user}:${wrong}@${HOST}
  wrong-fields:
    url: redis://${HOST}
    username: ${user}
    password: ${wrong}
  limited:
    url: redis://${limited}:${limitedPassword}@${HOST}
`)
  })

  afterAll(async () => {
    await r.del(stream)
    await r.call('ACL', 'DELUSER', user, limited)
    await r.quit()
  })

  describe('right credentials', () => {
    it('redis://user:pass@host in --url', async () => {
      const res = await runCg(['groups', stream, '--url', `redis://${user}:${password}@${HOST}`, '--json'])
      expect(res.code, res.stderr).toBe(0)
      expect(res.json().groups).toMatchObject([{sources: [stream], group: 'workers', pending: 2}])
      expectNoSecret(res, password)
    })

    it('user:pass in the profile URL, and username/password profile fields', async () => {
      for (const profile of ['url-creds', 'fields']) {
        const res = await runCg(['pending', '-p', profile, '--json'], {cwd: dir})
        expect(res.code, `${profile}: ${res.stderr}`).toBe(0)
        expect(res.json()).toMatchObject({sources: [stream], group: 'workers', pending: 2})
        expectNoSecret(res, password)
      }
    })

    it('password: ${VAR} read from the environment', async () => {
      const res = await runCg(['profiles', 'test', 'from-env', '--json'], {cwd: dir, env: {CG_TEST_REDIS_PW: password}})
      expect(res.code, res.stderr).toBe(0)
      expect(res.json()).toMatchObject({name: 'from-env', broker: 'redis', ok: true})
      expectNoSecret(res, password)
    })

    it('the credentials are really used: with the ACL user switched off, the same profile fails', async () => {
      await r.call('ACL', 'SETUSER', user, 'off')
      try {
        const res = await runCg(['profiles', 'test', 'fields'], {cwd: dir})
        expect(res.code).toBe(69)
        expect(res.stderr).toMatch(/authentication failed/)
      } finally {
        await r.call('ACL', 'SETUSER', user, 'on')
      }
      expect((await runCg(['profiles', 'test', 'fields'], {cwd: dir})).code).toBe(0)
    })
  })

  describe('wrong password', () => {
    it.each([
      ['--url', ['groups', '--url', `redis://${user}:${wrong}@${HOST}`]],
      ['profile URL', ['groups', '-p', 'wrong']],
      ['profile fields', ['groups', '-p', 'wrong-fields']],
      ['profiles test', ['profiles', 'test', 'wrong']],
    ])('%s: exit 69, one "authentication failed" line and a hint, no stack, no password', async (_how, args) => {
      const res = await runCg(args, {cwd: dir})
      expect(res.code).toBe(69)
      expect(res.stdout).toBe('')
      const lines = res.stderr.trim().split('\n')
      expect(lines).toHaveLength(2)
      expect(lines[0]).toMatch(new RegExp(`^Error: authentication failed for Redis at ${HOST.replace(/\./g, '\\.')}`))
      expect(lines[1]).toMatch(/^Hint: .*username and password/)
      expectNoSecret(res, wrong, password)
    })

    it('--json: {"error": {code: "auth", message, hint}} on stdout only', async () => {
      const res = await runCg(['groups', '-p', 'wrong', '--json'], {cwd: dir})
      expect(res.code).toBe(69)
      expect(res.stderr).toBe('')
      const {error} = res.json()
      expect(Object.keys(error).sort()).toEqual(['code', 'hint', 'message'])
      expect(error.code).toBe('auth')
      expect(error.message).toMatch(/^authentication failed/)
      expectNoSecret(res, wrong, password)
    })

    it('--verbose: stack and broker log on stderr, still no password', async () => {
      const res = await runCg(['groups', '-p', 'wrong', '--verbose'], {cwd: dir})
      expect(res.code).toBe(69)
      expect(res.stderr).toMatch(/authentication failed/)
      expect(res.stderr).toMatch(/^\s+at /m)
      expect(res.stderr).toContain(`redis://${user}:***@${HOST}`)
      expectNoSecret(res, wrong, password)
    })

    it('an ACL user without stream permissions: logged in, then refused (exit 4) naming the command it may not run', async () => {
      const ok = await runCg(['profiles', 'test', 'limited'], {cwd: dir})
      expect(ok.code, ok.stderr).toBe(0)
      const res = await runCg(['groups', stream, '-p', 'limited'], {cwd: dir})
      expect(res.code).toBe(4)
      expect(res.stderr).toMatch(/^Error: Redis refused (TYPE|XINFO GROUPS|EVAL)\b.*the ACL user may not run/)
      expect(res.stderr).toMatch(/^Hint: Grant it to the user \(ACL SETUSER <user> \+/m)
      expectNoSecret(res, limitedPassword)
    })
  })

  describe('secrets never appear in any output', () => {
    const runs: Array<[string, string[], NodeJS.ProcessEnv?]> = [
      ['profiles list', ['profiles', 'list']],
      ['profiles list --json', ['profiles', 'list', '--json']],
      ['profiles list --verbose', ['profiles', 'list', '--verbose']],
      ['profiles show', ['profiles', 'show']],
      ['profiles show --json', ['profiles', 'show', '--json']],
      ['profiles show fields --json', ['profiles', 'show', 'fields', '--json']],
      ['profiles show from-env --json', ['profiles', 'show', 'from-env', '--json'], {CG_TEST_REDIS_PW: password}],
      ['profiles test --verbose', ['profiles', 'test', '--verbose']],
      ['profiles test fields --json --verbose', ['profiles', 'test', 'fields', '--json', '--verbose']],
      ['groups --verbose', ['groups', stream, '--verbose']],
      ['pending -p fields --verbose --json', ['pending', '-p', 'fields', '--verbose', '--json']],
      ['missing stream error --verbose', ['groups', 'cgtest:no-such-stream', '-p', 'fields', '--verbose']],
      ['unknown profile error', ['groups', '-p', 'nope']],
      ['bad password --json --verbose', ['profiles', 'test', 'wrong-fields', '--json', '--verbose']],
    ]
    it.each(runs)('%s', async (_name, args, env) => {
      const res = await runCg(args, {cwd: dir, env})
      expect(res.code, res.stderr).not.toBe(1)
      expect(res.stdout + res.stderr).not.toBe('')
      expectNoSecret(res, password, wrong, limitedPassword)
    })

    it('profiles show masks the password field as ***', async () => {
      const res = await runCg(['profiles', 'show', 'fields', '--json'], {cwd: dir})
      expect(res.json()).toMatchObject({url: `redis://${HOST}`, options: {username: user, password: '***'}})
      const url = await runCg(['profiles', 'show', '--json'], {cwd: dir})
      expect(url.json().url).toBe(`redis://${user}:***@${HOST}`)
      const human = await runCg(['profiles', 'show', 'fields'], {cwd: dir})
      expect(human.stdout).toMatch(/^password\s+\*\*\*$/m)
    })
  })
})
