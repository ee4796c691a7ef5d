import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {Redis} from 'ioredis'
import {runCg} from '../../helpers/cli.js'
import {REDIS_URL, redis, uniq} from '../../helpers/redis.js'

const URL = ['--url', REDIS_URL]
const BIN_VALUE = Buffer.from([0, 255, 254, 10, 13])
const INVALID_UTF8 = Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1])

/** Python's json.dumps: ", " / ": " separators and ensure_ascii (\uXXXX for everything non-ASCII). */
function pyDumps(obj: Record<string, string>): string {
  const s = (v: string) => JSON.stringify(v).replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'))
  return (
    '{' +
    Object.entries(obj)
      .map(([k, v]) => `${s(k)}: ${s(v)}`)
      .join(', ') +
    '}'
  )
}

/** Fields of an entry read with XRANGE as raw bytes, as [name, value] pairs. */
async function rawEntries(r: Redis, key: string): Promise<Array<{id: string; fields: Buffer[]}>> {
  return (await r.xrangeBuffer(key, '-', '+')).map(([id, f]) => ({id: id.toString(), fields: f}))
}

/** Sets the delivery count of pending entries (XCLAIM RETRYCOUNT), as if they failed that often. */
async function setDeliveries(r: Redis, stream: string, group: string, consumer: string, ids: string[], n: number): Promise<void> {
  await r.call('XCLAIM', stream, group, consumer, 0, ...ids, 'RETRYCOUNT', n, 'JUSTID')
}

