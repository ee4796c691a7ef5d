import {chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {kafkaClientOptions} from '../../src/brokers/kafka/kafka-options.js'
import {CgError} from '../../src/errors/cg-error.js'
import {exposedSecretsWarning, findConfigPath, hasSecrets, interpolate, loadConfig, userConfigPath, writeDefault} from '../../src/profiles/config-file.js'
import {BUILT_IN_URL, brokerOfUrl, resolveProfile, URL_SCHEMES} from '../../src/profiles/resolve.js'
import {listProfiles, showProfile, useProfile} from '../../src/services/profiles.js'

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'cg-profiles-'))
}

function write(path: string, text: string, mode = 0o600): string {
  mkdirSync(join(path, '..'), {recursive: true})
  writeFileSync(path, text)
  chmodSync(path, mode)
  return path
}

async function rejection(p: Promise<unknown>): Promise<CgError> {
  try {
    await p
  } catch (error) {
    expect(error).toBeInstanceOf(CgError)
    return error as CgError
  }
  throw new Error('expected a rejection')
}

/** A project dir (with .cg.yaml), a nested cwd below it, and an XDG dir with its own config. */
function layout() {
  const root = tmp()
  const project = join(root, 'project')
  const cwd = join(project, 'a', 'b')
  mkdirSync(cwd, {recursive: true})
  const xdg = join(root, 'xdg')
  const projectFile = write(join(project, '.cg.yaml'), 'default: p\nprofiles:\n  p: {url: "redis://project:1"}\n')
  const userFile = write(join(xdg, 'cg', 'config.yaml'), 'default: u\nprofiles:\n  u: {url: "redis://user:2"}\n')
  const flagFile = write(join(root, 'flag.yaml'), 'default: f\nprofiles:\n  f: {url: "redis://flag:3"}\n')
  const envFile = write(join(root, 'env.yaml'), 'default: e\nprofiles:\n  e: {url: "redis://env:4"}\n')
  return {root, project, cwd, xdg, projectFile, userFile, flagFile, envFile}
}

describe('config file lookup', () => {
  it('--config beats $CG_CONFIG beats .cg.yaml walking up beats $XDG_CONFIG_HOME/cg/config.yaml', () => {
    const l = layout()
    const env = {XDG_CONFIG_HOME: l.xdg, CG_CONFIG: l.envFile}
    expect(findConfigPath(l.flagFile, env, l.cwd)).toEqual({path: l.flagFile, foundBy: 'flag'})
    expect(findConfigPath(undefined, env, l.cwd)).toEqual({path: l.envFile, foundBy: 'env'})
    expect(findConfigPath(undefined, {XDG_CONFIG_HOME: l.xdg}, l.cwd)).toEqual({path: l.projectFile, foundBy: 'project'})
    expect(findConfigPath(undefined, {XDG_CONFIG_HOME: l.xdg}, l.root)).toEqual({path: l.userFile, foundBy: 'user'})
  })

  it('resolves relative --config and $CG_CONFIG against the working directory', () => {
    const l = layout()
    expect(findConfigPath('../../../flag.yaml', {}, join(l.project, 'a', 'b'))?.path).toBe(join(l.root, 'flag.yaml'))
    expect(findConfigPath(undefined, {CG_CONFIG: 'env.yaml'}, l.root)?.path).toBe(l.envFile)
  })

  it('finds no file when none applies, and the user path falls back to $HOME/.config', () => {
    const root = tmp()
    expect(findConfigPath(undefined, {XDG_CONFIG_HOME: join(root, 'nothing')}, root)).toBeNull()
    expect(userConfigPath({HOME: '/home/ops'})).toBe('/home/ops/.config/cg/config.yaml')
    expect(userConfigPath({HOME: '/home/ops', XDG_CONFIG_HOME: '/xdg'})).toBe('/xdg/cg/config.yaml')
  })

  it('a missing --config file, bad YAML and a non-mapping are usage errors (exit 2)', async () => {
    const root = tmp()
    const missing = await rejection(loadConfig({path: join(root, 'nope.yaml'), foundBy: 'flag'}))
    expect([missing.code, missing.exitCode]).toEqual(['usage', 2])
    const bad = write(join(root, 'bad.yaml'), 'profiles: [unclosed\n')
    expect((await rejection(loadConfig({path: bad, foundBy: 'flag'}))).code).toBe('usage')
    const list = write(join(root, 'list.yaml'), '- a\n- b\n')
    expect((await rejection(loadConfig({path: list, foundBy: 'flag'}))).message).toMatch(/must be a mapping/)
  })
})

