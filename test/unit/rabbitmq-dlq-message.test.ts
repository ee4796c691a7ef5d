import {createHash} from 'node:crypto'
import {createRequire} from 'node:module'
import {dirname, join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {parseWhere} from '../../src/services/dlq-select.js'
import {
  amendedProperties,
  bodyView,
  deathsOf,
  type Delivery,
  headerJson,
  lastDeath,
  majorOf,
  matchesWhere,
  publishOptions,
  RAW_PROPERTIES,
  rawReplayId,
  rawRouteOf,
  replayCountOf,
  replayHeaders,
  replayIdOf,
  replayTarget,
  targetKey,
} from '../../src/brokers/rabbitmq/rabbitmq-dlq-message.js'

const xdeath = [
  {count: 2, reason: 'rejected', queue: 'orders', time: {'!': 'timestamp', value: 1700000000}, exchange: 'shop', 'routing-keys': ['order.created', 'audit']},
  {
    count: 1,
    reason: 'expired',
    queue: 'orders.wait',
    time: {'!': 'timestamp', value: 1690000000},
    exchange: '',
    'routing-keys': ['orders.wait'],
    'original-expiration': '5000',
  },
]

function msg(headers: Record<string, unknown> | undefined, extra: Partial<Delivery['properties']> = {}, redelivered = false): Delivery {
  return {
    content: Buffer.from('hello'),
    fields: {deliveryTag: 1, redelivered, exchange: 'dlx', routingKey: 'dead'},
    properties: {headers, messageId: 'm1', ...extra},
  }
}

describe('x-death', () => {
  it('reads the history, most recent first, with typed times', () => {
    const d = deathsOf({'x-death': xdeath})
    expect(d).toEqual([
      {
        reason: 'rejected',
        count: 2,
        queue: 'orders',
        exchange: 'shop',
        routingKeys: ['order.created', 'audit'],
        time: '2023-11-14T22:13:20.000Z',
        originalExpiration: null,
      },
      {
        reason: 'expired',
        count: 1,
        queue: 'orders.wait',
        exchange: '',
        routingKeys: ['orders.wait'],
        time: '2023-07-22T04:26:40.000Z',
        originalExpiration: '5000',
      },
    ])
    expect(deathsOf(undefined)).toEqual([])
    expect(deathsOf({'x-death': 'junk'})).toEqual([])
  })

  it('falls back to x-last-death-* (3.13+/4.x) when x-death is gone', () => {
    expect(lastDeath({'x-last-death-exchange': 'shop', 'x-last-death-reason': 'delivery_limit', 'x-last-death-queue': 'q'}, 4)).toMatchObject({
      exchange: 'shop',
      reason: 'delivery_limit',
      queue: 'q',
    })
    expect(lastDeath({}, 3)).toBeNull()
    expect(majorOf('3.10.8')).toBe(3)
    expect(majorOf('4.1.0')).toBe(4)
    expect(majorOf('unknown')).toBe(0)
  })
})

describe('replay target', () => {
  it('is x-death[0].exchange with its first routing key, the others as CC unless the message has a CC header', () => {
    const m = msg({'x-death': xdeath})
    const t = replayTarget(m, lastDeath(m.properties.headers, 3), {})!
    expect(t).toEqual({exchange: 'shop', routingKey: 'order.created', cc: ['audit']})
    expect(targetKey(t)).toBe('shop')
    const withCc = msg({'x-death': xdeath, CC: ['audit']})
    expect(replayTarget(withCc, lastDeath(withCc.properties.headers, 3), {})!.cc).toEqual([])
  })

  it('takes --to-exchange / --routing-key over x-death; keeps the original keys with --to-exchange alone', () => {
    const m = msg({'x-death': xdeath})
    const d = lastDeath(m.properties.headers, 3)
    expect(replayTarget(m, d, {exchange: 'other', routingKey: 'rk'})).toEqual({exchange: 'other', routingKey: 'rk', cc: []})
    expect(replayTarget(m, d, {exchange: 'other'})!.routingKey).toBe('order.created')
    // no x-death: only with --to-exchange, then with the delivery's own key
    expect(replayTarget(msg({}), null, {})).toBeNull()
    expect(replayTarget(msg({}), null, {exchange: ''})).toEqual({exchange: '', routingKey: 'dead', cc: []})
    expect(targetKey({exchange: '', routingKey: 'q', cc: []})).toBe('(default exchange) -> q')
  })
})

describe('replay headers', () => {
  it('keeps every original header, counts replays, and a stable id that ignores delivery counters', () => {
    const h = {'x-death': xdeath, tenant: 'a', raw: Buffer.from([1, 2])}
    const m = msg(h)
    const id = replayIdOf(m)
    expect(replayIdOf(msg({...h, 'x-delivery-count': 3}))).toBe(id)
    expect(replayIdOf(msg({...h, tenant: 'b'}))).not.toBe(id)
    expect(replayIdOf({...m, content: Buffer.from('other')})).not.toBe(id)
    const out = replayHeaders(m, id, 1_700_000_000_000)
    expect(out).toMatchObject({
      tenant: 'a',
      'x-death': xdeath,
      'x-cg-replay-count': 1,
      'x-cg-replay-id': id,
      'x-cg-replayed-at': {'!': 'timestamp', value: 1_700_000_000},
    })
    expect(out['x-cg-possible-duplicate']).toBeUndefined()
    expect(replayHeaders(msg(h, {}, true), id)['x-cg-possible-duplicate']).toBe(true)
    expect(replayCountOf(replayHeaders(msg({...h, 'x-cg-replay-count': 2}), id))).toBe(3)
  })

  it('publish options reproduce the properties, mandatory', () => {
    const m = msg({}, {contentType: 'text/plain', timestamp: 5, priority: 2, correlationId: 'c'})
    expect(publishOptions(m, {a: 1}, ['x'])).toEqual({
      mandatory: true,
      headers: {a: 1},
      contentType: 'text/plain',
      timestamp: 5,
      priority: 2,
      correlationId: 'c',
      messageId: 'm1',
      CC: ['x'],
    })
  })
})

describe('views and filters', () => {
  it('shows bodies as text or base64 and typed headers as JSON', () => {
    expect(bodyView(Buffer.from('héllo\n'))).toEqual({encoding: 'utf8', value: 'héllo\n', bytes: 7, truncated: false})
    expect(bodyView(Buffer.from([0xff, 0]))).toEqual({encoding: 'base64', value: '/wA=', bytes: 2, truncated: false})
    expect(bodyView(Buffer.from('abcdef'), 3)).toEqual({encoding: 'utf8', value: 'abc', bytes: 6, truncated: true})
    expect(headerJson({t: {'!': 'timestamp', value: 0}, b: Buffer.from('hi'), n: {x: [1, {'!': 'decimal', value: {places: 1, digits: 5}}]}})).toEqual({
      t: {type: 'timestamp', value: '1970-01-01T00:00:00.000Z'},
      b: {type: 'bytes', value: 'aGk='},
      n: {x: [1, {type: 'decimal', value: {places: 1, digits: 5}}]},
    })
  })

  it('--where matches headers, x-death fields and properties', () => {
    const m = msg({'x-death': xdeath, tenant: 'a', n: 5, raw: Buffer.from('zz')}, {type: 'order'})
    const d = lastDeath(m.properties.headers, 3)
    const w = (...e: string[]) => matchesWhere(m, d, parseWhere(e))
    expect(w('tenant=a')).toBe(true)
    expect(w('tenant=b')).toBe(false)
    expect(w('n=5', 'raw=zz')).toBe(true)
    expect(w('x-death.reason=rejected', 'x-death.exchange=shop', 'x-death.queue=orders')).toBe(true)
    expect(w('x-death.routing-key=audit')).toBe(true)
    expect(w('message-id=m1', 'type=order')).toBe(true)
    expect(w('missing=x')).toBe(false)
  })
})

describe('replayIdOf', () => {
  it('is sha-256 over the properties, the stable headers and the body (base64url, 22 characters)', () => {
    const m = msg({'x-death': xdeath, 'x-delivery-count': 3, tenant: 'a'}, {type: 'order'})
    const {headers, ...props} = m.properties
    const {'x-delivery-count': _, ...stable} = headers!
    const h = createHash('sha256')
    h.update(JSON.stringify(props) + '\0' + JSON.stringify(stable) + '\0')
    h.update(m.content)
    expect(replayIdOf(m)).toBe(h.digest('base64url').slice(0, 22))
  })
})

// amqplib's own codec (lib/defs.js): encodes properties as a publish does, decodes them as a delivery does
const defs = createRequire(import.meta.url)(join(dirname(createRequire(import.meta.url).resolve('amqplib')), 'lib', 'defs.js')) as {
  BasicProperties: number
  encodeProperties(id: number, channel: number, size: number, fields: Record<string, unknown>): Buffer
  decode(id: number, buf: Buffer): Record<string, unknown>
}
/** the content header payload amqplib writes for these properties (frame header and end stripped) */
const payloadOf = (props: Record<string, unknown>, size = 5) => {
  const frame = defs.encodeProperties(defs.BasicProperties, 1, size, props)
  return frame.subarray(7, frame.length - 1)
}
/** what a consumer decodes from a payload (class, weight, size stripped) */
const decoded = (payload: Buffer) => defs.decode(defs.BasicProperties, payload.subarray(12))
const clean = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined))

