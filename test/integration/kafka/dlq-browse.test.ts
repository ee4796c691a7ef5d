// cg dlq list / peek / purge on Kafka: read-only reads (no group, no commit) and DeleteRecords.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {runCg} from '../../helpers/cli.js'
import {KAFKA_TARGETS} from '../../helpers/kafka.js'
import {expectValid} from '../../helpers/schemas.js'
import {KafkaDlqFixture, springHeaders, uniq} from './dlq-fixtures.js'

describe.each(KAFKA_TARGETS)('dlq list/peek/purge on $name', (target) => {
  let fx: KafkaDlqFixture
  const cg = (...args: string[]) => runCg([...args, '--url', target.url])
  beforeAll(() => {
    fx = new KafkaDlqFixture(target.bootstrap)
  })
  afterAll(async () => fx.close())

  async function filled() {
    const source = await fx.topic(uniq('kdlq-browse'), 2)
    const dlq = await fx.topic(`${source}-dlq`, 2)
    await fx.produce(dlq, [
      {partition: 0, key: Buffer.from('a'), value: Buffer.from('{"n":1}'), headers: springHeaders(source, 1, 10, 'NumberFormatException')},
      {partition: 0, key: Buffer.from([0xff, 0xfe]), value: Buffer.from([0, 1, 2, 0xff]), headers: [['cg-replay-count', '2']]},
      {partition: 1, key: null, value: Buffer.from('plain'), headers: [['kind', 'x']]},
    ])
    return {source, dlq}
  }

  it('list: one row per record with offset, key, target, reason; commits nothing', async () => {
    const {source, dlq} = await filled()
    const r = await cg('dlq', 'list', source, '--json')
    expect(r.code, r.stderr).toBe(0)
    const doc = r.json()
    expectValid('dlq-list.json', doc)
    expect(doc).toMatchObject({broker: 'kafka', dlq, length: 3})
    expect(doc.entries).toEqual([
      expect.objectContaining({
        dlqId: '0:0',
        partition: 0,
        offset: '0',
        key: 'a',
        keyEncoding: 'utf8',
        target: source,
        targetFrom: 'spring',
        reason: 'NumberFormatException',
        replayCount: null,
        headerCount: 4,
        valueBytes: 7,
      }),
      expect.objectContaining({
        partition: 0,
        offset: '1',
        key: Buffer.from([0xff, 0xfe]).toString('base64'),
        keyEncoding: 'base64',
        target: source,
        targetFrom: 'dlq-name',
        replayCount: 2,
        valueBytes: 4,
      }),
      expect.objectContaining({partition: 1, offset: '0', key: null, keyEncoding: null, target: source, reason: null}),
    ])
    expect(typeof doc.entries[0].timestamp).toBe('number')
    const where = await cg('dlq', 'list', source, '--where', 'kind=x', '--json')
    expect(where.json().entries.map((e: {partition: number}) => e.partition)).toEqual([1])
    const count = await cg('dlq', 'list', '--dlq', dlq, '--count', '1', '--json')
    expect(count.json().entries).toHaveLength(1)
    const human = await cg('dlq', 'list', source)
    expect(human.stdout).toMatch(/0:0\s+\S+\s+a\s+.*spring/)
    // read-only: no group of cg's was created or committed to
    const groups = await fx.admin.listGroups({types: ['classic', 'consumer']})
    expect([...groups.keys()].filter((g) => g.includes(dlq))).toEqual([])
  })

  it('peek: full records, text or base64, and one record by PARTITION:OFFSET', async () => {
    const {source, dlq} = await filled()
    const r = await cg('dlq', 'peek', source, '--json')
    expect(r.code, r.stderr).toBe(0)
    expectValid('dlq-peek.json', r.json())
    const [first, second] = r.json().entries
    expect(first).toMatchObject({value: '{"n":1}', valueEncoding: 'utf8'})
    expect(first.headerList[0]).toEqual({name: 'kafka_dlt-original-topic', value: source, encoding: 'utf8'})
    expect(first.headerList[1]).toEqual({name: 'kafka_dlt-original-partition', value: Buffer.from([0, 0, 0, 1]).toString('base64'), encoding: 'base64'})
    expect(second).toMatchObject({value: Buffer.from([0, 1, 2, 0xff]).toString('base64'), valueEncoding: 'base64'})
    const one = await cg('dlq', 'peek', '--dlq', dlq, '1:0', '--json')
    expect(one.code, one.stderr).toBe(0)
    expect(one.json().entries).toEqual([expect.objectContaining({partition: 1, offset: '0', value: 'plain'})])
    const human = await cg('dlq', 'peek', source, '0:0')
    expect(human.stdout).toContain('header kafka_dlt-exception-message')
    expect(human.stdout).toContain('NumberFormatException')
    const missing = await cg('dlq', 'peek', source, '1:7')
    expect(missing.code).toBe(5)
    const bad = await cg('dlq', 'peek', source, 'nope')
    expect(bad.code).toBe(2)
  })

  it('purge: --dry-run counts, refuses without --yes, deletes up to the log end with --yes', async () => {
    const {source, dlq} = await filled()
    const dry = await cg('dlq', 'purge', source, '--dry-run', '--json')
    expect(dry.code, dry.stderr).toBe(0)
    expectValid('dlq-purge.json', dry.json())
    expect(dry.json()).toMatchObject({broker: 'kafka', dlq, dryRun: true, totals: {purged: 3}})
    expect((await fx.readAll(dlq)).length).toBe(3)
    const no = await cg('dlq', 'purge', source)
    expect(no.code).toBe(4)
    expect((await fx.readAll(dlq)).length).toBe(3)
    const sel = await cg('dlq', 'purge', source, '--where', 'kind=x', '--yes')
    expect(sel.code).toBe(2)
    expect(sel.stderr).toContain('--where is for Redis')
    expect((await fx.readAll(dlq)).length).toBe(3)
    const yes = await cg('dlq', 'purge', source, '--yes', '--json')
    expect(yes.code, yes.stderr).toBe(0)
    expect(yes.json()).toMatchObject({dryRun: false, totals: {purged: 3, skipped: 0, failed: 0, interrupted: false, error: null}})
    expect(await fx.readAll(dlq)).toHaveLength(0)
    const after = await cg('dlq', 'list', source, '--json')
    expect(after.json()).toMatchObject({length: 0, entries: []})
    // a replay after the purge finds nothing (the log start moved past everything)
    const replay = await cg('dlq', 'replay', source, '--json')
    expect(replay.json().totals.replayed).toBe(0)
  })
})
