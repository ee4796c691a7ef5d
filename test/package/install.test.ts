import {execFile} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {promisify} from 'node:util'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {cgEnv} from '../helpers/cli.js'
import {KAFKA} from '../helpers/kafka.js'
import {enc, mgmt, RABBIT_URL, uniqName} from '../helpers/rabbitmq.js'
import {redis, uniq} from '../helpers/redis.js'

const run = promisify(execFile)
const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))

// What a user installs is what is tested: the tarball `npm pack` makes (from the build `npm test` just ran),
// installed globally into a temporary prefix, run from there with nothing of this checkout on its path.
describe('the packed tarball', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cg-pack-'))
  const prefix = join(dir, 'prefix')
  const cg = join(prefix, 'bin', 'cg')
  let files: string[] = []
  // npm runs on the Node the suite runs on (it is the first `node` on PATH for the child).
  const env = {...process.env, PATH: `${join(process.execPath, '..')}:${process.env.PATH}`, npm_config_loglevel: 'error'}

  beforeAll(async () => {
    const packed = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], {cwd: ROOT, env, maxBuffer: 16 << 20})
    const [info] = JSON.parse(packed.stdout)
    files = info.files.map((f: {path: string}) => f.path)
    await run('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', join(dir, info.filename)], {cwd: dir, env, timeout: 240_000})
  }, 300_000)
  afterAll(() => rmSync(dir, {recursive: true, force: true}))

  it('holds what a run needs and no sources or tests', () => {
    for (const f of [
      'LICENSE',
      'README.md',
      'package.json',
      'bin/run.js',
      'dist/cg.cjs',
      'dist/broker-kafka.cjs',
      'dist/broker-rabbitmq.cjs',
      'dist/commands.cjs',
      'dist/kafka.mjs',
      'dist/native.wasm',
      'oclif.manifest.json',
      'schemas/groups.json',
    ]) {
      expect(files, f).toContain(f)
    }
    expect(files.filter((f) => /^(src|test|bench|scripts)\//.test(f))).toEqual([])
    expect(pkg.license).toBe('MIT')
  })

  it('answers cg --version and cg --help', async () => {
    const version = await run(cg, ['--version'], {env: cgEnv({PATH: env.PATH})})
    expect(version.stdout).toContain(`${pkg.name}/${pkg.version} `)
    const help = await run(cg, ['--help'], {env: cgEnv({PATH: env.PATH})})
    expect(help.stdout).toContain('USAGE')
    expect(help.stdout).toMatch(/groups\s+List consumer groups/)
    expect(help.stderr).toBe('')
  })

  it('runs cg groups on the local Redis', async () => {
    const r = await redis()
    const stream = uniq('pack')
    try {
      await r.xgroup('CREATE', stream, 'workers', '$', 'MKSTREAM')
      const out = await run(cg, ['groups', stream, '--json'], {env: cgEnv({PATH: env.PATH})})
      const doc = JSON.parse(out.stdout)
      expect(JSON.stringify(doc)).toContain('"workers"')
      const table = await run(cg, ['groups', stream], {env: cgEnv({PATH: env.PATH})})
      expect(table.stdout).toContain(stream)
      expect(table.stdout).toContain('workers')
    } finally {
      await r.del(stream)
      r.disconnect()
    }
  })

  // the Kafka and RabbitMQ drivers are bundles of their own (dist/broker-*.cjs), loaded from the install
  it('runs cg groups on RabbitMQ and on Kafka', async () => {
    const queue = uniqName('pack')
    await mgmt('PUT', `queues/${enc('/')}/${enc(queue)}`, {durable: false, auto_delete: false})
    try {
      const out = await run(cg, ['groups', queue, '--json', '--url', RABBIT_URL], {env: cgEnv({PATH: env.PATH})})
      const doc = JSON.parse(out.stdout)
      expect(doc.broker).toBe('rabbitmq')
      expect(doc.groups.map((g: {group: string}) => g.group)).toEqual([queue])
    } finally {
      await mgmt('DELETE', `queues/${enc('/')}/${enc(queue)}`)
    }
    const kafka = JSON.parse((await run(cg, ['groups', '--json', '--url', KAFKA.url], {env: cgEnv({PATH: env.PATH})})).stdout)
    expect(kafka.broker).toBe('kafka')
    expect(Array.isArray(kafka.groups)).toBe(true)
  })
})
