// The exactly-once claim on a cluster: a dlq replay is SIGKILLed mid-run while the leader of a target
// partition moves (its node stops: a controlled shutdown hands the leadership to another replica), then run
// again on the two nodes left. The target (read_committed) then holds every DLQ record exactly once.
import type {Admin} from '@platformatic/kafka'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {runCg, spawnCg} from '../../helpers/cli.js'
import {CLUSTER_BOOTSTRAP, CLUSTER_URL, clusterUp, leadersOf, stopNode} from '../../helpers/kafka-cluster.js'
import {kafkaAdmin, kname, sleep} from '../../helpers/kafka.js'
import {KafkaDlqFixture, springHeaders} from '../../integration/kafka/dlq-fixtures.js'

const N = 6000
const PARTITIONS = 3

describe('kafka-cluster: dlq replay SIGKILLed while a leader moves, run again', () => {
  let admin: Admin
  let fx: KafkaDlqFixture
  beforeAll(() => {
    admin = kafkaAdmin(CLUSTER_BOOTSTRAP)
    fx = new KafkaDlqFixture(CLUSTER_BOOTSTRAP)
  })
  afterAll(async () => {
    await clusterUp()
    await fx.close()
    await admin.close()
  }, 150_000)

  it('replays every record exactly once across the kill and the leader move', async () => {
    const source = kname('kk')
    await fx.topic(source, PARTITIONS, 3)
    const dlq = await fx.topic(`${source}.DLT`, PARTITIONS, 3)
    await fx.produce(
      dlq,
      Array.from({length: N}, (_, i) => ({
        partition: i % PARTITIONS,
        value: Buffer.from(JSON.stringify({id: i})),
        headers: springHeaders(source, i % PARTITIONS, Math.floor(i / PARTITIONS)),
      })),
    )
    const group = `cg-replay.${dlq}`
    const before = await leadersOf(admin, source)
    // the node that leads the target's partition 0 (it leads others' partitions too, maybe the transaction coordinator)
    const moving = before[0]

    const run = spawnCg(['dlq', 'replay', source, '--url', CLUSTER_URL, '--rate', '1000/s'])
    const until = Date.now() + 60_000
    while ((await fx.committedTotal(group, dlq, PARTITIONS)) < 600) {
      if (Date.now() > until) throw new Error(`the replay committed nothing in 60 s: ${run.stderr()}`)
      await sleep(100)
    }
    // the leader moves while the replay runs; it is killed in the middle of that
    const stopping = stopNode(moving)
    const moved = Date.now() + 30_000
    while ((await leadersOf(admin, source).catch(() => before))[0] === moving && Date.now() < moved) await sleep(100)
    run.child.kill('SIGKILL')
    const exit = await run.exited
    await stopping
    expect(exit.signal).toBe('SIGKILL')
    expect((await leadersOf(admin, source))[0]).not.toBe(moving)
    const committedAtKill = await fx.committedTotal(group, dlq, PARTITIONS)
    expect(committedAtKill).toBeLessThan(N)
    // what the killed run committed is in the target, its open transaction is not
    expect((await fx.readAll(source)).length).toBe(committedAtKill)

    const again = await runCg(['dlq', 'replay', source, '--url', CLUSTER_URL, '--json'], {timeoutMs: 120_000})
    expect(again.code, again.stderr).toBe(0)
    expect(again.json().totals).toMatchObject({replayed: N - committedAtKill, failed: 0})

    const replayed = await fx.readAll(source)
    const ids = replayed.map((r) => (JSON.parse(r.value!.toString()) as {id: number}).id)
    expect(replayed).toHaveLength(N)
    expect(new Set(ids).size).toBe(N)
    for (const r of replayed.slice(0, 300)) expect(r.partition).toBe((JSON.parse(r.value!.toString()) as {id: number}).id % PARTITIONS)
    expect(await fx.committedTotal(group, dlq, PARTITIONS)).toBe(N)
  }, 240_000)
})