describe('${VAR} interpolation', () => {
  it('replaces variables in nested strings and arrays, and leaves other values alone', () => {
    const out = interpolate(
      {url: 'redis://${H}:${P}', tls: {ca: '${DIR}/ca.pem', rejectUnauthorized: false}, brokers: ['${H}:9092'], port: 1},
      {H: 'h', P: '6380', DIR: '/etc'},
      'profile x',
    )
    expect(out).toEqual({url: 'redis://h:6380', tls: {ca: '/etc/ca.pem', rejectUnauthorized: false}, brokers: ['h:9092'], port: 1})
  })

  it('an unset variable is a usage error naming it and where it is used', () => {
    let err: unknown
    try {
      interpolate({tls: {key: '${MISSING_KEY}'}}, {}, 'profile prod')
    } catch (error) {
      err = error
    }
    expect(err).toBeInstanceOf(CgError)
    expect((err as CgError).code).toBe('usage')
    expect((err as CgError).message).toContain('profile prod.tls.key uses ${MISSING_KEY}')
  })

  it('a set but empty variable is used as is; $VAR without braces is literal', () => {
    expect(interpolate('a${E}b$E', {E: ''}, 'x')).toBe('ab$E')
  })

  it('resolving a profile with a missing variable fails as a usage error', async () => {
    const root = tmp()
    write(join(root, '.cg.yaml'), 'default: p\nprofiles:\n  p: {url: "redis://${NOPE_HOST}:6379"}\n')
    const err = await rejection(resolveProfile({env: {}, cwd: root}))
    expect(err.exitCode).toBe(2)
  })
})

describe('precedence: flags > CG_PROFILE / CG_URL > file default > built-in', () => {
  const yaml = `default: dev
profiles:
  dev: {url: "redis://dev:6379", stream: dev-stream, group: dev-group, consumer: dev-c}
  prod: {url: "redis://prod:6379", stream: prod-stream}
`
  function setup() {
    const root = tmp()
    write(join(root, '.cg.yaml'), yaml)
    return root
  }

  it('the file default applies when nothing else is given', async () => {
    const p = await resolveProfile({env: {}, cwd: setup()})
    expect(p).toMatchObject({
      name: 'dev',
      source: 'file-default',
      broker: 'redis',
      url: 'redis://dev:6379',
      stream: 'dev-stream',
      group: 'dev-group',
      consumer: 'dev-c',
    })
  })

  it('CG_PROFILE picks another profile, CG_URL an ad-hoc URL', async () => {
    const cwd = setup()
    expect(await resolveProfile({env: {CG_PROFILE: 'prod'}, cwd})).toMatchObject({name: 'prod', source: 'env', url: 'redis://prod:6379', stream: 'prod-stream'})
    expect(await resolveProfile({env: {CG_URL: 'redis://env-url:1'}, cwd})).toMatchObject({
      name: null,
      source: 'env',
      url: 'redis://env-url:1',
      stream: undefined,
    })
    // both: the profile's defaults with the URL replaced
    expect(await resolveProfile({env: {CG_PROFILE: 'prod', CG_URL: 'redis://env-url:1'}, cwd})).toMatchObject({
      name: 'prod',
      url: 'redis://env-url:1',
      stream: 'prod-stream',
    })
  })

  it('flags beat the environment', async () => {
    const cwd = setup()
    const env = {CG_PROFILE: 'dev', CG_URL: 'redis://env-url:1'}
    expect(await resolveProfile({env, cwd, profileFlag: 'prod'})).toMatchObject({name: 'prod', source: 'flag', url: 'redis://prod:6379'})
    expect(await resolveProfile({env, cwd, urlFlag: 'redis://flag-url:2'})).toMatchObject({name: null, source: 'flag', url: 'redis://flag-url:2'})
    expect(await resolveProfile({env, cwd, profileFlag: 'dev', urlFlag: 'redis://flag-url:2'})).toMatchObject({
      name: 'dev',
      url: 'redis://flag-url:2',
      stream: 'dev-stream',
    })
  })

  it('without a file or a default, the built-in local Redis', async () => {
    const root = tmp()
    expect(await resolveProfile({env: {XDG_CONFIG_HOME: join(root, 'x')}, cwd: root})).toMatchObject({
      name: null,
      source: 'built-in',
      url: BUILT_IN_URL,
      broker: 'redis',
    })
    write(join(root, '.cg.yaml'), 'profiles:\n  a: {url: "redis://a:1"}\n')
    expect(await resolveProfile({env: {}, cwd: root})).toMatchObject({source: 'built-in', url: BUILT_IN_URL})
  })

  it('an unknown profile is not found (exit 5) and names the known ones', async () => {
    const err = await rejection(resolveProfile({env: {}, cwd: setup(), profileFlag: 'nope'}))
    expect(err.exitCode).toBe(5)
    expect(err.hint).toContain('dev, prod')
    const root = tmp()
    const none = await rejection(resolveProfile({env: {XDG_CONFIG_HOME: join(root, 'x')}, cwd: root, profileFlag: 'prod'}))
    expect([none.exitCode, none.message]).toEqual([5, 'profile "prod" not found: no config file'])
  })

  it('a broker field that contradicts the URL scheme is a usage error', async () => {
    const root = tmp()
    write(join(root, '.cg.yaml'), 'default: k\nprofiles:\n  k: {broker: kafka, url: "redis://h:1"}\n')
    expect((await rejection(resolveProfile({env: {}, cwd: root}))).exitCode).toBe(2)
  })
})

