// The exactly-once claim, tested for real: a replay of 20,000 DLQ records is SIGKILLed mid-run, run
// again, and the target topic (read_committed) then holds every DLQ record exactly once.
import {execFile} from 'node:child_process'
import {fileURLToPath} from 'node:url'
import {promisify} from 'node:util'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {runCg, spawnCg} from '../../helpers/cli.js'
import {KAFKA_TARGETS} from '../../helpers/kafka.js'
import {header, KafkaDlqFixture, springHeaders, uniq} from './dlq-fixtures.js'

const N = 20_000
const PARTITIONS = 3
const KAFKA_TOOL = fileURLToPath(new URL('../../../scripts/kafka/kafka-tool.sh', import.meta.url))

describe.each(KAFKA_TARGETS)('dlq replay on $name: SIGKILL mid-run, run again', (target) => {
  let fx: KafkaDlqFixture
  beforeAll(() => {
    fx = new KafkaDlqFixture(target.bootstrap)
  })
  afterAll(async () => fx.close())

  async function fill(source: string): Promise<string> {
    await fx.topic(source, PARTITIONS)
    const dlq = await fx.topic(`${source}.DLT`, PARTITIONS)
    await fx.produce(
      dlq,
      Array.from({length: N}, (_, i) => ({
        partition: i % PARTITIONS,
        key: Buffer.from(`key-${i % 500}`),
        value: Buffer.from(JSON.stringify({id: i})),
        headers: springHeaders(source, i % PARTITIONS, Math.floor(i / PARTITIONS)),
      })),
    )
    return dlq
  }

  async function waitForProgress(group: string, dlq: string, atLeast: number): Promise<number> {
    const until = Date.now() + 30_000
    for (;;) {
      const n = await fx.committedTotal(group, dlq, PARTITIONS)
      if (n >= atLeast) return n
      if (Date.now() > until) throw new Error(`the replay committed only ${n} records in 30 s`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }

  async function expectExactlyOnce(source: string) {
    const replayed = await fx.readAll(source)
    const ids = replayed.map((r) => (JSON.parse(r.value!.toString()) as {id: number}).id)
    const seen = new Map<number, number>()
    for (const id of ids) seen.set(id, (seen.get(id) ?? 0) + 1)
    expect(replayed.length).toBe(N)
    expect(seen.size).toBe(N)
    expect([...seen.values()].every((n) => n === 1)).toBe(true)
    for (let i = 0; i < N; i++) expect(seen.has(i)).toBe(true)
    // every record came back to its original partition, with its replay headers
    for (const r of replayed.slice(0, 500)) {
      const id = (JSON.parse(r.value!.toString()) as {id: number}).id
      expect(r.partition).toBe(id % PARTITIONS)
      expect(header(r, 'cg-replay-count')).toBe('1')
    }
    return replayed
  }

  it('replays all 20,000 records exactly once across a SIGKILL', async () => {
    const source = uniq('kdlq-kill')
    const dlq = await fill(source)
    const url = target.url
    // a rate keeps the run long enough to be killed in the middle (batches of 300 records per transaction)
    const run = spawnCg(['dlq', 'replay', source, '--url', url, '--rate', '3000/s'])
    const seenAtKill = await waitForProgress(`cg-replay.${dlq}`, dlq, 1000)
    // a first transaction just committed; the next one is about half sent in 0.45 s
    await new Promise((r) => setTimeout(r, 450))
    run.child.kill('SIGKILL')
    const exit = await run.exited
    expect(exit.signal).toBe('SIGKILL')
    const committedAtKill = await fx.committedTotal(`cg-replay.${dlq}`, dlq, PARTITIONS)
    expect(seenAtKill).toBeGreaterThan(0)
    expect(committedAtKill).toBeLessThan(N)
    // what the killed run committed is already in the target, and no more (its open transaction does not count)
    const partial = await fx.readAll(source)
    expect(partial.length).toBe(committedAtKill)
    // with --rate a transaction spans about a second of sends, so the kill lands inside one: its records
    // were written to the target's log, and read_committed readers never see them
    const written = await fx.readAll(source, 0)
    expect(written.length).toBeGreaterThan(committedAtKill)

    const again = await runCg(['dlq', 'replay', source, '--url', url, '--json'], {timeoutMs: 120_000})
    expect(again.code, again.stderr).toBe(0)
    const report = again.json()
    expect(report.totals.replayed).toBe(N - committedAtKill)
    expect(report.totals.failed).toBe(0)
    expect(report.partitions.some((p: {committed: string | null}) => p.committed !== null)).toBe(true)
    await expectExactlyOnce(source)
    expect(await fx.committedTotal(`cg-replay.${dlq}`, dlq, PARTITIONS)).toBe(N)
    // the aborted records are still in the log (read_uncommitted sees them), and only there
    expect((await fx.readAll(source, 0)).length).toBe(N + (written.length - committedAtKill))

    // a third run has nothing left to do
    const third = await runCg(['dlq', 'replay', source, '--url', url, '--json'])
    expect(third.code, third.stderr).toBe(0)
    expect(third.json().totals.replayed).toBe(0)

    if (target.name === 'kafka-4') {
      // and Kafka's own console consumer (read_committed) counts the same 20,000 in the target
      const {stdout} = await promisify(execFile)(
        KAFKA_TOOL,
        [
          'latest',
          'console-consumer',
          '--bootstrap-server',
          target.bootstrap,
          '--topic',
          source,
          '--from-beginning',
          '--isolation-level',
          'read_committed',
          '--timeout-ms',
          '8000',
          '--max-messages',
          String(N + 10),
        ],
        {maxBuffer: 64 << 20, timeout: 90_000},
      ).catch((e: {stdout?: string; code?: number}) => ({stdout: e.stdout ?? ''}))
      const lines = stdout.split('\n').filter((l) => l.startsWith('{'))
      expect(lines.length).toBe(N)
      expect(new Set(lines).size).toBe(N)
    }
  }, 240_000)

  it('Ctrl-C stops between transactions (exit 130) and a rerun finishes exactly once', async () => {
    const source = uniq('kdlq-int')
    const dlq = await fill(source)
    const run = spawnCg(['dlq', 'replay', source, '--url', target.url, '--rate', '3000/s'])
    await waitForProgress(`cg-replay.${dlq}`, dlq, 1000)
    run.child.kill('SIGINT')
    const exit = await run.exited
    expect(exit.code, exit.stderr).toBe(130)
    expect(exit.stdout).toMatch(/interrupted: run the same command again/i)
    const committed = await fx.committedTotal(`cg-replay.${dlq}`, dlq, PARTITIONS)
    expect(committed).toBeLessThan(N)
    expect((await fx.readAll(source)).length).toBe(committed)
    const again = await runCg(['dlq', 'replay', source, '--url', target.url, '--json'], {timeoutMs: 120_000})
    expect(again.code, again.stderr).toBe(0)
    expect(again.json().totals.replayed).toBe(N - committed)
    await expectExactlyOnce(source)
  }, 240_000)

  it('a second replay of the same DLQ fences the first (exit 4); together they replay every record once', async () => {
    const source = uniq('kdlq-two')
    const dlq = await fill(source)
    const first = spawnCg(['dlq', 'replay', source, '--url', target.url, '--rate', '3000/s'])
    await waitForProgress(`cg-replay.${dlq}`, dlq, 1000)
    const second = await runCg(['dlq', 'replay', source, '--url', target.url, '--json'], {timeoutMs: 120_000})
    expect(second.code, second.stderr).toBe(0)
    const exit = await first.exited
    expect(exit.code).toBe(4)
    expect(exit.stderr).toMatch(/another cg dlq replay of this DLQ started and took over/)
    await expectExactlyOnce(source)
  }, 240_000)
})
