import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {runCg} from '../helpers/cli.js'
import {expectValid} from '../helpers/schemas.js'
import {KAFKA_KITS} from './kits/kafka-kit.js'
import type {Kit, Scenario} from './kits/kit.js'
import {RABBITMQ_KIT} from './kits/rabbitmq-kit.js'
import {REDIS_KITS} from './kits/redis-kit.js'

// One suite, every deployment: the same scenarios and the same assertions on the common core of --json
// (schemas/<command>.json), whatever the broker. What only one broker does is in test/integration/<broker>/.
const KITS: Kit[] = [...REDIS_KITS, ...KAFKA_KITS, RABBITMQ_KIT]

describe.each(KITS)('contract on $name', (kit) => {
  let s: Scenario
  const cg = (argv: string[]) => runCg([...argv, '--url', s.url])
  const json = async (command: string, argv: string[]) => {
    const res = await cg([...command.split(' '), ...argv, '--json'])
    expect(res.code, `${command} ${argv.join(' ')}: ${res.stderr}`).toBe(0)
    const doc = res.json()
    expectValid(`${command.replace(' ', '-')}.json`, doc, `${kit.name}: ${command}`)
    expect(doc.broker).toBe(kit.broker)
    return doc
  }

  beforeAll(async () => {
    s = await kit.seed()
  }, 120_000)
  afterAll(async () => {
    await s?.cleanup()
  })

  it('groups: the seeded group with its sources, consumers and lag', async () => {
    const doc = await json('groups', s.argv.groups)
    const row = doc.groups.find((g: {group: string}) => g.group === s.group)
    expect(row, JSON.stringify(doc.groups)).toBeDefined()
    expect(row.sources).toContain(s.source)
    expect(row.lag).toBe(s.expect.lag)
    expect(typeof row.consumers === 'number' || row.consumers === null).toBe(true)
    expect('state' in row).toBe(true)
  })

  it('lag: the seeded lag under the same names', async () => {
    const doc = await json('lag', s.argv.lag)
    const row = doc.groups.find((g: {group: string}) => g.group === s.group)
    expect(row, JSON.stringify(doc.groups)).toBeDefined()
    expect(row.sources).toContain(s.source)
    expect(row.lag).toBe(s.expect.lag)
  })

  it('consumers: name, pending and idleMs of each', async () => {
    const doc = await json('consumers', s.argv.consumers)
    expect(doc.group).toBe(s.group)
    expect(doc.consumers).toHaveLength(s.expect.consumers)
    for (const c of doc.consumers) {
      expect(typeof c.name).toBe('string')
      expect(c.pending === null || typeof c.pending === 'number').toBe(true)
      expect(c.idleMs === null || typeof c.idleMs === 'number').toBe(true)
    }
  })

  it('pending: the total the group has not finished', async () => {
    const doc = await json('pending', s.argv.pending)
    expect(doc.group).toBe(s.group)
    expect(doc.pending).toBe(s.expect.pending)
  })

  it('dlq replay: a dry run changes nothing; a replay puts every dead letter back; a second replays nothing', async () => {
    const before = await s.sourceDepth()
    const dry = await json('dlq replay', [...s.argv.replay, '--dry-run'])
    expect(dry.dryRun).toBe(true)
    expect(await s.sourceDepth()).toBe(before)

    const first = await json('dlq replay', s.argv.replay)
    expect(first.dryRun).toBe(false)
    expect(first.totals).toMatchObject({replayed: s.expect.deadLetters, failed: 0, interrupted: false})
    expect(await s.sourceDepth()).toBe(before + s.expect.deadLetters)

    const second = await json('dlq replay', s.argv.replay)
    expect(second.totals).toMatchObject({replayed: 0, failed: 0})
    expect(await s.sourceDepth()).toBe(before + s.expect.deadLetters)
  })

  it('a missing group exits 5 with one error line and a hint; the JSON error has code, message, hint', async () => {
    const res = await cg(s.missingGroup)
    expect(res.code, res.stderr).toBe(5)
    expect(res.stderr).toMatch(/^Error: [^\n]+\nHint: [^\n]+\n$/)
    const doc = (await cg([...s.missingGroup, '--json'])).json()
    expectValid('error.json', doc)
    expect(doc.error.code).toBe('not_found')
  })

  it('an operation the broker has not got exits 4 with a hint, before anything happens', async () => {
    const res = await cg(s.refused)
    expect(res.code, res.stderr).toBe(4)
    expect(res.stderr).toMatch(/is not possible on/)
    expect(res.stderr).toMatch(/\nHint: \S/)
  })

  it('a flag of another broker exits 2 and names the flag', async () => {
    const res = await cg(s.foreignFlag)
    expect(res.code, res.stderr).toBe(2)
    expect(res.stderr).toMatch(/^Error: --\S+ is for /)
  })

  it('an unreachable broker exits 69', async () => {
    const res = await runCg([...kit.unreachable(s), '--timeout', '3000', '--json'])
    expect(res.code, res.stdout + res.stderr).toBe(69)
    expectValid('error.json', res.json())
  })
})