describe('broker from URL scheme', () => {
  it.each([
    ['redis://h:6379', 'redis'],
    ['rediss://h:6380', 'redis'],
    ['REDIS://h', 'redis'],
    ['kafka://a:9092,b:9092', 'kafka'],
    ['kafkas://a:9093,b:9093', 'kafka'],
    ['KAFKAS://a:9093', 'kafka'],
    ['amqp://guest:guest@h:5672', 'rabbitmq'],
    ['amqps://h', 'rabbitmq'],
  ])('%s -> %s', (url, broker) => {
    expect(brokerOfUrl(url)).toBe(broker)
  })

  it.each(['http://h', 'h:6379', 'mysql://u:hunter22@h'])('%s is a usage error that never shows credentials', (url) => {
    let err: CgError | undefined
    try {
      brokerOfUrl(url)
    } catch (error) {
      err = error as CgError
    }
    expect(err?.exitCode).toBe(2)
    expect(err?.message).not.toContain('hunter22')
  })

  it('the eight schemes are accepted, and the hint for an unknown one names all of them', () => {
    expect(URL_SCHEMES).toEqual(['redis://', 'rediss://', 'redis+sentinel://', 'rediss+sentinel://', 'kafka://', 'kafkas://', 'amqp://', 'amqps://'])
    for (const scheme of URL_SCHEMES) expect(() => brokerOfUrl(`${scheme}h:1`)).not.toThrow()
    let err: CgError | undefined
    try {
      brokerOfUrl('http://h')
    } catch (error) {
      err = error as CgError
    }
    for (const scheme of URL_SCHEMES) expect(err?.hint).toContain(scheme)
  })

  it('a kafkas:// profile is Kafka over TLS', async () => {
    const root = tmp()
    write(join(root, '.cg.yaml'), 'default: k\nprofiles:\n  k: {url: "kafkas://k1:9093,k2:9093"}\n')
    const profile = await resolveProfile({env: {}, cwd: root})
    expect(profile).toMatchObject({broker: 'kafka', url: 'kafkas://k1:9093,k2:9093'})
    const o = kafkaClientOptions(profile, 1000)
    expect(o.bootstrapBrokers).toEqual(['k1:9093', 'k2:9093'])
    expect(o.tls).toEqual({rejectUnauthorized: true})
  })

  it('a kafka profile with brokers: gets a kafka:// URL', async () => {
    const root = tmp()
    write(join(root, '.cg.yaml'), 'default: k\nprofiles:\n  k: {brokers: ["a:9092", "b:9092"]}\n')
    expect(await resolveProfile({env: {}, cwd: root})).toMatchObject({broker: 'kafka', url: 'kafka://a:9092,b:9092'})
  })
})

