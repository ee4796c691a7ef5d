import calculateSlot from 'cluster-key-slot'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {Cluster} from 'ioredis'
import {runCg} from '../../helpers/cli.js'
import {CLUSTER_URL, cluster, seedGroup, uniq} from '../../helpers/redis.js'

const URL = ['--url', CLUSTER_URL]
const BIN_VALUE = Buffer.from([0, 255, 254, 10, 13])
const INVALID_UTF8 = Buffer.from([0xc3, 0x28, 0xa0, 0xa1])

/** The journal key cg keeps in the slot of `key` (see RedisDlq). */
const journalOf = (key: string) => {
  const m = /\{([^}]+)\}/.exec(key)
  return `{${m ? m[1] : key}}:cg:journal`
}

describe('dlq on a Redis cluster', () => {
  let c: Cluster
  const keys: string[] = []
  const track = (...ks: string[]) => {
    keys.push(...ks)
    return ks[0]
  }

  beforeAll(async () => {
    c = await cluster()
  })
  afterAll(async () => {
    for (const k of keys) await c.del(k)
    await c.quit()
  })

  it('stream and DLQ in different slots: two-step move and replay, binary-exact, journal left empty', async () => {
    const s = track(uniq('orders'))
    const dlq = track(`${s}:dlq`)
    track(journalOf(dlq), journalOf(s))
    expect(calculateSlot(s)).not.toBe(calculateSlot(dlq))
    const original = [Buffer.from('blob'), BIN_VALUE, Buffer.from('bad'), INVALID_UTF8]
    const ids = [String(await c.xadd(s, '*', ...original))]
    for (let i = 0; i < 5; i++) ids.push(String(await c.xadd(s, '*', 'n', String(i))))
    await c.xgroup('CREATE', s, 'g', '0')
    await c.xreadgroup('GROUP', 'g', 'c1', 'STREAMS', s, '>')
    await c.call('XCLAIM', s, 'g', 'c1', 0, ids[0], ids[2], ids[4], 'RETRYCOUNT', 3, 'JUSTID')

    const res = await runCg(['dlq', 'move', s, 'g', '--max-deliveries', '3', '--json', ...URL])
    expect(res.code, res.stderr).toBe(0)
    const out = res.json()
    expect(out.mode).toBe('two-step')
    expect(out.totals).toMatchObject({moved: 3, failed: 0})
    expect(((await c.xpending(s, 'g')) as [number])[0]).toBe(3)
    expect(await c.xlen(dlq)).toBe(3)
    expect(await c.exists(journalOf(dlq))).toBe(0)

    const back = await runCg(['dlq', 'replay', s, '--json', ...URL])
    expect(back.code, back.stderr).toBe(0)
    expect(back.json().totals).toMatchObject({replayed: 3, failed: 0, targets: [{target: s, mode: 'two-step', replayed: 3}]})
    expect(await c.xlen(dlq)).toBe(0)
    expect(await c.exists(journalOf(s))).toBe(0)
    const entries = await c.xrangeBuffer(s, '-', '+')
    expect(entries).toHaveLength(9)
    expect(entries[6][1]).toEqual(original)
    expect(entries.slice(7).map(([, f]) => f.map(String))).toEqual([
      ['n', '1'],
      ['n', '3'],
    ])
  })

  it('two-step resume: a move killed after step 1 is only acked; a replay killed after step 1 is only deleted', async () => {
    const s = track(uniq('resume'))
    const dlq = track(`${s}:dlq`)
    track(journalOf(dlq), journalOf(s))
    const ids = await seedGroup(c, s, 'g', 4)

    // as if a move died after writing the DLQ entry and its marker, before XACK
    const early = String(
      await c.xadd(
        dlq,
        '*',
        'n',
        '0',
        'payload',
        'p-0',
        'original_id',
        ids[0],
        'original_stream',
        s,
        'original_group',
        'g',
        'consumer',
        'c1',
        'delivery_count',
        '1',
        'reason',
        'x',
        'failed_at',
        '1',
      ),
    )
    await c.hset(journalOf(dlq), `${s}\ng\n${ids[0]}`, early)
    const res = await runCg(['dlq', 'move', s, 'g', '--ids', ids[0], ids[1], '--json', ...URL])
    expect(res.code, res.stderr).toBe(0)
    expect(res.json().totals).toMatchObject({moved: 1, resumed: 1, failed: 0})
    expect(await c.xlen(dlq)).toBe(2)
    expect(((await c.xpending(s, 'g')) as [number])[0]).toBe(2)
    expect(await c.exists(journalOf(dlq))).toBe(0)

    // as if a replay died after writing to the target and the marker, before XDEL
    const [firstDlq] = await c.xrange(dlq, '-', '+')
    const written = String(await c.xadd(s, '*', 'n', '0', 'payload', 'p-0'))
    await c.hset(journalOf(s), `${dlq}\n${firstDlq[0]}`, written)
    const back = await runCg(['dlq', 'replay', s, '--json', ...URL])
    expect(back.code, back.stderr).toBe(0)
    // the half-done one is finished first (deleted from the DLQ, not written again)
    expect(back.json().totals).toMatchObject({resumed: 1, replayed: 1, failed: 0})
    expect(back.json().entries).toMatchObject([{status: 'replayed', note: null}])
    expect(back.json().entries[0].dlqId).not.toBe(firstDlq[0])
    expect(await c.xlen(s)).toBe(6) // 4 seeded + the resumed one + one new
    expect(await c.xlen(dlq)).toBe(0)
    expect(await c.exists(journalOf(s))).toBe(0)
  })

  it('stream and DLQ sharing a hash tag: the atomic path, both layouts', async () => {
    const tag = uniq('tag').replace(/[{}]/g, '')
    const s = track(`{${tag}}`)
    const dlq = track(`{${tag}}:dlq`)
    expect(calculateSlot(s)).toBe(calculateSlot(dlq))
    const ids = await seedGroup(c, s, 'g', 10, ['w1', 'w2'])
    await c.call('XCLAIM', s, 'g', 'w2', 0, ...ids.slice(5), 'RETRYCOUNT', 4, 'JUSTID')
    const res = await runCg(['dlq', 'move', s, 'g', '--max-deliveries', '3', '--json', ...URL])
    expect(res.code, res.stderr).toBe(0)
    expect(res.json()).toMatchObject({mode: 'atomic', totals: {moved: 5, failed: 0}})
    await c.xadd(
      dlq,
      '*',
      'original_id',
      '1-1',
      'original_data',
      JSON.stringify({n: 'b', payload: 'from-node'}),
      'failed_at',
      '1700000000000',
      'consumer',
      'w9',
    )

    const list = (await runCg(['dlq', 'list', s, '--json', ...URL])).json()
    expect(list.entries.map((e: any) => e.layout)).toEqual(['a', 'a', 'a', 'a', 'a', 'b'])
    const back = await runCg(['dlq', 'replay', s, '--json', ...URL])
    expect(back.code, back.stderr).toBe(0)
    expect(back.json().totals).toMatchObject({replayed: 6, targets: [{target: s, mode: 'atomic', replayed: 6}]})
    const added = (await c.xrange(s, '-', '+')).slice(10).map(([, f]) => f.join('='))
    expect(added).toEqual(['n=5=payload=p-5', 'n=6=payload=p-6', 'n=7=payload=p-7', 'n=8=payload=p-8', 'n=9=payload=p-9', 'n=b=payload=from-node'])
    expect(await c.xlen(dlq)).toBe(0)
  })
})
