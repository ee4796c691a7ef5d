// Lag you can act on, on real Kafka brokers: time behind (timeLagMs) from the timestamps of the records at the
// committed offsets (records produced with explicit create times an hour old), every partition of a group's
// topics listed (partitions without a commit counted, with the records they hold), records lost below the
// log start after DeleteRecords, a group with a member and no commit present in cg lag, transaction markers
// walked past, and the status read (called on the driver: no command prints it yet).
import {type Admin, Producer, stringSerializers} from '@platformatic/kafka'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {driver} from '../../../src/brokers/kafka/kafka-driver.js'
import type {KafkaAdapter} from '../../../src/brokers/kafka/kafka-types.js'
import type {StatusResult} from '../../../src/core/results.js'
import {resolveProfile} from '../../../src/profiles/resolve.js'
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
    const gNear = kname('tg-near') // committed 50 / 99 / 60 on timed: read with gTimed's offsets in the same answers
    const gPartial = kname('tg-partial') // committed 100 on partial's partition 0 only
    const gTrimmed = kname('tg-trimmed') // committed 10, then the log start moved to 50
    const gMember = kname('tg-member') // a classic member that committed nothing
    const dlq = `${timed}.DLT` // timed's dead letters: 2 partitions, 4 + 3 records, 2 deleted
    const tx = kname('tl-tx') // 1 partition: 3 records, commit marker (3), 3 records, commit marker (7)
    const gTxMarker = kname('tg-tx-marker') // committed 3: the marker, the oldest unread record is at 4
    const gTxEnd = kname('tg-tx-end') // committed 7: lag 1, only the last marker waits
    const members: MemberHandle[] = []
    /** the create time of record `offset` of timed's partition `partition`: an hour ago, a minute apart per partition, a second per record */
    let base = 0
    const createTime = (partition: number, offset: number) => base - partition * 60_000 + offset * 1000
    const committedTimed = [10, 20, 0]

    beforeAll(async () => {
      admin = kafkaAdmin(target.bootstrap)
      base = Date.now() - HOUR
      await Promise.all([
        createTopic(admin, timed, 3),
        createTopic(admin, partial, 3),
        createTopic(admin, trimmed, 1),
        createTopic(admin, idle, 2),
        createTopic(admin, dlq, 2),
        createTopic(admin, tx, 1),
      ])
      await produce(target.bootstrap, dlq, 7, 2)
      await admin.deleteRecords({topics: [{name: dlq, partitions: [{partition: 0, offset: 2n}]}]})
      await produceTransactions(target.bootstrap, tx, [
        [base, base + 1000, base + 2000],
        [base + 4000, base + 5000, base + 6000],
      ])
      await commitOffsets(admin, gTxMarker, {[tx]: [3]})
      await commitOffsets(admin, gTxEnd, {[tx]: [7]})
      await produce(target.bootstrap, timed, 300, 3, {timestamp: (_i, p, o) => createTime(p, o)})
      await produce(target.bootstrap, partial, 900, 3)
      await produce(target.bootstrap, trimmed, 100, 1, {timestamp: (_i, _p, o) => base + o * 1000})
      await produce(target.bootstrap, idle, 10, 2)
      await commitOffsets(admin, gTimed, {[timed]: committedTimed})
      await commitOffsets(admin, gCaught, {[timed]: [100, 100, 100]})
      await commitOffsets(admin, gNear, {[timed]: [50, 99, 60]})
      await admin.alterConsumerGroupOffsets({groupId: gPartial, topics: [{name: partial, partitionOffsets: [{partition: 0, offset: 100n}]}]})
      await commitOffsets(admin, gTrimmed, {[trimmed]: [10]})
      await admin.deleteRecords({topics: [{name: trimmed, partitions: [{partition: 0, offset: 50n}]}]})
      members.push(await classicMember({bootstrap: target.bootstrap, group: gMember, topics: [idle], commit: 0}))
    }, 120_000)

    afterAll(async () => {
      await Promise.allSettled(members.map((m) => m.stop()))
      await deleteGroups(admin, [gTimed, gCaught, gNear, gPartial, gTrimmed, gMember, gTxMarker, gTxEnd])
      await deleteTopics(admin, [timed, partial, trimmed, idle, dlq, tx])
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

      // several groups on one partition: each gets the timestamp of its own record
      const all = await timedRun(['lag', '--topic', timed])
      const near = all.doc.groups.find((x: any) => x.group === gNear)
      const same = all.doc.groups.find((x: any) => x.group === gTimed)
      expect(near.partitions.map((p: any) => p.lag)).toEqual([50, 1, 40])
      for (const p of near.partitions) expectAge(p.timeLagMs, createTime(p.partition, p.currentOffset), all)
      for (const p of same.partitions) expectAge(p.timeLagMs, createTime(p.partition, p.currentOffset), all)
      expectAge(near.timeLagMs, createTime(2, 60), all) // the oldest of its three: 1h1m behind

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
      expect(table.stdout).toMatch(/^GROUP\s+STATE\s+TYPE\s+CONSUMERS\s+LAG\s+TIME-LAG\s+TOPICS$/m)
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

    it('transaction markers: the read walks past a marker; a lag of markers only says so', async () => {
      const run = await timedRun(['lag', gTxMarker])
      const [p] = run.doc.groups[0].partitions
      expect(p).toMatchObject({currentOffset: 3, logEndOffset: 8, lag: 5, timeLagNote: null})
      // offset 3 is the first commit marker: the oldest record waiting is the one at 4
      expectAge(p.timeLagMs, base + 4000, run)
      const end = await timedRun(['lag', gTxEnd])
      expect(end.doc.groups[0]).toMatchObject({lag: 1, timeLagMs: null, timeLagNote: 'only transaction markers before the log end'})
      expect(end.doc.groups[0].partitions[0]).toMatchObject({
        currentOffset: 7,
        lag: 1,
        timeLagMs: null,
        timeLagNote: 'only transaction markers before the log end',
      })
      const t = await runCg(['lag', gTxEnd, '--url', url])
      expect(t.stdout).toContain('only transaction markers before the log end')
    })

    it('the status read: lag, time behind, members, pending, DLQ depth, counters and partitions, for one group and for all', async () => {
      const before = Date.now()
      const one = await status([gTimed])
      const after = Date.now()
      expect(one.broker).toBe('kafka')
      expect(one.takenAt).toBeGreaterThanOrEqual(before)
      expect(one.groups).toHaveLength(1)
      const g = one.groups[0]
      expect(g).toMatchObject({
        group: gTimed,
        sources: [timed],
        lag: 270,
        timeLagNote: null,
        consumers: 0,
        pending: 270,
        oldestPendingMs: null,
        maxDeliveries: null,
        dlq: {name: dlq, depth: 5},
        consumed: 30,
        produced: 300,
      })
      expectAge(g.timeLagMs, createTime(2, 0), {before, after})
      expect(g.partitions!.map((p) => [p.source, p.partition, p.lag])).toEqual([
        [timed, 0, 90],
        [timed, 1, 80],
        [timed, 2, 100],
      ])
      for (const p of g.partitions!) expectAge(p.timeLagMs, createTime(p.partition, committedTimed[p.partition]), {before, after})

      const all = await status([])
      const by = new Map(all.groups.map((x) => [x.group, x]))
      expect(by.get(gTimed)).toMatchObject({lag: 270, dlq: {name: dlq, depth: 5}, consumed: 30, produced: 300})
      expect(by.get(gCaught)).toMatchObject({lag: 0, timeLagMs: null, timeLagNote: null, pending: 0, consumed: 300, produced: 300})
      expect(by.get(gPartial)).toMatchObject({lag: 200, pending: 200, dlq: null, consumed: 100, produced: 900})
      expect(by.get(gTrimmed)).toMatchObject({lag: 50, consumed: 10, produced: 100})
      expect(by.get(gMember)).toMatchObject({consumers: 1, lag: null, pending: null, timeLagMs: null, consumed: null, produced: 10})
      expect(by.get(gTxEnd)).toMatchObject({lag: 1, timeLagMs: null, timeLagNote: 'only transaction markers before the log end'})

      await expect(status([kname('nosuch')])).rejects.toMatchObject({code: 'not_found'})
    })
  })
}

