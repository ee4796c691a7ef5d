import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {Redis} from 'ioredis'
import {runCg} from '../../helpers/cli.js'
import {redis, REDIS_URL, seedGroup, uniq} from '../../helpers/redis.js'
import {expectValid} from '../../helpers/schemas.js'

// Real --json output of the repair commands validates against schemas/<command>.json.

describe('repair commands: --json output matches the schemas', () => {
  let r: Redis
  const s = uniq('schema')
  beforeAll(async () => {
    r = await redis()
    await seedGroup(r, s, 'workers', 6, ['w1', 'w2'])
  })
  afterAll(async () => {
    await r.del(s)
    await r.quit()
  })

  it('each sample validates', async () => {
    const samples: Array<[string, string[]]> = [
      ['claim', ['claim', s, 'workers', '--idle', '0', '--to', 'w3', '--count', '1', '--dry-run']],
      ['claim', ['claim', s, 'workers', '--idle', '0', '--from', 'w1', '--to', 'w3', '--count', '1']],
      ['setid', ['setid', s, 'workers', '$', '--dry-run']],
      ['reset', ['reset', s, 'workers', '--shift-by', '-2']],
      ['reset', ['reset', s, 'workers', '--to-datetime', '2020-01-01', '--execute']],
      ['group-create', ['group', 'create', s, 'g2', '--start', '0']],
      ['group-delete', ['group', 'delete', s, 'g2']],
      ['consumer-delete', ['consumer', 'delete', s, 'workers', 'w1', '--handoff', 'w2']],
      ['consumer-delete', ['consumer', 'delete', s, 'workers', 'w2', '--force', '--dry-run']],
      ['error', ['consumer', 'delete', s, 'workers', 'w2']],
    ]
    for (const [schema, argv] of samples) {
      const res = await runCg([...argv, '--url', REDIS_URL, '--json'])
      if (schema !== 'error') expect(res.code, `${argv.join(' ')}: ${res.stderr}`).toBe(0)
      const doc = res.json()
      expectValid(`${schema}.json`, doc, argv.join(' '))
    }
  })
})
