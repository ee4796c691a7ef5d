import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {Redis} from 'ioredis'
import {runCg} from '../../helpers/cli.js'
import {REDIS_URL, redis, seedGroup, uniq} from '../../helpers/redis.js'
import {expectValid} from '../../helpers/schemas.js'

// Every dlq command's --json output, in its dry-run and executing forms, validates against schemas/dlq-*.json.

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
    expectValid(schema as string, res.json())
  })
})