describe('amendedProperties: the replay headers spliced into an undecoded content header', () => {
  const props = {
    contentType: 'application/json',
    deliveryMode: 2,
    messageId: 'm1',
    timestamp: 1700000000,
    appId: 'shop',
    headers: {'x-death': xdeath, tenant: 'acme', attempt: 1, raw: Buffer.from('zz'), big: 2 ** 40},
  }
  const at = 1800000000

  it('gives the headers and properties the re-encoding path gives (replayHeaders + publishOptions), other bytes untouched', () => {
    const payload = payloadOf(props)
    const out = amendedProperties(payload, {count: 1, replayId: 'rid', at, possibleDuplicate: false})!
    expect(out.subarray(0, 12)).toEqual(payload.subarray(0, 12)) // class, weight, body size
    const m: Delivery = {
      content: Buffer.from('hello'),
      fields: {deliveryTag: 1, redelivered: false, exchange: 'dlx', routingKey: 'dead'},
      properties: decoded(payload),
    }
    const {mandatory, ...viaEncode} = publishOptions(m, replayHeaders(m, 'rid', at * 1000), [])
    expect(mandatory).toBe(true)
    const reencoded = decoded(payloadOf(viaEncode))
    expect(clean(decoded(out))).toEqual(clean(reencoded))
    expect(decoded(out).headers).toEqual({...props.headers, 'x-cg-replay-count': 1, 'x-cg-replay-id': 'rid', 'x-cg-replayed-at': {'!': 'timestamp', value: at}})
    // the original table's bytes come first, unchanged
    const table = payload.subarray(payload.indexOf(Buffer.from('x-death')) - 1, payload.indexOf(Buffer.from('big')) + 12)
    expect(out.includes(table)).toBe(true)
  })

  it("replaces cg's headers of an earlier replay; x-cg-possible-duplicate only when redelivered", () => {
    const before = {...props, headers: {...props.headers, 'x-cg-replay-count': 1, 'x-cg-replay-id': 'old', 'x-cg-possible-duplicate': true, after: 'x'}}
    const once = amendedProperties(payloadOf(before), {count: 2, replayId: 'new', at, possibleDuplicate: false})!
    const h = decoded(once).headers as Record<string, unknown>
    expect(h).toEqual({...props.headers, after: 'x', 'x-cg-replay-count': 2, 'x-cg-replay-id': 'new', 'x-cg-replayed-at': {'!': 'timestamp', value: at}})
    expect(Object.keys(h).filter((k) => k.startsWith('x-cg-'))).toEqual(['x-cg-replay-count', 'x-cg-replay-id', 'x-cg-replayed-at'])
    const dup = decoded(amendedProperties(payloadOf(before), {count: 300, replayId: 'new', at, possibleDuplicate: true})!).headers as Record<string, unknown>
    expect(dup['x-cg-possible-duplicate']).toBe(true)
    expect(dup['x-cg-replay-count']).toBe(300) // a short ('s'), as amqplib encodes 300
    expect(Object.keys(dup).filter((k) => k === 'x-cg-possible-duplicate')).toHaveLength(1)
  })

  it('adds a headers table when there was none, keeping the properties before and after it', () => {
    const bare = {
      contentType: 'text/plain',
      contentEncoding: 'gzip',
      replyTo: 'r',
      correlationId: 'c',
      priority: 3,
      expiration: '6000',
      type: 't',
      userId: 'guest',
    }
    const out = amendedProperties(payloadOf(bare), {count: 1, replayId: 'id', at, possibleDuplicate: true})!
    expect(clean(decoded(out))).toEqual({
      ...bare,
      headers: {'x-cg-replay-count': 1, 'x-cg-replay-id': 'id', 'x-cg-replayed-at': {'!': 'timestamp', value: at}, 'x-cg-possible-duplicate': true},
    })
    const none = amendedProperties(payloadOf({}), {count: 1, replayId: 'id', at, possibleDuplicate: false})!
    expect(clean(decoded(none))).toEqual({headers: {'x-cg-replay-count': 1, 'x-cg-replay-id': 'id', 'x-cg-replayed-at': {'!': 'timestamp', value: at}}})
  })

  it('refuses what it cannot pass through: cluster-id, a cut or malformed table', () => {
    const stamp = {count: 1, replayId: 'id', at, possibleDuplicate: false}
    expect(amendedProperties(payloadOf({clusterId: 'c', headers: {a: 1}}), stamp)).toBeNull()
    const payload = payloadOf(props)
    expect(amendedProperties(payload.subarray(0, payload.indexOf(Buffer.from('tenant'))), stamp)).toBeNull() // the table cut short
    const bad = Buffer.from(payload)
    bad[bad.indexOf(Buffer.from('tenant')) + 6] = 0x3f // an unknown type tag
    expect(amendedProperties(bad, stamp)).toBeNull()
    expect(amendedProperties(Buffer.alloc(5), stamp)).toBeNull()
  })
})

