// Lag you can act on, on real Kafka brokers: time behind (timeLagMs) from the timestamps of the records at the
// committed offsets (records produced with explicit create times an hour old), every partition of a group's
// topics listed (partitions without a commit counted, with the records they hold), records lost below the
// log start after DeleteRecords, and a group with a member and no commit present in cg lag.
import type {Admin} from '@platformatic/kafka'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {runCg} from '../../helpers/cli.js'
import {
  classicMember,
  commitOffsets,
  createTopic,
  deleteGroups,
  deleteTopics,
  KAFKA,
  kafkaAdmin,
  kname,
  produce,
  type MemberHandle,
} from '../../helpers/kafka.js'
import {expectValid} from '../../helpers/schemas.js'

const HOUR = 3_600_000

{
  const target = KAFKA
  describe(`time behind and hidden partitions on ${target.name}`, () => {
    let admin: Admin
    const url = target.url
    const timed = kname('tl-timed') // 3 partitions x 100 records, create times an hour old
    const partial = kname('tl-partial') // 3 partitions x 300 records
    const trimmed = kname('tl-trimmed') // 1 partition x 100 records, records below 50 deleted
    const idle = kname('tl-idle') // 2 partitions x 5 records
    const gTimed = kname('tg-timed') // committed 10 / 20 / 0 on timed: every partition lags
    const gCaught = kname('tg-caught') // committed everything on timed: nothing waits
    const gPartial = kname('tg-partial') // committed 100 on partial's partition 0 only
    const gTrimmed = kname('tg-trimmed') // committed 10, then the log start moved to 50
    const gMember = kname('tg-member') // a classic member that committed nothing
    const members: MemberHandle[] = []
    /** the create time of record `offset` of timed's partition `partition`: an hour ago, a minute apart per partition, a second per record */
    let base = 0
    const createTime = (partition: number, offset: number) => base - partition * 60_000 + offset * 1000
    const committedTimed = [10, 20, 0]

    beforeAll(async () => {
      admin = kafkaAdmin(target.bootstrap)
      base = Date.now() - HOUR
      await Promise.all([createTopic(admin, timed, 3), createTopic(admin, partial, 3), createTopic(admin, trimmed, 1), createTopic(admin, idle, 2)])
      await produce(target.bootstrap, timed, 300, 3, {timestamp: (_i, p, o) => createTime(p, o)})
      await produce(target.bootstrap, partial, 900, 3)
      await produce(target.bootstrap, trimmed, 100, 1, {timestamp: (_i, _p, o) => base + o * 1000})
      await produce(target.bootstrap, idle, 10, 2)
      await commitOffsets(admin, gTimed, {[timed]: committedTimed})
      await commitOffsets(admin, gCaught, {[timed]: [100, 100, 100]})
      await admin.alterConsumerGroupOffsets({groupId: gPartial, topics: [{name: partial, partitionOffsets: [{partition: 0, offset: 100n}]}]})
      await commitOffsets(admin, gTrimmed, {[trimmed]: [10]})
      await admin.deleteRecords({topics: [{name: trimmed, partitions: [{partition: 0, offset: 50n}]}]})
      members.push(await classicMember({bootstrap: target.bootstrap, group: gMember, topics: [idle], commit: 0}))
    }, 120_000)

    afterAll(async () => {
      await Promise.allSettled(members.map((m) => m.stop()))
      await deleteGroups(admin, [gTimed, gCaught, gPartial, gTrimmed, gMember])
      await deleteTopics(admin, [timed, partial, trimmed, idle])
      await admin.close()
    }, 60_000)

    /** Runs cg and returns its JSON with the clock before and after (the truth lies between). */
    const timedRun = async (args: string[]) => {
      const before = Date.now()
      const r = await runCg([...args, '--url', url, '--json'])
      const after = Date.now()
      expect(r.code, r.stderr).toBe(0)
      return {doc: r.json(), before, after}
    }
    /** now minus `timestamp` as cg saw it, within a second of the truth */
    const expectAge = (ms: number | null, timestamp: number, run: {before: number; after: number}) => {
      expect(ms).not.toBeNull()
      expect(ms!).toBeGreaterThanOrEqual(run.before - timestamp - 1000)
      expect(ms!).toBeLessThanOrEqual(run.after - timestamp + 1000)
    }

    it('cg lag GROUP: timeLagMs per partition (the record at the committed offset) and per group (the largest)', async () => {
      const run = await timedRun(['lag', gTimed])
      expectValid('lag.json', run.doc)
      const [g] = run.doc.groups
      expect(g.partitions.map((p: any) => [p.partition, p.currentOffset, p.lag])).toEqual([
        [0, 10, 90],
        [1, 20, 80],
        [2, 0, 100],
      ])
      for (const p of g.partitions) {
        expectAge(p.timeLagMs, createTime(p.partition, p.currentOffset), run)
        expect(p.timeLagNote).toBeNull()
        expect(p.lostRecords).toBe(0)
      }
      // the oldest unread record of the group: partition 2 at offset 0, an hour and two minutes old
      expectAge(g.timeLagMs, createTime(2, 0), run)
      expect(g.timeLagMs).toBe(Math.max(...g.partitions.map((p: any) => p.timeLagMs)))
      expect(g).toMatchObject({lag: 270, timeLagNote: null, uncommittedPartitions: 0, uncommittedRecords: 0, lostRecords: 0})

      // nothing waits: null, and no note
      const caught = await timedRun(['lag', gCaught])
      expect(caught.doc.groups[0]).toMatchObject({lag: 0, timeLagMs: null, timeLagNote: null})
      expect(caught.doc.groups[0].partitions.every((p: any) => p.timeLagMs === null && p.timeLagNote === null)).toBe(true)

      const table = await runCg(['lag', gTimed, '--url', url])
      expect(table.stdout).toMatch(/^GROUP\s+TOPIC\s+PARTITION\s+CURRENT-OFFSET\s+LOG-END-OFFSET\s+LAG\s+TIME-LAG\s+CONSUMER-ID\s+HOST\s+CLIENT-ID$/m)
      // partition 2: 1h2m behind (1h2m0s to 1h2m1s)
      expect(table.stdout).toMatch(new RegExp(`^${gTimed.replace(/\./g, '\\.')}\\s+${timed.replace(/\./g, '\\.')}\\s+2\\s+0\\s+100\\s+100\\s+1h2m\\s`, 'm'))
    })

    it('cg pending GROUP and cg groups carry the same time behind', async () => {
      const pending = await timedRun(['pending', gTimed])
      expectValid('pending.json', pending.doc)
      expect(pending.doc).toMatchObject({pending: 270, uncommittedPartitions: 0, lostRecords: 0})
      for (const p of pending.doc.partitions) expectAge(p.timeLagMs, createTime(p.partition, committedTimed[p.partition]), pending)
      expectAge(pending.doc.timeLagMs, createTime(2, 0), pending)
      const human = await runCg(['pending', gTimed, '--url', url])
      expect(human.stdout).toMatch(/^time lag\s+1h2m$/m)
      expect(human.stdout).toMatch(/\s1h0m\s/) // partition 1 at offset 20: 1h0m40s behind

      const groups = await timedRun(['groups', timed])
      expectValid('groups.json', groups.doc)
      const by = new Map(groups.doc.groups.map((g: any) => [g.group, g]))
      expectAge((by.get(gTimed) as any).timeLagMs, createTime(2, 0), groups)
      expect(by.get(gCaught)).toMatchObject({lag: 0, timeLagMs: null})
      const table = await runCg(['groups', timed, '--url', url])
      expect(table.stdout).toMatch(/^GROUP\s+STATE\s+PROTOCOL\s+CONSUMERS\s+LAG\s+TIME-LAG\s+TOPICS$/m)
      expect(table.stdout).toMatch(new RegExp(`^${gTimed.replace(/\./g, '\\.')}\\s+Empty\\s+classic\\s+0\\s+270\\s+1h2m\\s`, 'm'))
    })

    it('a group that committed on 1 of 3 partitions: the other two listed with null offsets, counted with their records', async () => {
      for (const cmd of ['lag', 'pending']) {
        const {doc} = await timedRun([cmd, gPartial])
        expectValid(`${cmd}.json`, doc)
        const g = cmd === 'lag' ? doc.groups[0] : doc
        expect(g.partitions.map((p: any) => [p.partition, p.currentOffset, p.logStartOffset, p.logEndOffset, p.lag, p.timeLagMs, p.lostRecords])).toEqual([
          [0, 100, 0, 300, 200, expect.any(Number), 0],
          [1, null, 0, 300, null, null, null],
          [2, null, 0, 300, null, null, null],
        ])
        expect(g).toMatchObject({uncommittedPartitions: 2, uncommittedRecords: 600, lostRecords: 0})
        expect(cmd === 'lag' ? g.lag : g.pending).toBe(200)
      }
      for (const cmd of ['lag', 'pending']) {
        const t = await runCg([cmd, gPartial, '--url', url])
        expect(t.code, t.stderr).toBe(0)
        expect(t.stdout).toContain('2 partitions without a committed offset hold 600 records')
      }
    })

    it('a committed offset below the log start: lostRecords exact, lag and time behind counted from the log start', async () => {
      const run = await timedRun(['lag', gTrimmed])
      const [g] = run.doc.groups
      expect(g.partitions).toHaveLength(1)
      expect(g.partitions[0]).toMatchObject({currentOffset: 10, logStartOffset: 50, logEndOffset: 100, lag: 50, lostRecords: 40})
      // the oldest record the group can still read is the one at the log start
      expectAge(g.partitions[0].timeLagMs, base + 50 * 1000, run)
      expect(g).toMatchObject({lag: 50, lostRecords: 40, uncommittedPartitions: 0})
      const pending = await timedRun(['pending', gTrimmed])
      expect(pending.doc).toMatchObject({pending: 50, lostRecords: 40})
      const t = await runCg(['lag', gTrimmed, '--url', url])
      expect(t.stdout).toContain('offset below log start: 40 records lost')
    })

    it('a group with a member and no commit appears in cg lag, alone and among all groups', async () => {
      const one = await timedRun(['lag', gMember])
      expect(one.doc.groups).toHaveLength(1)
      expect(one.doc.groups[0]).toMatchObject({group: gMember, consumers: 1, lag: null, timeLagMs: null, uncommittedPartitions: 2, uncommittedRecords: 10})
      expect(one.doc.groups[0].partitions.map((p: any) => [p.partition, p.currentOffset, p.lag])).toEqual([
        [0, null, null],
        [1, null, null],
      ])
      const all = await timedRun(['lag'])
      expectValid('lag.json', all.doc)
      expect(all.doc.groups.map((g: any) => g.group)).toContain(gMember)
      const byTopic = await timedRun(['lag', '--topic', idle])
      expect(byTopic.doc.groups.map((g: any) => g.group)).toEqual([gMember])
      const t = await runCg(['lag', '--topic', idle, '--url', url])
      expect(t.stdout).toContain(gMember)
      expect(t.stdout).toContain(`${gMember}: 2 partitions without a committed offset hold 10 records`)
    })
  })
}
