// cg dlq replay on Kafka: what a replayed record carries, where it goes, and the selection flags.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {runCg, runCgTty} from '../../helpers/cli.js'
import {KAFKA_TARGETS} from '../../helpers/kafka.js'
import {expectValid} from '../../helpers/schemas.js'
import {connectHeaders, header, KafkaDlqFixture, springHeaders, uniq} from './dlq-fixtures.js'

describe.each(KAFKA_TARGETS)('dlq replay on $name', (target) => {
  let fx: KafkaDlqFixture
  const cg = (...args: string[]) => runCg([...args, '--url', target.url])
  beforeAll(() => {
    fx = new KafkaDlqFixture(target.bootstrap)
  })
  afterAll(async () => fx.close())

  it('keeps key, value bytes and headers (duplicates and order too), adds replay headers, keeps the original partition', async () => {
    const source = await fx.topic(uniq('kdlq-keep'), 4)
    const dlq = await fx.topic(`${source}.DLT`, 2)
    const binary = Buffer.from([0, 255, 1, 254, 0x80, 0x81])
    await fx.produce(dlq, [
      {
        partition: 1,
        key: Buffer.from('order-7'),
        value: binary,
        headers: [...springHeaders(source, 3, 99), ['trace', 'a'], ['trace', 'b'], ['bin', Buffer.from([0xff, 0])]],
      },
      {partition: 0, key: null, value: Buffer.from('no key'), headers: springHeaders(source, 2, 5)},
      {partition: 0, key: Buffer.from('k-no-part'), value: Buffer.from('hashed'), headers: [['kafka_dlt-original-topic', source]]},
    ])
    const r = await cg('dlq', 'replay', source, '--json')
    expect(r.code, r.stderr).toBe(0)
    const doc = r.json()
    expectValid('dlq-replay.json', doc)
    expect(doc).toMatchObject({broker: 'kafka', dlq, group: `cg-replay.${dlq}`, dryRun: false, totals: {replayed: 3, skipped: 0, failed: 0}})
    expect(doc.targets).toEqual([expect.objectContaining({target: source, from: 'spring', replayed: 3})])

    const out = await fx.readAll(source)
    expect(out).toHaveLength(3)
    const first = out.find((x) => x.key?.toString() === 'order-7')!
    expect(first.partition).toBe(3) // kafka_dlt-original-partition
    expect(first.value!.equals(binary)).toBe(true)
    const names = first.headers.map(([k]) => k.toString())
    expect(names.slice(0, 7)).toEqual([
      'kafka_dlt-original-topic',
      'kafka_dlt-original-partition',
      'kafka_dlt-original-offset',
      'kafka_dlt-exception-message',
      'trace',
      'trace',
      'bin',
    ])
    expect(first.headers.filter(([k]) => k.toString() === 'trace').map(([, v]) => v!.toString())).toEqual(['a', 'b'])
    expect(first.headers.find(([k]) => k.toString() === 'bin')![1]!.equals(Buffer.from([0xff, 0]))).toBe(true)
    expect(header(first, 'cg-replay-count')).toBe('1')
    expect(header(first, 'cg-replayed-from')).toBe(`${dlq}:1:0`)
    expect(header(first, 'cg-original-topic')).toBe(source)
    const keyless = out.find((x) => x.value!.toString() === 'no key')!
    expect(keyless.key).toBeNull()
    expect(keyless.partition).toBe(2)
    // no partition header: the key's partition as Java's default partitioner picks it (murmur2 & 0x7fffffff % 4)
    const hashed = out.find((x) => x.value!.toString() === 'hashed')!
    const {murmur2} = await import('@platformatic/kafka')
    expect(hashed.partition).toBe((murmur2(Buffer.from('k-no-part')) & 0x7fffffff) % 4)

    // replayed again (after a second failure landed it in the DLQ with cg's headers): the count goes up
    await fx.produce(dlq, [{partition: 0, key: first.key, value: first.value!, headers: first.headers.map(([k, v]) => [k.toString(), v!])}])
    const again = await cg('dlq', 'replay', source, '--json')
    expect(again.json().totals.replayed).toBe(1)
    const twice = (await fx.readAll(source)).filter((x) => header(x, 'cg-replay-count') === '2')
    expect(twice).toHaveLength(1)
    expect(header(twice[0]!, 'cg-replayed-from')).toBe(`${dlq}:0:2`)
    expect(twice[0]!.headers.filter(([k]) => k.toString() === 'cg-replay-count')).toHaveLength(1)
  })

  it('resolves targets: Spring header, Connect header, cg header, DLQ name suffix, --to', async () => {
    const base = uniq('kdlq-tgt')
    const spring = await fx.topic(`${base}-spring`)
    const connect = await fx.topic(`${base}-connect`)
    const own = await fx.topic(`${base}-own`)
    const bySuffix = await fx.topic(base)
    const dlq = await fx.topic(`${base}-dlq`)
    await fx.produce(dlq, [
      {value: Buffer.from('1'), headers: springHeaders(spring, 0, 1)},
      {value: Buffer.from('2'), headers: connectHeaders(connect, 0, 2)},
      {value: Buffer.from('3'), headers: [['cg-original-topic', own]]},
      {value: Buffer.from('4')},
    ])
    const plan = await cg('dlq', 'replay', base, '--dry-run', '--json')
    expect(plan.code, plan.stderr).toBe(0)
    expectValid('dlq-replay.json', plan.json())
    const targets = Object.fromEntries(plan.json().targets.map((t: {target: string; from: string; replayed: number}) => [t.target, [t.from, t.replayed]]))
    expect(targets).toEqual({[spring]: ['spring', 1], [connect]: ['connect', 1], [own]: ['cg', 1], [bySuffix]: ['dlq-name', 1]})

    const r = await cg('dlq', 'replay', base, '--json')
    expect(r.code, r.stderr).toBe(0)
    expect(r.json().totals.replayed).toBe(4)
    expect((await fx.readAll(spring)).map((x) => x.value!.toString())).toEqual(['1'])
    expect((await fx.readAll(connect)).map((x) => x.value!.toString())).toEqual(['2'])
    expect((await fx.readAll(own)).map((x) => x.value!.toString())).toEqual(['3'])
    expect((await fx.readAll(bySuffix)).map((x) => x.value!.toString())).toEqual(['4'])

    // --to overrides every header; a DLQ named with --dlq under any name
    const other = await fx.topic(`${base}-other`)
    const dlq2 = await fx.topic(`${base}-anything`)
    await fx.produce(dlq2, [{value: Buffer.from('5'), headers: springHeaders(spring, 0, 1)}])
    const to = await cg('dlq', 'replay', '--dlq', dlq2, '--to', other, '--json')
    expect(to.code, to.stderr).toBe(0)
    expect(to.json().targets).toEqual([expect.objectContaining({target: other, from: 'flag', replayed: 1})])
    expect((await fx.readAll(other)).map((x) => x.value!.toString())).toEqual(['5'])
  })

  it('--where on headers and key, --limit, and a rerun resumes after them', async () => {
    const source = await fx.topic(uniq('kdlq-sel'))
    const dlq = await fx.topic(`${source}.dlq`)
    await fx.produce(
      dlq,
      Array.from({length: 10}, (_, i) => ({
        key: Buffer.from(`k${i % 2}`),
        value: Buffer.from(String(i)),
        headers: [...springHeaders(source, 0, i, i < 5 ? 'timeout' : 'parse')] as Array<[string, string | Buffer]>,
      })),
    )
    const where = await cg('dlq', 'replay', source, '--where', 'kafka_dlt-exception-message=timeout', '--where', 'key=k0', '--json')
    expect(where.code, where.stderr).toBe(0)
    expect(where.json().totals).toMatchObject({replayed: 3, skipped: 7, failed: 0})
    expect(where.json().partitions).toEqual([{partition: 0, from: '0', to: '10', committed: null, firstSkipped: '1'}])
    expectValid('dlq-replay.json', where.json())
    expect((await fx.readAll(source)).map((x) => x.value!.toString())).toEqual(['0', '2', '4'])

    const source2 = await fx.topic(uniq('kdlq-lim'))
    const dlq2 = await fx.topic(`${source2}.dlq`)
    await fx.produce(
      dlq2,
      Array.from({length: 10}, (_, i) => ({value: Buffer.from(String(i)), headers: [['x-kind', i % 2 ? 'odd' : 'even']] as Array<[string, string]>})),
    )
    const lim = await cg('dlq', 'replay', source2, '--limit', '4', '--where', 'header.x-kind=even', '--json')
    expect(lim.json().totals).toMatchObject({replayed: 4, skipped: 3})
    expect((await fx.readAll(source2)).map((x) => x.value!.toString())).toEqual(['0', '2', '4', '6'])
    // the rest, from where --limit stopped (offset 7)
    const rest = await cg('dlq', 'replay', source2, '--json')
    expect(rest.json().totals).toMatchObject({replayed: 3, skipped: 0})
    expect((await fx.readAll(source2)).map((x) => x.value!.toString())).toEqual(['0', '2', '4', '6', '7', '8', '9'])
  })

  it('--dry-run changes nothing: no record produced, no replay group, no transaction', async () => {
    const source = await fx.topic(uniq('kdlq-dry'))
    const dlq = await fx.topic(`${source}.DLT`)
    await fx.produce(
      dlq,
      Array.from({length: 5}, (_, i) => ({value: Buffer.from(String(i)), headers: springHeaders(source, 0, i)})),
    )
    const r = await cg('dlq', 'replay', source, '--dry-run')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain(`Dry run: would replay 5 records of ${dlq}. Nothing changed.`)
    expect(r.stdout).toMatch(new RegExp(`${source}\\s.*spring.*\\s5\\s.*0:0 0:1 0:2`))
    expect(await fx.readAll(source)).toHaveLength(0)
    expect(await fx.groupExists(`cg-replay.${dlq}`)).toBe(false)
    expect(await fx.committedTotal(`cg-replay.${dlq}`, dlq, 1)).toBe(0)
  })

  it('flags of other brokers are usage errors (exit 2): nothing is replayed and no replay group appears', async () => {
    const source = await fx.topic(uniq('kdlq-foreign'))
    const dlq = await fx.topic(`${source}.dlq`)
    await fx.produce(dlq, [{value: Buffer.from('x')}])
    for (const flags of [
      ['--ids', '0-1'],
      ['--to-exchange', 'orders'],
      ['--routing-key', 'k'],
    ]) {
      const r = await cg('dlq', 'replay', source, ...flags)
      expect(r.code, `${flags.join(' ')}: ${r.stderr}`).toBe(2)
      expect(r.stderr).toContain('it means nothing on Kafka')
    }
    expect(await fx.readAll(source)).toHaveLength(0)
    expect(await fx.groupExists(`cg-replay.${dlq}`)).toBe(false)
  })

  it('a record whose target topic does not exist fails (exit 3) and its partition stops there', async () => {
    const source = await fx.topic(uniq('kdlq-miss'))
    const dlq = await fx.topic(`${source}.dlq`)
    await fx.produce(dlq, [
      {value: Buffer.from('a')},
      {value: Buffer.from('b'), headers: [['kafka_dlt-original-topic', 'cgtest-no-such-topic']]},
      {value: Buffer.from('c')},
    ])
    const r = await cg('dlq', 'replay', source, '--json')
    expect(r.code).toBe(3)
    expectValid('dlq-replay.json', r.json())
    expect(r.json().totals).toMatchObject({replayed: 1, failed: 1})
    expect(r.json().failures).toEqual([{partition: 0, offset: '1', target: 'cgtest-no-such-topic', error: 'target topic cgtest-no-such-topic does not exist'}])
    expect((await fx.readAll(source)).map((x) => x.value!.toString())).toEqual(['a'])
    // fixed with --to: the rerun starts at the failed record
    const fixed = await cg('dlq', 'replay', source, '--to', source, '--json')
    expect(fixed.code, fixed.stderr).toBe(0)
    expect((await fx.readAll(source)).map((x) => x.value!.toString())).toEqual(['a', 'b', 'c'])
  })

  it('unknown DLQ topic exits 5; unknown --to exits 5', async () => {
    const r = await cg('dlq', 'replay', uniq('kdlq-none'))
    expect(r.code).toBe(5)
    expect(r.stderr).toMatch(/no dead-letter topic: .*\.dlq, .*-dlq, .*\.DLT do not exist/)
    const n = await cg('dlq', 'replay', '--dlq', uniq('kdlq-none'), '--json')
    expect(n.code).toBe(5)
    expectValid('error.json', n.json())
    const source = await fx.topic(uniq('kdlq-to'))
    await fx.topic(`${source}.dlq`)
    const to = await cg('dlq', 'replay', source, '--to', 'cgtest-no-such-target')
    expect(to.code).toBe(5)
  })

  it('shows progress on a terminal', async () => {
    const source = await fx.topic(uniq('kdlq-tty'))
    const dlq = await fx.topic(`${source}.DLT`)
    await fx.produce(
      dlq,
      Array.from({length: 3000}, (_, i) => ({value: Buffer.from(String(i)), headers: springHeaders(source, 0, i)})),
    )
    const r = await runCgTty(['dlq', 'replay', source, '--url', target.url, '--rate', '10000/s'])
    expect(r.code).toBe(0)
    expect(r.output).toMatch(/replaying: \d+\/3000 \(\d+%\)/)
    expect(r.output).toContain('replayed 3000, skipped 0, failed 0')
  })
})

describe('dlq replay on Kafka: broker unreachable', () => {
  it('exits 69 quickly', async () => {
    const started = Date.now()
    const r = await runCg(['dlq', 'replay', 'orders', '--url', 'kafka://127.0.0.1:1', '--timeout', '2000'])
    expect(r.code).toBe(69)
    expect(r.stderr).toMatch(/cannot reach Kafka at 127\.0\.0\.1:1/)
    expect(Date.now() - started).toBeLessThan(30_000)
  })
})