describe('secrets in the config file', () => {
  it('hasSecrets sees literal passwords and URL credentials, not ${VAR} references', () => {
    expect(hasSecrets({p: {password: 'x'}})).toBe(true)
    expect(hasSecrets({p: {password: 123456}})).toBe(true)
    expect(hasSecrets({p: {sasl: {mechanism: 'plain', password: 'x'}}})).toBe(true)
    expect(hasSecrets({p: {url: 'redis://u:pw@h:1'}})).toBe(true)
    expect(hasSecrets({p: {url: 'redis://:pw@h:1'}})).toBe(true)
    expect(hasSecrets({p: {password: '${PW}'}})).toBe(false)
    expect(hasSecrets({p: {url: 'redis://u:${PW}@h:1'}})).toBe(false)
    expect(hasSecrets({p: {url: 'redis://u@h:1', username: 'u'}})).toBe(false)
  })

  it('warns only when others can read a file holding secrets', async () => {
    const root = tmp()
    const path = write(join(root, 'c.yaml'), 'profiles:\n  p: {url: "redis://u:pw@h:1"}\n', 0o644)
    expect(exposedSecretsWarning(await loadConfig({path, foundBy: 'flag'}))).toMatch(/can be read by other users; run: chmod 600/)
    chmodSync(path, 0o600)
    expect(exposedSecretsWarning(await loadConfig({path, foundBy: 'flag'}))).toBeNull()
    const clean = write(join(root, 'd.yaml'), 'profiles:\n  p: {url: "redis://h:1", password: "${PW}"}\n', 0o644)
    expect(exposedSecretsWarning(await loadConfig({path: clean, foundBy: 'flag'}))).toBeNull()
  })

  it('resolveProfile passes the warning to warn()', async () => {
    const root = tmp()
    write(join(root, '.cg.yaml'), 'default: p\nprofiles:\n  p: {url: "redis://u:pw@h:1"}\n', 0o640)
    const warnings: string[] = []
    await resolveProfile({env: {}, cwd: root, warn: (m) => warnings.push(m)})
    expect(warnings).toHaveLength(1)
  })
})

describe('writeDefault', () => {
  it('replaces default: in place, keeping comments and layout byte for byte', async () => {
    const root = tmp()
    const text =
      '# team profiles\ndefault: dev   # the usual one\nprofiles:\n  dev:   # laptop\n    url: redis://127.0.0.1:6379\n  prod: {url: "redis://prod:6379", tls: {rejectUnauthorized: false}}\n'
    const path = write(join(root, 'c.yaml'), text)
    await writeDefault(path, 'prod')
    expect(readFileSync(path, 'utf8')).toBe(text.replace('default: dev', 'default: prod'))
  })

  it('adds default: before the first key when there is none', async () => {
    const root = tmp()
    const path = write(join(root, 'c.yaml'), '# comment\nprofiles:\n  a: {url: "redis://a:1"}\n')
    await writeDefault(path, 'a')
    expect(readFileSync(path, 'utf8')).toBe('# comment\ndefault: a\nprofiles:\n  a: {url: "redis://a:1"}\n')
  })

  it('quotes names YAML would misread, and handles an empty default: and a missing file', async () => {
    const root = tmp()
    const path = write(join(root, 'c.yaml'), 'default:\nprofiles:\n  "yes": {url: "redis://a:1"}\n')
    await writeDefault(path, 'yes')
    expect((await loadConfig({path, foundBy: 'flag'})).default).toBe('yes')
    const fresh = join(root, 'new', 'config.yaml')
    await writeDefault(fresh, 'x')
    expect((await loadConfig({path: fresh, foundBy: 'user'})).default).toBe('x')
  })
})

