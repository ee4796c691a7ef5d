import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {Redis} from 'ioredis'
import {runCg} from '../helpers/cli.js'
import {expectValid, SCHEMA_FILES} from '../helpers/schemas.js'
import {redis, seedGroup, uniq} from '../helpers/redis.js'

// The --json contract: every command has a schema under schemas/, and real output validates against it.
const root = fileURLToPath(new URL('../../', import.meta.url))
const validate = expectValid

const manifest = JSON.parse(readFileSync(root + 'oclif.manifest.json', 'utf8'))
// commands with --json (cg autocomplete, which only prints shell setup, has none)
const commandIds = (Object.keys(manifest.commands) as string[]).filter((id) => 'json' in manifest.commands[id].flags)
const schemaOf = (id: string) => id.replaceAll(':', '-') + '.json'

describe('JSON schemas', () => {
  it.each(commandIds)('command %s has a schema', (id) => {
    expect(SCHEMA_FILES).toContain(schemaOf(id))
  })

  let r: Redis
  const stream = uniq('contract')
  const dlq = `${stream}:dlq`
  beforeAll(async () => {
    r = await redis()
    await seedGroup(r, stream, 'workers', 6, ['worker1', 'worker2'])
    await r.xadd(dlq, '*', 'task', 'x', 'original_id', '1-0', 'original_stream', stream, 'delivery_count', '3', 'reason', 'max_deliveries_exceeded')
  })
  afterAll(async () => {
    await r.del(stream)
    await r.del(dlq)
    await r.quit()
  })

  // [command id, argv]; each runs against the local Redis and must exit 0 with a valid document.
  const samples = (): Array<[string, string[]]> => [
    ['groups', ['groups']],
    ['groups', ['groups', stream]],
    ['consumers', ['consumers', stream, 'workers']],
    ['pending', ['pending', stream, 'workers', '--all']],
    ['pending', ['pending', stream, 'workers', 'worker1']],
    ['lag', ['lag', '--stream', stream]],
  ]

  it('every sample invocation prints a document valid against its schema', async () => {
    for (const [id, argv] of samples()) {
      const res = await runCg([...argv, '--json'])
      expect(res.code, `${argv.join(' ')}: ${res.stderr}`).toBe(0)
      validate(schemaOf(id), res.json())
    }
  })

  it('error documents are valid against error.json', async () => {
    for (const argv of [
      ['pending', stream, 'nogroup'],
      ['groups', '--url', 'redis://127.0.0.1:1'],
      ['pending', stream, 'workers', '--start', 'zz'],
    ]) {
      const res = await runCg([...argv, '--json'])
      expect(res.code).not.toBe(0)
      validate('error.json', res.json())
    }
  })
})
