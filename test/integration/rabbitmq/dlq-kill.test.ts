// SIGKILL mid-replay on the real RabbitMQ, twice, then a run to the end: nothing is lost (every original
// message reaches the target at least once) and any message published twice carries the same replay id
// and count on both copies, and the later copy is flagged x-cg-possible-duplicate.
import {describe, expect, it} from 'vitest'
import {runCg, spawnCg} from '../../helpers/cli.js'
import {useRabbit, RABBIT_URL} from '../../helpers/rabbitmq.js'
import {deadLettered, drain, waitDepth} from '../../helpers/rabbitmq-dlq.js'

const N = 20_000

describe('rabbitmq dlq replay killed mid-run', () => {
  const rmq = useRabbit()

  it(`loses nothing of ${N} dead-lettered messages and marks what it published twice`, async () => {
    const s = await deadLettered(rmq, {reason: 'expired', n: N, body: (i) => Buffer.from(JSON.stringify({id: i}))})
    let killed = 0
    for (const at of [3000, 9000]) {
      const run = spawnCg(['dlq', 'replay', s.dlq, '--rate', '4000/s', '--json', '--url', RABBIT_URL])
      const until = Date.now() + 60_000
      while ((await rmq.ch.checkQueue(s.target)).messageCount < at) {
        if (Date.now() > until) throw new Error(`replay did not reach ${at}: ${run.stderr()}`)
        await new Promise((r) => setTimeout(r, 20))
      }
      run.child.kill('SIGKILL')
      const exit = await run.exited
      expect(exit.signal).toBe('SIGKILL')
      killed++
      // the broker requeues what the killed run held unacked
      const deadline = Date.now() + 30_000
      for (;;) {
        const dlq = (await rmq.ch.checkQueue(s.dlq)).messageCount
        const target = (await rmq.ch.checkQueue(s.target)).messageCount
        if (dlq + target >= N && (await rmq.ch.checkQueue(s.dlq)).consumerCount === 0) break
        if (Date.now() > deadline) throw new Error(`after the kill: dlq ${dlq} + target ${target} < ${N}`)
        await new Promise((r) => setTimeout(r, 100))
      }
    }
    expect(killed).toBe(2)
    const last = await runCg(['dlq', 'replay', s.dlq, '--json', '--url', RABBIT_URL], {timeoutMs: 120_000})
    expect(last.code, last.stderr).toBe(0)
    expect(last.json().totals).toMatchObject({failed: 0, error: null})
    await waitDepth(rmq, s.dlq, 0)

    const got = await drain(rmq, s.target, 120_000)
    const byId = new Map<number, Array<Record<string, any>>>()
    for (const m of got) {
      const id = JSON.parse(m.content.toString()).id as number
      expect(m.properties.messageId).toBe(`m-${id}`)
      byId.set(id, [...(byId.get(id) ?? []), m.properties.headers!])
    }
    for (let i = 0; i < N; i++) expect(byId.has(i), `message ${i} lost`).toBe(true)
    expect(byId.size).toBe(N)
    let dup = 0
    for (const copies of byId.values()) {
      if (copies.length === 1) {
        expect(copies[0]['x-cg-replay-count']).toBe(1)
        continue
      }
      dup += copies.length - 1
      expect(new Set(copies.map((h) => h['x-cg-replay-id'])).size).toBe(1)
      expect(new Set(copies.map((h) => h['x-cg-replay-count'])).size).toBe(1)
      expect(copies.some((h) => h['x-cg-possible-duplicate'] === true)).toBe(true)
    }
    expect(got.length).toBe(N + dup)
    console.log(`kill test: ${N} messages, ${got.length} arrived, ${dup} published twice (all marked)`)
  }, 300_000)
})
