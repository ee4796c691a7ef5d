// Hundreds of groups stay fast: cg groups and cg lag batch ListGroups, ConsumerGroupDescribe/DescribeGroups,
// OffsetFetch (many groups per request) and ListOffsets, instead of one round per group.
import type {Admin} from '@platformatic/kafka'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {runCg} from '../../helpers/cli.js'
import {commitOffsets, createTopic, deleteGroups, deleteTopics, KAFKA, kafkaAdmin, kname, produce} from '../../helpers/kafka.js'
import {expectValid} from '../../helpers/schemas.js'

const GROUPS = 200
const PARTITIONS = 10

describe(`${GROUPS} groups x ${PARTITIONS} partitions`, () => {
  let admin: Admin
  const topic = kname('many')
  const prefix = kname('many-g')
  const groups = Array.from({length: GROUPS}, (_, i) => `${prefix}.${String(i).padStart(3, '0')}`)
  // group i committed i % 7 on every partition; each partition holds 20 records
  const expectedLag = (i: number) => PARTITIONS * (20 - (i % 7))

  beforeAll(async () => {
    admin = kafkaAdmin(KAFKA.bootstrap)
    await createTopic(admin, topic, PARTITIONS)
    await produce(KAFKA.bootstrap, topic, 20 * PARTITIONS, PARTITIONS)
    for (let i = 0; i < GROUPS; i += 20) {
      await Promise.all(groups.slice(i, i + 20).map((g, j) => commitOffsets(admin, g, {[topic]: Array.from({length: PARTITIONS}, () => (i + j) % 7)})))
    }
  }, 120_000)

  afterAll(async () => {
    for (let i = 0; i < GROUPS; i += 50) await admin.deleteGroups({groups: groups.slice(i, i + 50)}).catch(() => deleteGroups(admin, groups.slice(i, i + 50)))
    await deleteTopics(admin, [topic])
    await admin.close()
  }, 120_000)

  it('cg groups TOPIC lists all of them with the right total lag, in a few seconds', async () => {
    const started = Date.now()
    const r = await runCg(['groups', topic, '--url', KAFKA.url, '--json'])
    const ms = Date.now() - started
    expect(r.code, r.stderr).toBe(0)
    const doc = r.json()
    expectValid('groups.json', doc)
    const mine = doc.groups.filter((g: any) => g.group.startsWith(prefix))
    expect(mine).toHaveLength(GROUPS)
    for (const g of mine) expect(g.lag, g.group).toBe(expectedLag(Number(g.group.slice(-3))))
    expect(ms).toBeLessThan(10_000)
    console.log(`cg groups over ${doc.groups.length} groups: ${ms} ms`)
  })

  it('cg lag --topic gives every partition row of every group', async () => {
    const started = Date.now()
    const r = await runCg(['lag', '--topic', topic, '--url', KAFKA.url, '--json'])
    const ms = Date.now() - started
    expect(r.code, r.stderr).toBe(0)
    const mine = r.json().groups.filter((g: any) => g.group.startsWith(prefix))
    expect(mine).toHaveLength(GROUPS)
    expect(mine.flatMap((g: any) => g.partitions)).toHaveLength(GROUPS * PARTITIONS)
    for (const g of mine) {
      const i = Number(g.group.slice(-3))
      expect(g.partitions.every((p: any) => p.currentOffset === i % 7 && p.logEndOffset === 20 && p.lag === 20 - (i % 7))).toBe(true)
    }
    expect(ms).toBeLessThan(10_000)
    console.log(`cg lag over ${GROUPS} groups x ${PARTITIONS} partitions: ${ms} ms`)
  })
})