describe('dlq on a standalone Redis', () => {
  let r: Redis
  const keys: string[] = []
  const key = (name: string) => {
    const k = uniq(name)
    keys.push(k, `${k}:dlq`)
    return k
  }

  beforeAll(async () => {
    r = await redis()
  })
  afterAll(async () => {
    if (keys.length) await r.del(...keys)
    await r.quit()
  })

  it('seed 001 scenario: --max-deliveries 3 moves the failing tasks to tasks:dlq, replay puts them back', async () => {
    const tasks = key('tasks')
    const ids: string[] = []
    for (let i = 0; i < 10; i++) ids.push(String(await r.xadd(tasks, '*', 'task', `process-order-${i}`, 'attempt', '0')))
    await r.xgroup('CREATE', tasks, 'workers', '0')
    await r.xreadgroup('GROUP', 'workers', 'worker1', 'COUNT', 5, 'STREAMS', tasks, '>')
    await r.xreadgroup('GROUP', 'workers', 'worker2', 'COUNT', 5, 'STREAMS', tasks, '>')
    const failing = [ids[1], ids[3], ids[6], ids[8]]
    await setDeliveries(r, tasks, 'workers', 'worker1', [ids[1], ids[3]], 3)
    await setDeliveries(r, tasks, 'workers', 'worker2', [ids[6]], 5)
    await setDeliveries(r, tasks, 'workers', 'worker2', [ids[8]], 4)
    await setDeliveries(r, tasks, 'workers', 'worker2', [ids[9]], 2)

    const dry = await runCg(['dlq', 'move', tasks, 'workers', '--max-deliveries', '3', '--dry-run', '--json', ...URL])
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.json().plan).toMatchObject({count: 4, firstIds: failing})
    expect(await r.exists(`${tasks}:dlq`)).toBe(0)

    const res = await runCg(['dlq', 'move', tasks, 'workers', '--max-deliveries', '3', '--json', ...URL])
    expect(res.code, res.stderr).toBe(0)
    const out = res.json()
    expect(out.totals).toMatchObject({moved: 4, deleted: 0, skipped: 0, failed: 0})
    expect(out.entries.map((e: any) => e.id)).toEqual(failing)
    expect(out.mode).toBe('atomic')

    // acked, not deleted: the stream keeps all ten entries, the PEL lost the four
    expect(await r.xlen(tasks)).toBe(10)
    const pel = (await r.xpending(tasks, 'workers', '-', '+', 100)) as Array<[string]>
    expect(pel.map((p) => p[0])).toEqual(ids.filter((id) => !failing.includes(id)))

    const dlq = await r.xrange(`${tasks}:dlq`, '-', '+')
    expect(dlq.map(([id]) => id)).toEqual(out.entries.map((e: any) => e.dlqId))
    const [, f] = dlq[0]
    expect(f.slice(0, 4)).toEqual(['task', 'process-order-1', 'attempt', '0'])
    const rest = f.slice(4)
    const meta = Object.fromEntries(rest.filter((_, i) => i % 2 === 0).map((k, i) => [k, rest[2 * i + 1]]))
    expect(meta).toMatchObject({
      original_id: ids[1],
      original_stream: tasks,
      original_group: 'workers',
      consumer: 'worker1',
      delivery_count: '3',
      reason: 'max_deliveries_exceeded',
    })
    expect(Math.abs(Number(meta.failed_at) - Date.now())).toBeLessThan(60_000)

    const list = await runCg(['dlq', 'list', tasks, '--json', ...URL])
    expect(list.code).toBe(0)
    expect(list.json().entries.map((e: any) => [e.originalId, e.deliveryCount, e.layout])).toEqual([
      [ids[1], 3, 'a'],
      [ids[3], 3, 'a'],
      [ids[6], 5, 'a'],
      [ids[8], 4, 'a'],
    ])

    const rerun = await runCg(['dlq', 'move', tasks, 'workers', '--max-deliveries', '3', '--json', ...URL])
    expect(rerun.json().totals).toMatchObject({moved: 0, failed: 0})

    const back = await runCg(['dlq', 'replay', tasks, '--json', ...URL])
    expect(back.code, back.stderr).toBe(0)
    expect(back.json().totals).toMatchObject({replayed: 4, skipped: 0, failed: 0, targets: [{target: tasks, mode: 'atomic', replayed: 4}]})
    expect(await r.xlen(`${tasks}:dlq`)).toBe(0)
    const after = await r.xrange(tasks, '-', '+')
    expect(after.slice(10).map(([, fields]) => fields[1])).toEqual(['process-order-1', 'process-order-3', 'process-order-6', 'process-order-8'])
    expect(after.slice(10).every(([, fields]) => fields.length === 4)).toBe(true)
  })

  it('moves and replays binary field values byte for byte', async () => {
    const s = key('bin')
    const original = [Buffer.from('blob'), BIN_VALUE, Buffer.from('bad'), INVALID_UTF8, Buffer.from([0xff, 0x00]), Buffer.from('x')]
    const id = String(await r.xadd(s, '*', ...original))
    await r.xgroup('CREATE', s, 'g', '0')
    await r.xreadgroup('GROUP', 'g', 'c', 'STREAMS', s, '>')
    const res = await runCg(['dlq', 'move', s, 'g', '--ids', id, '--reason', 'poison', '--json', ...URL])
    expect(res.code, res.stderr).toBe(0)
    expect(res.json().totals.moved).toBe(1)

    const peek = (await runCg(['dlq', 'peek', s, '--json', ...URL])).json()
    const fields = peek.entries[0].fields
    expect(fields[0]).toEqual({name: 'blob', value: BIN_VALUE.toString('base64'), encoding: 'base64'})
    expect(fields[1]).toEqual({name: 'bad', value: INVALID_UTF8.toString('base64'), encoding: 'base64'})
    expect(fields[2]).toEqual({name: Buffer.from([0xff, 0x00]).toString('base64'), nameEncoding: 'base64', value: 'x', encoding: 'utf8'})
    expect(peek.entries[0].reason).toBe('poison')

    const back = await runCg(['dlq', 'replay', s, '--json', ...URL])
    expect(back.code, back.stderr).toBe(0)
    const entries = await rawEntries(r, s)
    expect(entries).toHaveLength(2)
    expect(entries[1].fields).toEqual(original)
  })

  it('replays layout (a) exactly as seed 001 dlq_handler.py writes it, binary values included', async () => {
    const s = key('tasks')
    const dlq = `${s}:dlq`
    const originals = [
      [Buffer.from('task'), Buffer.from('resize-image-1'), Buffer.from('bytes'), BIN_VALUE],
      [Buffer.from('task'), Buffer.from('send-email-1'), Buffer.from('raw'), INVALID_UTF8, Buffer.from('note'), Buffer.from('é 😀')],
    ]
    for (const [i, f] of originals.entries()) {
      // {**fields, 'original_id': msg_id, 'original_stream': stream_name, 'delivery_count': str(deliveries), 'reason': ...}
      await r.xadd(dlq, '*', ...f, 'original_id', `1700000000000-${i}`, 'original_stream', s, 'delivery_count', '3', 'reason', 'max_deliveries_exceeded')
    }
    const list = (await runCg(['dlq', 'list', s, '--json', ...URL])).json()
    expect(list.entries.map((e: any) => [e.layout, e.originalId, e.deliveryCount, e.failedAt, e.consumer])).toEqual([
      ['a', '1700000000000-0', 3, null, null],
      ['a', '1700000000000-1', 3, null, null],
    ])
    const res = await runCg(['dlq', 'replay', s, '--json', ...URL])
    expect(res.code, res.stderr).toBe(0)
    expect(res.json().totals.replayed).toBe(2)
    expect((await rawEntries(r, s)).map((e) => e.fields)).toEqual(originals)
    expect(await r.xlen(dlq)).toBe(0)
  })

  it('replays layout (b) exactly as seed 004 writes it (Python seconds and Node ms failed_at)', async () => {
    const s = key('orders')
    const dlq = `${s}:dlq`
    const pyData = {order: '42', blob: '\u0000\u00ff\u00fe\n\r', text: 'café 😀'}
    const nodeData = {order: '43', payload: '{"nested":true}', ctrl: '\u0000\u0001'}
    // Python _move_to_dlq: json.dumps(data), str(time.time())
    await r.xadd(dlq, '*', 'original_id', '1700000000000-0', 'original_data', pyDumps(pyData), 'failed_at', '1700000000.123456', 'consumer', 'consumer-py')
    // Node moveToDLQ: JSON.stringify(data), Date.now().toString()
    await r.xadd(
      dlq,
      '*',
      'original_id',
      '1700000000001-0',
      'original_data',
      JSON.stringify(nodeData),
      'failed_at',
      '1700000000456',
      'consumer',
      'consumer-node',
    )

    const list = (await runCg(['dlq', 'list', s, '--json', ...URL])).json()
    expect(list.entries.map((e: any) => [e.layout, e.originalId, e.failedAt, e.consumer, e.originalStream])).toEqual([
      ['b', '1700000000000-0', 1700000000123, 'consumer-py', null],
      ['b', '1700000000001-0', 1700000000456, 'consumer-node', null],
    ])
    const peek = (await runCg(['dlq', 'peek', s, '--json', ...URL])).json()
    expect(peek.entries[0].replayFields).toEqual([
      {name: 'order', value: '42', encoding: 'utf8'},
      {name: 'blob', value: '\u0000\u00ff\u00fe\n\r', encoding: 'utf8'},
      {name: 'text', value: 'café 😀', encoding: 'utf8'},
    ])

    // No original_stream: the target is the DLQ key without ":dlq"
    const res = await runCg(['dlq', 'replay', '--dlq', dlq, '--json', ...URL])
    expect(res.code, res.stderr).toBe(0)
    expect(res.json().totals).toMatchObject({replayed: 2, failed: 0, targets: [{target: s, replayed: 2}]})
    const flat = (o: Record<string, string>) => Object.entries(o).flatMap(([k, v]) => [Buffer.from(k), Buffer.from(v, 'utf8')])
    expect((await rawEntries(r, s)).map((e) => e.fields)).toEqual([flat(pyData), flat(nodeData)])
  })

  it('--where, --ids, --limit and --dry-run choose what is replayed; a dry run changes nothing', async () => {
    const s = key('filt')
    const dlq = `${s}:dlq`
    const dlqIds: string[] = []
    for (let i = 0; i < 12; i++) {
      const reason = i % 3 === 0 ? 'timeout' : 'max_deliveries_exceeded'
      dlqIds.push(
        String(
          await r.xadd(
            dlq,
            '*',
            'n',
            String(i),
            'original_id',
            `1-${i}`,
            'original_stream',
            s,
            'consumer',
            i % 2 ? 'w1' : 'w2',
            'delivery_count',
            '3',
            'reason',
            reason,
            'failed_at',
            '1700000000000',
          ),
        ),
      )
    }
    // layout (b): --where also matches decoded original_data fields
    dlqIds.push(
      String(
        await r.xadd(dlq, '*', 'original_id', '1-99', 'original_data', JSON.stringify({n: '99', kind: 'special'}), 'failed_at', '1700000000', 'consumer', 'w1'),
      ),
    )

    const dry = await runCg(['dlq', 'replay', s, '--where', 'reason=timeout', '--dry-run', '--json', ...URL])
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.json().plan).toMatchObject({count: 4, targets: [{target: s, count: 4, firstIds: [dlqIds[0], dlqIds[3], dlqIds[6], dlqIds[9]]}]})
    expect(await r.xlen(dlq)).toBe(13)
    expect(await r.exists(s)).toBe(0)

    const two = await runCg(['dlq', 'replay', s, '--where', 'reason=timeout', '--where', 'consumer=w1', '--json', ...URL])
    expect(two.json().entries.map((e: any) => e.dlqId)).toEqual([dlqIds[3], dlqIds[9]])

    const special = await runCg(['dlq', 'replay', s, '--where', 'kind=special', '--json', ...URL])
    expect(special.json().entries.map((e: any) => e.dlqId)).toEqual([dlqIds[12]])

    const byIds = await runCg(['dlq', 'replay', s, '--ids', dlqIds[1], dlqIds[2], '9999999999999-0', '--json', ...URL])
    expect(byIds.code, byIds.stderr).toBe(0)
    expect(byIds.json().totals).toMatchObject({replayed: 2, skipped: 1, failed: 0})

    const limited = await runCg(['dlq', 'replay', s, '--limit', '3', '--json', ...URL])
    expect(limited.json().entries.map((e: any) => e.dlqId)).toEqual([dlqIds[0], dlqIds[4], dlqIds[5]])

    const rated = await runCg(['dlq', 'replay', s, '--rate', '10/s', '--json', ...URL])
    expect(rated.code, rated.stderr).toBe(0)
    expect(rated.json().totals.replayed).toBe(5)
    expect(await r.xlen(dlq)).toBe(0)
    const ns = (await r.xrange(s, '-', '+')).map(([, f]) => f[1])
    expect(ns.sort()).toEqual(['0', '1', '10', '11', '2', '3', '4', '5', '6', '7', '8', '9', '99'])
  })

  it('move: --min-idle, --ids, --limit, --dry-run, and a dangling entry reported as deleted', async () => {
    const s = key('mv')
    const ids: string[] = []
    for (let i = 0; i < 8; i++) ids.push(String(await r.xadd(s, '*', 'n', String(i))))
    await r.xgroup('CREATE', s, 'g', '0')
    await r.xreadgroup('GROUP', 'g', 'c1', 'STREAMS', s, '>')
    await r.xdel(s, ids[0])

    const dry = await runCg(['dlq', 'move', s, 'g', '--min-idle', '0', '--limit', '3', '--dry-run', '--json', ...URL])
    expect(dry.json().plan).toMatchObject({count: 3, firstIds: ids.slice(0, 3), consumers: [{consumer: 'c1', count: 3}]})
    expect(((await r.xpending(s, 'g')) as [number])[0]).toBe(8)

    const ided = await runCg(['dlq', 'move', s, 'g', '--ids', ids[0], ids[5], '--json', ...URL])
    expect(ided.code, ided.stderr).toBe(0)
    expect(ided.json().entries.map((e: any) => [e.id, e.status])).toEqual([
      [ids[0], 'deleted'],
      [ids[5], 'moved'],
    ])
    const again = await runCg(['dlq', 'move', s, 'g', '--ids', ids[5], '--json', ...URL])
    expect(again.json().entries).toMatchObject([{id: ids[5], status: 'skipped'}])

    const lim = await runCg(['dlq', 'move', s, 'g', '--min-idle', '0', '--limit', '2', '--json', ...URL])
    expect(lim.json().entries.map((e: any) => e.id)).toEqual([ids[1], ids[2]])
    expect(((await r.xpending(s, 'g')) as [number])[0]).toBe(4)
    expect(await r.xlen(`${s}:dlq`)).toBe(3)

    const refuse = await runCg(['dlq', 'move', s, 'g', ...URL])
    expect(refuse.code).toBe(2)
    const noGroup = await runCg(['dlq', 'move', s, 'nope', '--max-deliveries', '1', '--json', ...URL])
    expect(noGroup.code).toBe(5)
  })

  it('purge: dry run, filtered, all; missing DLQ -> 5, wrong type -> 2', async () => {
    const s = key('pg')
    const dlq = `${s}:dlq`
    for (let i = 0; i < 6; i++) await r.xadd(dlq, '*', 'n', String(i), 'reason', i < 2 ? 'old' : 'new')
    const dry = await runCg(['dlq', 'purge', s, '--where', 'reason=old', '--dry-run', '--json', ...URL])
    expect(dry.json()).toMatchObject({dryRun: true, plan: {count: 2}, all: false})
    expect(await r.xlen(dlq)).toBe(6)
    const refused = await runCg(['dlq', 'purge', s, ...URL])
    expect(refused.code).toBe(4)
    const some = await runCg(['dlq', 'purge', s, '--where', 'reason=old', '--yes', '--json', ...URL])
    expect(some.json()).toMatchObject({totals: {purged: 2}})
    expect(await r.xlen(dlq)).toBe(4)
    const all = await runCg(['dlq', 'purge', s, '--yes', '--json', ...URL])
    expect(all.json()).toMatchObject({totals: {purged: 4}, all: true})
    expect(await r.xlen(dlq)).toBe(0)

    const missing = await runCg(['dlq', 'list', `${s}-none`, '--json', ...URL])
    expect(missing.code).toBe(5)
    expect(missing.json().error.hint).toMatch(/--dlq/)
    const h = key('hash')
    await r.hset(`${h}:dlq`, 'a', 'b')
    for (const cmd of ['list', 'peek', 'replay']) expect((await runCg(['dlq', cmd, h, ...URL])).code).toBe(2)
  })

  it('SOURCE and the DLQ come from the profile; no target at all is a usage error', async () => {
    const s = key('prof')
    const custom = key('custom-dead')
    await r.xadd(custom, '*', 'k', 'v', 'original_id', '1-1')
    const cwd = mkdtempSync(join(tmpdir(), 'cg-dlq-'))
    writeFileSync(join(cwd, '.cg.yaml'), `default: p\nprofiles:\n  p:\n    url: ${REDIS_URL}\n    stream: ${s}\n    group: g\n    dlq: ${custom}\n`, {
      mode: 0o600,
    })
    const noTarget = await runCg(['dlq', 'replay', '--dlq', custom, '--json'])
    expect(noTarget.code).toBe(2)
    const res = await runCg(['dlq', 'replay', '--json'], {cwd})
    expect(res.code, res.stderr).toBe(0)
    expect(res.json().totals).toMatchObject({replayed: 1, targets: [{target: s}]})
    expect(await r.xrange(s, '-', '+')).toMatchObject([[expect.any(String), ['k', 'v']]])
  })
})
