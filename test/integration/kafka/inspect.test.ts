// cg groups / consumers / pending / lag against real Kafka brokers, with groups made by real clients:
// classic members from @platformatic/kafka that join and commit, KIP-848 members from the Java console
// consumer (4.x), an offsets-only group written through the admin API, and a group with no commits.
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
  KAFKA_TARGETS,
  kafkaAdmin,
  kip848Member,
  kname,
  produce,
  type MemberHandle,
} from '../../helpers/kafka.js'
import {expectValid} from '../../helpers/schemas.js'

for (const target of KAFKA_TARGETS) {
  const modern = target === KAFKA
  describe(`Kafka inspection on ${target.name}`, () => {
    let admin: Admin
    const topic = kname('insp')
    const other = kname('insp-other')
    const live = kname('g-live') // classic member, committed 12 of 30
    const staticG = kname('g-static') // classic static member (group.instance.id)
    const offsetsOnly = kname('g-offsets') // Empty, offsets written by the admin API
    const noCommits = kname('g-nocommit') // classic member that committed nothing
    const kip = kname('g-kip848') // consumer-protocol member, committed everything
    const members: MemberHandle[] = []
    let liveMember: MemberHandle
    let staticMember: MemberHandle
    let kipMember: MemberHandle | undefined
    const url = target.url
    /** lag of a group on `topic` (10 records per partition) from a raw OffsetFetch: partitions without a commit have none */
    const rawLag = async (group: string) => {
      const [g] = await admin.listConsumerGroupOffsets({groups: [group]})
      const parts = g.topics.find((t) => t.name === topic)?.partitions.filter((p) => p.committedOffset >= 0n) ?? []
      return parts.reduce((n, p) => n + 10 - Number(p.committedOffset), 0)
    }

    beforeAll(async () => {
      admin = kafkaAdmin(target.bootstrap)
      await createTopic(admin, topic, 3)
      await createTopic(admin, other, 2)
      await produce(target.bootstrap, topic, 30, 3) // 10 per partition
      await produce(target.bootstrap, other, 8, 2) // 4 per partition
      await commitOffsets(admin, offsetsOnly, {[topic]: [1, 2, 3], [other]: [4, 0]})
      liveMember = await classicMember({bootstrap: target.bootstrap, group: live, topics: [topic], commit: 12, clientId: 'cg-live-client'})
      staticMember = await classicMember({
        bootstrap: target.bootstrap,
        group: staticG,
        topics: [other],
        commit: 8,
        clientId: 'cg-static-client',
        instanceId: 'static-1',
      })
      const nc = await classicMember({bootstrap: target.bootstrap, group: noCommits, topics: [topic], commit: 0})
      members.push(liveMember, staticMember, nc)
      if (modern) {
        kipMember = await kip848Member({bootstrap: target.bootstrap, group: kip, topic, expectCommitted: 30, clientId: 'cg-kip-client'})
        members.push(kipMember)
      }
    }, 120_000)

    afterAll(async () => {
      await Promise.allSettled(members.map((m) => m.stop()))
      await deleteGroups(admin, [live, staticG, offsetsOnly, noCommits, kip])
      await deleteTopics(admin, [topic, other])
      await admin.close()
    }, 60_000)

    it('cg groups lists groups of both protocols with state, members, total lag and topics', async () => {
      const r = await runCg(['groups', '--url', url, '--json'])
      expect(r.code, r.stderr).toBe(0)
      const doc = r.json()
      expectValid('groups.json', doc)
      expect(doc.broker).toBe('kafka')
      const by = new Map(doc.groups.map((g: any) => [g.group, g]))
      expect(by.get(live)).toEqual({
        group: live,
        sources: [topic],
        state: 'Stable',
        consumers: 1,
        lag: await rawLag(live),
        // records produced moments ago wait on its partitions
        timeLagMs: expect.any(Number),
        timeLagNote: null,
        type: 'classic',
        protocol: 'classic',
        protocolType: 'consumer',
        leaderlessPartitions: 0,
      })
      expect(by.get(staticG)).toMatchObject({state: 'Stable', protocol: 'classic', consumers: 1, lag: 0, sources: [other]})
      expect(by.get(offsetsOnly)).toMatchObject({state: 'Empty', protocol: 'classic', consumers: 0, lag: 9 + 8 + 7 + 0 + 4, sources: [topic, other].sort()})
      // a member that committed nothing: lag unknown (null), never 0
      expect(by.get(noCommits)).toMatchObject({state: 'Stable', protocol: 'classic', consumers: 1, lag: null, sources: [topic]})
      if (modern)
        expect(by.get(kip)).toEqual({
          group: kip,
          sources: [topic],
          state: 'Stable',
          consumers: 1,
          lag: 0,
          timeLagMs: null,
          timeLagNote: null,
          type: 'consumer',
          protocol: 'consumer',
          protocolType: 'consumer',
          leaderlessPartitions: 0,
        })
    })

    it('cg groups TOPIC keeps the groups with offsets on that topic; the table shows the same', async () => {
      const r = await runCg(['groups', other, '--url', url, '--json'])
      expect(r.code, r.stderr).toBe(0)
      const names = r.json().groups.map((g: any) => g.group)
      expect(names.sort()).toEqual([offsetsOnly, staticG].sort())
      const t = await runCg(['groups', other, '--url', url])
      expect(t.code, t.stderr).toBe(0)
      expect(t.stdout).toMatch(/^GROUP\s+STATE\s+TYPE\s+CONSUMERS\s+LAG\s+TIME-LAG\s+TOPICS$/m)
      expect(t.stdout).toContain(offsetsOnly)
      expect(t.stdout).not.toContain(live)
    })

    it('cg consumers GROUP (classic): member id, lag, client id, host, instance id, assignment', async () => {
      const r = await runCg(['consumers', live, '--url', url, '--json'])
      expect(r.code, r.stderr).toBe(0)
      const doc = r.json()
      expectValid('consumers.json', doc)
      expect(doc).toMatchObject({broker: 'kafka', group: live, state: 'Stable', protocol: 'classic'})
      expect(doc.consumers).toEqual([
        {
          name: liveMember.memberId,
          pending: await rawLag(live),
          idleMs: null,
          clientId: 'cg-live-client',
          host: '/127.0.0.1',
          instanceId: null,
          assignment: [{topic, partitions: [0, 1, 2]}],
          memberEpoch: null,
          targetAssignment: null,
          reconciling: null,
          memberType: null,
        },
      ])
      const s = await runCg(['consumers', staticG, '--url', url, '--json'])
      expect(s.json().consumers[0]).toMatchObject({
        name: staticMember.memberId,
        pending: 0,
        clientId: 'cg-static-client',
        instanceId: 'static-1',
        assignment: [{topic: other, partitions: [0, 1]}],
      })
      const table = await runCg(['consumers', live, '--url', url])
      expect(table.stdout).toContain(`${topic}:0,1,2`)
      expect(table.stdout).toContain(liveMember.memberId)
    })

    // KIP-848 groups exist on 4.x only (3.9 has no consumer protocol by default): defined there, not skipped here.
    if (modern)
      it('cg consumers GROUP (KIP-848) is described with ConsumerGroupDescribe, not reported Dead', async () => {
        const r = await runCg(['consumers', kip, '--url', url, '--json'])
        expect(r.code, r.stderr).toBe(0)
        const doc = r.json()
        expectValid('consumers.json', doc)
        expect(doc).toMatchObject({group: kip, state: 'Stable', protocol: 'consumer', assignor: expect.any(String)})
        expect(doc.consumers).toHaveLength(1)
        expect(doc.consumers[0]).toMatchObject({clientId: 'cg-kip-client', host: '/127.0.0.1', instanceId: null, assignment: [{topic, partitions: [0, 1, 2]}]})
        expect(doc.consumers[0].name).toMatch(/^\S{10,}$/)
      })

    it('cg pending GROUP: per partition current offset, log-end offset, lag and owner', async () => {
      const r = await runCg(['pending', live, '--url', url, '--json'])
      expect(r.code, r.stderr).toBe(0)
      const doc = r.json()
      expectValid('pending.json', doc)
      expect(doc).toMatchObject({broker: 'kafka', group: live, state: 'Stable', protocol: 'classic', consumers: 1, pending: await rawLag(live)})
      expect(doc.partitions).toHaveLength(3)
      const committed = doc.partitions.map((p: any) => p.currentOffset ?? 0)
      expect(committed.reduce((a: number, b: number) => a + b, 0)).toBe(12)
      for (const p of doc.partitions) {
        expect(p).toMatchObject({topic, logEndOffset: 10, consumer: liveMember.memberId, host: '/127.0.0.1', clientId: 'cg-live-client'})
        expect(p.lag).toBe(p.currentOffset === null ? null : 10 - p.currentOffset)
      }
      // offsets-only group: no owner; one positional is the group, two are topic and group
      const o = await runCg(['pending', other, offsetsOnly, '--url', url, '--json'])
      expect(o.code, o.stderr).toBe(0)
      expect(o.json().partitions).toEqual([
        {
          topic: other,
          partition: 0,
          currentOffset: 4,
          logStartOffset: 0,
          logEndOffset: 4,
          leader: 1,
          lag: 0,
          lostRecords: 0,
          timeLagMs: null,
          timeLagNote: null,
          consumer: null,
          host: null,
          clientId: null,
        },
        {
          topic: other,
          partition: 1,
          currentOffset: 0,
          logStartOffset: 0,
          logEndOffset: 4,
          leader: 1,
          lag: 4,
          lostRecords: 0,
          timeLagMs: expect.any(Number),
          timeLagNote: null,
          consumer: null,
          host: null,
          clientId: null,
        },
      ])
    })

    it('cg pending GROUP with no commits shows the assigned partitions with unknown offsets and lag', async () => {
      const r = await runCg(['pending', noCommits, '--url', url, '--json'])
      expect(r.code, r.stderr).toBe(0)
      const doc = r.json()
      expect(doc.pending).toBeNull()
      expect(doc.partitions.map((p: any) => [p.partition, p.currentOffset, p.logEndOffset, p.lag])).toEqual([
        [0, null, 10, null],
        [1, null, 10, null],
        [2, null, 10, null],
      ])
      const t = await runCg(['pending', noCommits, '--url', url])
      expect(t.stdout).toMatch(/lag\s+unknown/)
    })

    it('cg lag [GROUP] [--topic]: the describe rows of one group or of every group', async () => {
      const one = await runCg(['lag', offsetsOnly, '--topic', topic, '--url', url, '--json'])
      expect(one.code, one.stderr).toBe(0)
      const doc = one.json()
      expectValid('lag.json', doc)
      expect(doc.window).toBeNull()
      expect(doc.groups).toHaveLength(1)
      expect(doc.groups[0]).toMatchObject({group: offsetsOnly, state: 'Empty', lag: 24})
      expect(doc.groups[0].partitions.map((p: any) => [p.topic, p.partition, p.currentOffset, p.lag])).toEqual([
        [topic, 0, 1, 9],
        [topic, 1, 2, 8],
        [topic, 2, 3, 7],
      ])
      const all = await runCg(['lag', '--topic', other, '--url', url, '--json'])
      expect(all.code, all.stderr).toBe(0)
      expectValid('lag.json', all.json())
      const names = all.json().groups.map((g: any) => g.group)
      expect(names).toContain(offsetsOnly)
      expect(names).toContain(staticG)
      expect(names).not.toContain(live)
      const table = await runCg(['lag', offsetsOnly, '--url', url])
      expect(table.stdout).toMatch(/^GROUP\s+TOPIC\s+PARTITION\s+CURRENT-OFFSET\s+LOG-END-OFFSET\s+LAG\s+TIME-LAG\s+CONSUMER-ID\s+HOST\s+CLIENT-ID$/m)
      expect(table.stdout).toMatch(
        new RegExp(`^${offsetsOnly.replace(/\./g, '\\.')}\\s+${other.replace(/\./g, '\\.')}\\s+1\\s+0\\s+4\\s+4\\s+\\d+[smh]\\S*\\s+-\\s+-\\s+-$`, 'm'),
      )
    })

    it('an unknown group exits 5 with a hint (consumers, pending, lag), also as a JSON error', async () => {
      const missing = kname('nosuch')
      for (const cmd of [
        ['consumers', missing],
        ['pending', missing],
        ['lag', missing],
      ]) {
        const r = await runCg([...cmd, '--url', url])
        expect(r.code, `${cmd[0]}: ${r.stderr}`).toBe(5)
        expect(r.stderr).toContain(`consumer group ${missing} does not exist`)
        expect(r.stderr).toContain('Hint: cg groups lists the consumer groups')
      }
      const j = await runCg(['pending', missing, '--url', url, '--json'])
      expect(j.code).toBe(5)
      expect(j.json().error).toMatchObject({code: 'not_found'})
      expectValid('error.json', j.json())
    })
  })
}