describe('rawReplayId: the replay id from the content header as it came', () => {
  const headers = {'x-death': xdeath, tenant: 'acme', attempt: 1}
  const body = Buffer.from('hello')
  const id = (props: Record<string, unknown>, content = body) => rawReplayId(payloadOf(props, content.length), content)

  it('ignores the delivery counters wherever they are in the table, and nothing else', () => {
    const base = id({messageId: 'm1', headers})
    expect(base).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(id({messageId: 'm1', headers: {'x-delivery-count': 3, ...headers}})).toBe(base)
    expect(id({messageId: 'm1', headers: {...headers, 'x-delivery-count': 300}})).toBe(base)
    expect(id({messageId: 'm1', headers: {tenant: 'acme', 'x-cg-possible-duplicate': true, attempt: 1, 'x-death': xdeath}})).not.toBe(base) // order counts
    expect(id({messageId: 'm1', headers: {'x-death': xdeath, 'x-cg-possible-duplicate': true, tenant: 'acme', attempt: 1}})).toBe(base)
    expect(id({messageId: 'm1', headers: {...headers, tenant: 'b'}})).not.toBe(base)
    expect(id({messageId: 'm2', headers})).not.toBe(base)
    expect(id({messageId: 'm1', headers}, Buffer.from('other'))).not.toBe(base)
    expect(id({messageId: 'm1', headers: {...headers, 'x-cg-replay-count': 1}})).not.toBe(base)
  })

  it('a table of counters only, an empty table and no table give the same id (a quorum queue redelivery)', () => {
    const bare = id({messageId: 'q-1'})
    expect(id({messageId: 'q-1', headers: {'x-delivery-count': 1}})).toBe(bare)
    expect(id({messageId: 'q-1', headers: {}})).toBe(bare)
    expect(id({messageId: 'q-1', contentType: 'text/plain'})).not.toBe(bare)
  })

  it('is the id replayIdOf gives a delivery read with its raw content header; without it, the decoded id', () => {
    const payload = payloadOf({messageId: 'm1', headers}, body.length)
    const m = {...msg(headers), properties: {...decoded(payload), [RAW_PROPERTIES]: payload}} as unknown as Delivery
    expect(replayIdOf(m)).toBe(rawReplayId(payload, body))
    expect(replayIdOf(msg(headers))).not.toBe(rawReplayId(payload, body))
    // a table cut short
    expect(rawReplayId(payload.subarray(0, 40), body)).toBeNull()
  })
})

