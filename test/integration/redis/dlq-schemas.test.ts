import {readdirSync, readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import Ajv from 'ajv'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {Redis} from 'ioredis'
import {runCg} from '../../helpers/cli.js'
import {REDIS_URL, redis, seedGroup, uniq} from '../../helpers/redis.js'

// Every dlq command's --json output, in its dry-run and executing forms, validates against schemas/dlq-*.json.
const dir = fileURLToPath(new URL('../../../schemas/', import.meta.url))
const ajv = new Ajv({allErrors: true, strict: false})
for (const f of readdirSync(dir)) ajv.addSchema(JSON.parse(readFileSync(dir + f, 'utf8')), f)

describe('dlq --json schemas', () => {
  let r: Redis
  const s = uniq('schema')
  beforeAll(async () => {
    r = await redis()
    await seedGroup(r, s, 'g', 5)
    await r.xadd(`${s}:dlq`, '*', 'original_id', '1-1', 'original_data', JSON.stringify({k: 'v'}), 'failed_at', '1700000000.5', 'consumer', 'c9')
    await r.xadd(`${s}:dlq`, '*', 'bin', Buffer.from([0xff]), 'original_id', '1-2')
  })
  afterAll(async () => {
    await r.del(s, `${s}:dlq`)
    await r.quit()
  })

  it.each([
    ['dlq-list.json', ['dlq', 'list', s]],
    ['dlq-peek.json', ['dlq', 'peek', s]],
    ['dlq-move.json', ['dlq', 'move', s, 'g', '--max-deliveries', '1', '--dry-run']],
    ['dlq-move.json', ['dlq', 'move', s, 'g', '--max-deliveries', '1', '--limit', '2']],
    ['dlq-replay.json', ['dlq', 'replay', s, '--dry-run']],
    ['dlq-purge.json', ['dlq', 'purge', s, '--dry-run']],
    ['dlq-replay.json', ['dlq', 'replay', s]],
    ['dlq-purge.json', ['dlq', 'purge', s, '--yes']],
  ])('%s: cg %s', async (schema, argv) => {
    const res = await runCg([...(argv as string[]), '--json', '--url', REDIS_URL])
    expect(res.code, res.stderr).toBe(0)
    const ok = ajv.validate(schema as string, res.json())
    expect(ok, ajv.errorsText(ajv.errors) + '\n' + res.stdout.slice(0, 1500)).toBe(true)
  })
})