/** Each list is one committed transaction of records with these create times, all to partition 0. */
async function produceTransactions(bootstrap: string, topic: string, transactions: number[][]): Promise<void> {
  const producer = new Producer({
    clientId: 'cg-test',
    bootstrapBrokers: [bootstrap],
    serializers: stringSerializers,
    idempotent: true,
    transactionalId: kname('tx-producer'),
    producerId: -1n,
    producerEpoch: -1,
  })
  try {
    for (const times of transactions) {
      const t = await producer.beginTransaction()
      await t.send({messages: times.map((ts, i) => ({topic, partition: 0, key: `k${i}`, value: `v${i}`, timestamp: BigInt(ts)}))})
      await t.commit()
    }
  } finally {
    await producer.close()
  }
}

/** The status read of the driver, as cg check and cg metrics call it. */
async function status(args: string[]): Promise<StatusResult> {
  const profile = await resolveProfile({urlFlag: KAFKA.url, env: {}})
  const conn = (await driver.connect(profile, {timeoutMs: 10_000})) as KafkaAdapter
  const run = {signal: new AbortController().signal, progress: () => ({add() {}, done() {}}), warn() {}, debug() {}}
  try {
    return await driver.ops.status!(conn, {args, flags: {}, profile, run})
  } finally {
    await conn.close()
  }
}
