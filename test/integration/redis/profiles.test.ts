import {chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {Redis} from 'ioredis'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {runCg} from '../../helpers/cli.js'
import {CLUSTER_URL, redis, REDIS_URL, seedGroup, uniq} from '../../helpers/redis.js'
import {expectValid} from '../../helpers/schemas.js'

const UNREACHABLE = 'redis://127.0.0.1:1'

function dirWith(yaml: string | null, mode = 0o600): string {
  const dir = mkdtempSync(join(tmpdir(), 'cg-prof-it-'))
  if (yaml !== null) {
    writeFileSync(join(dir, '.cg.yaml'), yaml)
    chmodSync(join(dir, '.cg.yaml'), mode)
  }
  return dir
}

describe('profiles on a real Redis', () => {
  let r: Redis
  const devStream = uniq('dev')
  const otherStream = uniq('other')
  let cwd: string
  const yaml = () => `# profiles for the integration test
default: dev
profiles:
  dev:   # the usual one
    url: ${REDIS_URL}
    stream: ${devStream}
    group: dev-workers
    consumer: dev-c1
  other:
    broker: redis
    url: ${REDIS_URL}
    stream: ${otherStream}
    group: other-workers
  down:
    url: ${UNREACHABLE}
`

  beforeAll(async () => {
    r = await redis()
    await seedGroup(r, devStream, 'dev-workers', 3, ['dev-c1'])
    await seedGroup(r, otherStream, 'other-workers', 2, ['o1'])
    cwd = dirWith(yaml())
  })
  afterAll(async () => {
    await r.del(devStream, otherStream)
    await r.quit()
  })

  describe('which profile applies', () => {
    it('the file default supplies url, stream and group: `cg pending` with no arguments, `cg groups`', async () => {
      const pending = await runCg(['pending', '--json'], {cwd})
      expect(pending.code, pending.stderr).toBe(0)
      expect(pending.json()).toMatchObject({sources: [devStream], group: 'dev-workers', pending: 3})
      const groups = await runCg(['groups', devStream, '--json'], {cwd})
      expect(groups.code, groups.stderr).toBe(0)
      expect(groups.json().groups).toMatchObject([{sources: [devStream], group: 'dev-workers', pending: 3}])
      const show = await runCg(['profiles', 'show', '--json'], {cwd})
      expect(show.json()).toMatchObject({name: 'dev', source: 'file-default', stream: devStream, group: 'dev-workers', consumer: 'dev-c1', url: REDIS_URL})
    })

    it('a .cg.yaml is found from a subdirectory of the project', async () => {
      const sub = join(cwd, 'src', 'deep')
      mkdirSync(sub, {recursive: true})
      const show = await runCg(['profiles', 'show', '--json'], {cwd: sub})
      expect(show.json()).toMatchObject({name: 'dev', configFile: {path: join(cwd, '.cg.yaml'), foundBy: 'project'}})
    })

    it('CG_PROFILE switches profile, --profile / -p beats it', async () => {
      const env = {CG_PROFILE: 'other'}
      const pending = await runCg(['pending', '--json'], {cwd, env})
      expect(pending.code, pending.stderr).toBe(0)
      expect(pending.json()).toMatchObject({sources: [otherStream], group: 'other-workers', pending: 2})
      expect((await runCg(['profiles', 'show', '--json'], {cwd, env})).json()).toMatchObject({name: 'other', source: 'env'})

      const flagged = await runCg(['pending', '--profile', 'dev', '--json'], {cwd, env})
      expect(flagged.json()).toMatchObject({sources: [devStream]})
      expect((await runCg(['profiles', 'show', '-p', 'dev', '--json'], {cwd, env})).json()).toMatchObject({name: 'dev', source: 'flag'})
    })

    it('CG_URL overrides the file default', async () => {
      const env = {CG_URL: UNREACHABLE}
      const groups = await runCg(['groups', '--json', '--timeout', '3000'], {cwd, env})
      expect(groups.code).toBe(69)
      expect(groups.json().error.message).toContain('127.0.0.1:1')
      expect((await runCg(['profiles', 'show', '--json'], {cwd, env})).json()).toMatchObject({name: null, source: 'env', url: UNREACHABLE})
    })

    it("--url overrides everything (file default, CG_PROFILE, CG_URL) and keeps the chosen profile's defaults", async () => {
      const env = {CG_URL: UNREACHABLE, CG_PROFILE: 'down'}
      const groups = await runCg(['groups', devStream, '--url', REDIS_URL, '--json'], {cwd, env})
      expect(groups.code, groups.stderr).toBe(0)
      const pending = await runCg(['pending', '-p', 'other', '--url', REDIS_URL, '--json'], {cwd, env})
      expect(pending.code, pending.stderr).toBe(0)
      expect(pending.json()).toMatchObject({sources: [otherStream]})
      expect((await runCg(['groups', '--url', UNREACHABLE, '--json'], {cwd})).code).toBe(69)
    })

    it('--config and $CG_CONFIG name the file; $XDG_CONFIG_HOME/cg/config.yaml is the fallback', async () => {
      const elsewhere = dirWith(null)
      const file = join(cwd, '.cg.yaml')
      const viaFlag = await runCg(['profiles', 'show', '--config', file, '--json'], {cwd: elsewhere})
      expect(viaFlag.json()).toMatchObject({name: 'dev', configFile: {path: file, foundBy: 'flag'}})
      const viaEnv = await runCg(['profiles', 'list', '--json'], {cwd: elsewhere, env: {CG_CONFIG: file}})
      expect(viaEnv.json().configFile).toEqual({path: file, foundBy: 'env'})
      const xdg = join(elsewhere, 'xdg')
      mkdirSync(join(xdg, 'cg'), {recursive: true})
      writeFileSync(join(xdg, 'cg', 'config.yaml'), `default: mine\nprofiles:\n  mine: {url: "${REDIS_URL}", stream: ${devStream}, group: dev-workers}\n`)
      const viaUser = await runCg(['pending', '--json'], {cwd: elsewhere, env: {XDG_CONFIG_HOME: xdg}})
      expect(viaUser.code, viaUser.stderr).toBe(0)
      expect(viaUser.json()).toMatchObject({sources: [devStream]})
      expect((await runCg(['profiles', 'list', '--json'], {cwd: elsewhere, env: {XDG_CONFIG_HOME: xdg}})).json().configFile).toEqual({
        path: join(xdg, 'cg', 'config.yaml'),
        foundBy: 'user',
      })
    })

    it('with no file at all, the built-in local Redis', async () => {
      const show = await runCg(['profiles', 'show', '--json'], {cwd: dirWith(null)})
      expect(show.json()).toMatchObject({name: null, source: 'built-in', broker: 'redis', url: 'redis://127.0.0.1:6379', configFile: null})
    })
  })

  describe('cg profiles list', () => {
    it('--json: every profile, the default, the file and how it was found', async () => {
      const res = await runCg(['profiles', 'list', '--json'], {cwd})
      expect(res.code, res.stderr).toBe(0)
      expect(res.stderr).toBe('')
      const list = res.json()
      expect(list.configFile).toEqual({path: join(cwd, '.cg.yaml'), foundBy: 'project'})
      expect(list.default).toBe('dev')
      expect(list.profiles.map((p: any) => [p.name, p.isDefault, p.broker])).toEqual([
        ['dev', true, 'redis'],
        ['other', false, 'redis'],
        ['down', false, 'redis'],
      ])
      expect(list.profiles[0]).toEqual({
        name: 'dev',
        isDefault: true,
        broker: 'redis',
        url: REDIS_URL,
        stream: devStream,
        group: 'dev-workers',
        consumer: 'dev-c1',
        dlq: null,
        error: null,
      })
    })

    it('a table for people, the default marked', async () => {
      const res = await runCg(['profiles', 'list'], {cwd})
      expect(res.code).toBe(0)
      expect(res.stdout).toContain(`Config file: ${join(cwd, '.cg.yaml')} (project .cg.yaml`)
      expect(res.stdout).toMatch(/^\*\s+dev\s+redis/m)
      expect(res.stdout).toContain(devStream)
    })

    it('without a file it says so and shows the built-in default', async () => {
      const res = await runCg(['profiles', 'list'], {cwd: dirWith(null)})
      expect(res.code).toBe(0)
      expect(res.stdout).toMatch(/No config file/)
      expect(res.stdout).toContain('redis://127.0.0.1:6379')
      const json = (await runCg(['profiles', 'list', '--json'], {cwd: dirWith(null)})).json()
      expect(json).toEqual({configFile: null, default: null, profiles: [], builtIn: {broker: 'redis', url: 'redis://127.0.0.1:6379'}})
    })
  })

  describe('cg profiles show', () => {
    it('NAME shows that profile; people get key: value lines', async () => {
      const res = await runCg(['profiles', 'show', 'other'], {cwd})
      expect(res.code, res.stderr).toBe(0)
      expect(res.stdout).toMatch(/^name\s+other$/m)
      expect(res.stdout).toMatch(new RegExp(`^stream\\s+${otherStream}$`, 'm'))
      expect(res.stdout).toMatch(/^consumer\s+-$/m)
    })

    it('an unknown NAME is not found (5) and lists the known ones', async () => {
      const res = await runCg(['profiles', 'show', 'nope'], {cwd})
      expect(res.code).toBe(5)
      expect(res.stderr).toContain('Known profiles: dev, other, down')
    })
  })

  describe('cg profiles use', () => {
    it('sets default: in the file, keeping its comments; later commands use it', async () => {
      const dir = dirWith(yaml())
      const before = readFileSync(join(dir, '.cg.yaml'), 'utf8')
      const dry = await runCg(['profiles', 'use', 'other', '--dry-run'], {cwd: dir})
      expect(dry.stdout.trim()).toBe(`Dry run: would make other the default (was dev) in ${join(dir, '.cg.yaml')}; nothing written.`)
      expect(readFileSync(join(dir, '.cg.yaml'), 'utf8')).toBe(before)
      const res = await runCg(['profiles', 'use', 'other', '--json'], {cwd: dir})
      expect(res.code, res.stderr).toBe(0)
      expect(res.json()).toEqual({default: 'other', previous: 'dev', configFile: {path: join(dir, '.cg.yaml'), foundBy: 'project'}, dryRun: false})
      expect(readFileSync(join(dir, '.cg.yaml'), 'utf8')).toBe(before.replace('default: dev', 'default: other'))
      expect((await runCg(['pending', '--json'], {cwd: dir})).json()).toMatchObject({sources: [otherStream]})
      const human = await runCg(['profiles', 'use', 'dev'], {cwd: dir})
      expect(human.stdout.trim()).toBe(`Default profile is now dev (was other) in ${join(dir, '.cg.yaml')}`)
    })

    it('refuses an unknown NAME (5) and leaves the file alone', async () => {
      const dir = dirWith(yaml())
      const before = readFileSync(join(dir, '.cg.yaml'), 'utf8')
      const res = await runCg(['profiles', 'use', 'nope', '--json'], {cwd: dir})
      expect(res.code).toBe(5)
      expect(res.json().error.code).toBe('not_found')
      expect(readFileSync(join(dir, '.cg.yaml'), 'utf8')).toBe(before)
    })

    it('with no file, refuses (5) and creates no ~/.config/cg/config.yaml', async () => {
      const dir = dirWith(null)
      const xdg = join(dir, 'xdg')
      const res = await runCg(['profiles', 'use', 'prod'], {cwd: dir, env: {XDG_CONFIG_HOME: xdg}})
      expect(res.code).toBe(5)
      expect(res.stderr).toContain(join(xdg, 'cg', 'config.yaml'))
      expect(existsSync(join(xdg, 'cg', 'config.yaml'))).toBe(false)
    })

    it('a missing NAME is a usage error (2)', async () => {
      expect((await runCg(['profiles', 'use'], {cwd})).code).toBe(2)
    })
  })

  describe('cg profiles test', () => {
    it('connects and reports broker, version, mode and latency', async () => {
      const res = await runCg(['profiles', 'test', '--json'], {cwd})
      expect(res.code, res.stderr).toBe(0)
      const t = res.json()
      expect(t).toMatchObject({name: 'dev', source: 'file-default', broker: 'redis', ok: true, mode: 'standalone'})
      expect(t.version).toMatch(/^\d+\.\d+\.\d+/)
      expect(t.version).toBe(/redis_version:(\S+)/.exec(await r.info('server'))![1])
      expect(typeof t.latencyMs).toBe('number')
      const human = await runCg(['profiles', 'test', 'other'], {cwd})
      expect(human.code).toBe(0)
      expect(human.stdout).toMatch(/^profile\s+other$/m)
      expect(human.stdout).toMatch(/^mode\s+standalone$/m)
      expect(human.stdout).toMatch(/^latency\s+[\d.]+ ms$/m)
    })

    it('reports cluster mode on a cluster', async () => {
      const res = await runCg(['profiles', 'test', '--url', CLUSTER_URL, '--json'])
      expect(res.code, res.stderr).toBe(0)
      expect(res.json()).toMatchObject({broker: 'redis', mode: 'cluster', ok: true})
    })

    it('an unreachable profile exits 69 with one line and a hint', async () => {
      const res = await runCg(['profiles', 'test', 'down', '--timeout', '3000'], {cwd})
      expect(res.code).toBe(69)
      expect(res.stdout).toBe('')
      expect(res.stderr.trim().split('\n')).toEqual([
        expect.stringMatching(/^Error: cannot connect to Redis at 127\.0\.0\.1:1 \(ECONNREFUSED\)$/),
        expect.stringMatching(/^Hint: /),
      ])
    })
  })

  it('every --json output validates against schemas/profiles-*.json', async () => {
    const dir = dirWith(yaml() + '  broken: {url: "redis://${CG_TEST_UNSET}:1"}\n')
    const samples: Array<[string, string[], string?]> = [
      ['profiles-list.json', ['profiles', 'list'], dir],
      ['profiles-list.json', ['profiles', 'list'], dirWith(null)],
      ['profiles-show.json', ['profiles', 'show'], dir],
      ['profiles-show.json', ['profiles', 'show'], dirWith(null)],
      ['profiles-show.json', ['profiles', 'show', '--url', REDIS_URL], dir],
      ['profiles-test.json', ['profiles', 'test'], dir],
      ['profiles-use.json', ['profiles', 'use', 'other'], dir],
      ['error.json', ['profiles', 'use', 'nope'], dir],
      ['error.json', ['profiles', 'test', 'down'], dir],
    ]
    for (const [schema, argv, cwd] of samples) {
      const res = await runCg([...argv, '--json'], {cwd})
      expectValid(schema, res.json())
    }
  })

  describe('a config file that others can read', () => {
    const secretYaml = (pw: string) => `default: p\nprofiles:\n  p:\n    url: redis://default:${pw}@127.0.0.1:6379\n`

    it('holding a password and mode 0644: a warning on stderr, never on stdout (--json stays one document)', async () => {
      const dir = dirWith(secretYaml('perm-pw-1234'), 0o644)
      for (const args of [
        ['profiles', 'show', '--json'],
        ['profiles', 'list', '--json'],
      ]) {
        const res = await runCg(args, {cwd: dir})
        expect(res.code, res.stderr).toBe(0)
        expect(res.stderr).toContain(`warning: ${join(dir, '.cg.yaml')} holds secrets and can be read by other users; run: chmod 600`)
        expect(res.stdout).not.toContain('warning')
        expect(() => res.json()).not.toThrow()
        expect(res.stdout + res.stderr).not.toContain('perm-pw-1234')
      }
    })

    it('mode 0600: no warning', async () => {
      const dir = dirWith(secretYaml('perm-pw-5678'), 0o600)
      const res = await runCg(['profiles', 'show', '--json'], {cwd: dir})
      expect(res.code).toBe(0)
      expect(res.stderr).toBe('')
    })

    it('0644 without secrets (or with ${VAR} only): no warning', async () => {
      const dir = dirWith(`default: p\nprofiles:\n  p: {url: "${REDIS_URL}", password: "\${SOME_PW}"}\n`, 0o644)
      const res = await runCg(['profiles', 'list', '--json'], {cwd: dir})
      expect(res.code).toBe(0)
      expect(res.stderr).toBe('')
    })
  })
})
