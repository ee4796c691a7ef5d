import {describe, expect, it} from 'vitest'
import {availability, nodeWarnings} from '../../src/brokers/rabbitmq/rabbitmq-cluster.js'
import {queueRow} from '../../src/brokers/rabbitmq/rabbitmq-inspect.js'
import type {RawQueue} from '../../src/brokers/rabbitmq/rabbitmq-reads.js'

const q = (over: Partial<RawQueue>): RawQueue => ({name: 'q', vhost: '/', ...over})
const [A, B, C] = ['a@h', 'b@h', 'c@h']

describe('availability: what a cluster node down does to a queue (from the management listing)', () => {
  it('classic: its node; state down = unreadable, with the node named', () => {
    expect(availability(q({type: 'classic', node: A, state: 'running'}))).toEqual({node: A, members: null, online: null, readable: true, note: null})
    expect(availability(q({type: 'classic', node: C, state: 'down'}))).toMatchObject({
      readable: false,
      note: `its node ${C} is down: no counts until it is back`,
    })
  })

  it('quorum: the leader; a majority left is readable with the replicas down named; no majority or no leader is unreadable', () => {
    expect(availability(q({type: 'quorum', leader: A, members: [A, B, C], online: [A, B, C]}))).toEqual({
      node: A,
      members: [A, B, C],
      online: [A, B, C],
      readable: true,
      note: null,
    })
    expect(availability(q({type: 'quorum', leader: A, members: [A, B, C], online: [A, B]}))).toMatchObject({
      readable: true,
      note: `1 of 3 replica(s) down (${C}); leader ${A}`,
    })
    expect(availability(q({type: 'quorum', leader: A, members: [A, B, C], online: [A]}))).toMatchObject({readable: false})
    const none = availability(q({type: 'quorum', leader: null, members: [C], online: []}))
    expect(none).toMatchObject({node: null, readable: false})
    expect(none.note).toBe(`no leader: 0 of 1 member(s) running (down: ${C}): no counts until a majority is back`)
  })

  it('a single node (no members listed): readable, no note', () => {
    expect(availability(q({type: 'quorum', leader: A}))).toMatchObject({readable: true, note: null, node: A})
    expect(availability(q({}))).toMatchObject({readable: true, note: null, node: null})
  })

  it('queueRow: an unreadable quorum queue (no state in the listing) is state down with null counts', () => {
    const row = queueRow(q({type: 'quorum', leader: null, members: [C], online: []}), '3.10.8')
    expect(row).toMatchObject({state: 'down', ready: null, consumers: null, unacked: null, node: null, members: [C], online: []})
    expect(queueRow(q({type: 'classic', state: 'running', node: A, messages_ready: 1}), '3.10.8')).toMatchObject({state: 'running', stateNote: null})
  })

  it('nodeWarnings: one line per node down; none when nodes are unknown', () => {
    expect(nodeWarnings({nodes: [A, B, C], down: [C]})).toEqual([expect.stringMatching(/^node c@h is down: /)])
    expect(nodeWarnings(null)).toEqual([])
  })
})