describe('profiles services', () => {
  const yaml = `default: dev
profiles:
  dev: {url: "redis://admin:s3cret-dev@dev:6379", stream: s, group: g, consumer: c}
  prod: {url: "rediss://prod:6380", username: ops, password: "\${PROD_PW}", tls: {ca: ca.pem, key: key.pem}}
  broken: {url: "redis://\${UNSET_HOST}:6379", stream: x}
`

  it('list shows every profile with masked URLs, the default, and how the file was found', async () => {
    const root = tmp()
    write(join(root, '.cg.yaml'), yaml)
    const list = await listProfiles({env: {PROD_PW: 'p-r-o-d'}, cwd: root})
    expect(list.configFile).toEqual({path: join(root, '.cg.yaml'), foundBy: 'project'})
    expect(list.default).toBe('dev')
    expect(list.profiles.map((p) => [p.name, p.isDefault, p.broker, p.url])).toEqual([
      ['dev', true, 'redis', 'redis://admin:***@dev:6379'],
      ['prod', false, 'redis', 'rediss://prod:6380'],
      ['broken', false, null, 'redis://${UNSET_HOST}:6379'],
    ])
    expect(list.profiles[0]).toMatchObject({stream: 's', group: 'g', consumer: 'c', dlq: null, error: null})
    expect(list.profiles[2].error).toContain('UNSET_HOST')
    expect(JSON.stringify(list)).not.toMatch(/s3cret-dev|p-r-o-d/)
  })

  it('list without a file reports none and the built-in default', async () => {
    const root = tmp()
    expect(await listProfiles({env: {XDG_CONFIG_HOME: join(root, 'x')}, cwd: root})).toEqual({
      configFile: null,
      default: null,
      profiles: [],
      builtIn: {broker: 'redis', url: BUILT_IN_URL},
    })
  })

  it('show masks passwords and keys and says where the profile came from', async () => {
    const root = tmp()
    write(join(root, '.cg.yaml'), yaml)
    const shown = await showProfile({name: 'prod', env: {PROD_PW: 'p-r-o-d'}, cwd: root})
    expect(shown).toMatchObject({name: 'prod', source: 'flag', broker: 'redis', url: 'rediss://prod:6380', configFile: {foundBy: 'project'}})
    expect(shown.options).toEqual({username: 'ops', password: '***', tls: {ca: 'ca.pem', key: '***'}})
    const current = await showProfile({env: {}, cwd: root})
    expect(current).toMatchObject({name: 'dev', source: 'file-default', url: 'redis://admin:***@dev:6379', stream: 's'})
  })

  it('use sets the default of the file in use and refuses unknown names', async () => {
    const root = tmp()
    const path = write(join(root, '.cg.yaml'), yaml)
    const before = readFileSync(path, 'utf8')
    expect(await useProfile('prod', {env: {}, cwd: root}, true)).toEqual({
      default: 'prod',
      previous: 'dev',
      configFile: {path, foundBy: 'project'},
      dryRun: true,
    })
    expect(readFileSync(path, 'utf8')).toBe(before)
    expect(await useProfile('prod', {env: {}, cwd: root})).toEqual({default: 'prod', previous: 'dev', configFile: {path, foundBy: 'project'}, dryRun: false})
    expect((await loadConfig({path, foundBy: 'project'})).default).toBe('prod')
    const err = await rejection(useProfile('nope', {env: {}, cwd: root}))
    expect(err.exitCode).toBe(5)
    expect((await loadConfig({path, foundBy: 'project'})).default).toBe('prod')
  })

  it('use without a file refuses (5) and creates nothing', async () => {
    const root = tmp()
    const xdg = join(root, 'xdg')
    const err = await rejection(useProfile('prod', {env: {XDG_CONFIG_HOME: xdg}, cwd: root}))
    expect(err.exitCode).toBe(5)
    expect(err.hint).toContain(join(xdg, 'cg', 'config.yaml'))
    expect(findConfigPath(undefined, {XDG_CONFIG_HOME: xdg}, root)).toBeNull()
  })
})
