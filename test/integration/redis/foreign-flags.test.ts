import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {Redis} from 'ioredis'
import {runCg} from '../../helpers/cli.js'
import {REDIS_URL, redis, seedDlq, seedGroup, uniq} from '../../helpers/redis.js'
import {expectValid} from '../../helpers/schemas.js'

// A flag of another broker means nothing on Redis: it is a usage error (exit 2) with a hint, never silently
// ignored, and the command changes nothing.
describe('Kafka and RabbitMQ flags on Redis', () => {
  let r: Redis
  const s = uniq('foreign')
  const dlq = `${s}:dlq`

  /** What the commands below could change: the group's position and PEL, the stream and the DLQ. */
  async function state() {
    const pel = (await r.xpending(s, 'g', '-', '+', 100)) as Array<[string, string, number, number]>
    return {
      groups: await r.xinfo('GROUPS', s),
      pel: pel.map(([id, consumer, , deliveries]) => [id, consumer, deliveries]),
      stream: await r.xlen(s),
      dlq: await r.xlen(dlq),
    }
  }

  beforeAll(async () => {
    r = await redis()
    await seedGroup(r, s, 'g', 6, ['c1', 'c2'])
    await seedDlq(r, dlq, s, 3)
  })
  afterAll(async () => {
    await r.del(s, dlq)
    await r.quit()
  })

  const cases: Array<[flag: string, args: string[]]> = [
    ['--topic', ['reset', s, 'g', '--topic', 'orders', '--to-earliest', '--execute']],
    ['--to-offset', ['reset', s, 'g', '--to-offset', '0', '--execute']],
    ['--all-topics', ['reset', s, 'g', '--to-earliest', '--all-topics', '--execute']],
    ['--window', ['lag', 'g', '--stream', s, '--window', '30s']],
    ['--vhost', ['groups', s, '--vhost', '/']],
    ['--to-exchange', ['dlq', 'replay', s, '--to-exchange', 'x']],
    ['--to', ['dlq', 'replay', s, '--to', 'orders']],
  ]

  it.each(cases)('%s: exit 2, one line naming the flag and a hint; nothing changes', async (flag, args) => {
    const before = await state()
    const human = await runCg([...args, '--url', REDIS_URL])
    expect(human.code).toBe(2)
    expect(human.stdout).toBe('')
    const lines = human.stderr.trim().split('\n')
    expect(lines[0]).toMatch(new RegExp(`^Error: ${flag} is for (Kafka|RabbitMQ).*nothing on Redis`))
    expect(lines[1]).toMatch(/^Hint: /)
    const json = await runCg([...args, '--url', REDIS_URL, '--json'])
    expect(json.code).toBe(2)
    expectValid('error.json', json.json())
    expect(json.json().error.code).toBe('usage')
    expect(await state()).toEqual(before)
  })

  it('the same commands without the foreign flag run (the refusal is about the flag alone)', async () => {
    const res = await runCg(['dlq', 'replay', s, '--dry-run', '--url', REDIS_URL, '--json'])
    expect(res.code, res.stderr).toBe(0)
    expect(res.json().plan.count).toBe(3)
  })
})