describe('rawRouteOf: what a replay routes by, read from the content header as it came', () => {
  const viaDecode = (props: Record<string, unknown>) => {
    const h = decoded(payloadOf(props)).headers as Record<string, unknown>
    const d = lastDeath(h, 3, false)!
    return {death: {exchange: d.exchange, routingKeys: d.routingKeys}, hasCc: h.CC !== undefined, replayCount: replayCountOf(h)}
  }
  it('gives what lastDeath, the CC check and replayCountOf give on the decoded headers', () => {
    const cases: Record<string, unknown>[] = [
      {'x-death': xdeath, tenant: 'acme'},
      {tenant: 'acme', 'x-death': [{...xdeath[1]}], CC: ['a', 'b']},
      {'x-death': xdeath, 'x-cg-replay-count': 1},
      {'x-death': xdeath, 'x-cg-replay-count': 300, after: {nested: [1, 'x']}},
      {'x-death': xdeath, 'x-cg-replay-count': 5_000_000_000},
      {'x-death': xdeath, 'x-cg-replay-count': '7'},
      {'x-death': xdeath, 'x-cg-replay-count': 'abc'},
      {'x-death': [{reason: 'expired', queue: 'q'}]},
      {'x-death': [{exchange: 'ex', 'routing-keys': []}]},
    ]
    for (const headers of cases) {
      const props = {messageId: 'm', contentType: 'text/plain', headers}
      const payload = payloadOf(props)
      const route = rawRouteOf(payload)!
      expect(route, JSON.stringify(headers)).toMatchObject(viaDecode(props))
      // what it saw of the table spares the id and the splice a reading of their own: the same results
      const keys = Object.keys(headers)
      expect(route.asIs).toBe(keys.length > 0 && !keys.includes('x-delivery-count'))
      expect(route.noCgKeys).toBe(!keys.some((k) => k.startsWith('x-cg-')))
      if (route.asIs) expect(rawReplayId(payload, Buffer.from('b'), true)).toBe(rawReplayId(payload, Buffer.from('b')))
      const stamp = {count: 3, replayId: 'id', at: 1800000000, possibleDuplicate: true}
      if (route.noCgKeys) expect(amendedProperties(payload, stamp, true)).toEqual(amendedProperties(payload, stamp))
    }
    const counted = rawRouteOf(payloadOf({headers: {'x-death': xdeath, 'x-delivery-count': 2}}))!
    expect(counted.asIs).toBe(false)
  })
  it('leaves to the decoded headers what it does not read: no x-death, an empty one, other value types', () => {
    for (const headers of [
      undefined,
      {tenant: 'acme'},
      {'x-death': []},
      {'x-death': 'text'},
      {'x-death': [{exchange: Buffer.from('ex')}]},
      {'x-death': xdeath, 'x-cg-replay-count': {'!': 'float', value: 1.5}},
    ])
      expect(rawRouteOf(payloadOf({messageId: 'm', headers}))).toBeNull()
  })
})
