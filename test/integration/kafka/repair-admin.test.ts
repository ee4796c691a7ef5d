// cg group delete, cg offsets delete, cg consumer delete and cg claim on real Kafka brokers, with groups made
// by real clients: classic members (dynamic and static) from @platformatic/kafka that join and commit, and on
// 4.x a KIP-848 member (the Java console consumer with group.protocol=consumer). Refusals change nothing.
import {spawn} from 'node:child_process'
import type {Admin} from '@platformatic/kafka'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {describeGroup} from '../../../src/brokers/kafka/kafka-offsets.js'
import type {KafkaAdapter} from '../../../src/brokers/kafka/kafka-types.js'
import {runCg} from '../../helpers/cli.js'
import {
  classicMember,
  commitOffsets,
  KAFKA_TOOL,
  createTopic,
  deleteGroups,
  deleteTopics,
  KAFKA,
  KAFKA_TARGETS,
  kafkaAdmin,
  kip848Member,
  kname,
  produce,
  waitFor,
  type MemberHandle,
} from '../../helpers/kafka.js'
import {expectValid} from '../../helpers/schemas.js'

/** committed offsets of a group: {topic: {partition: offset}} */
async function offsets(admin: Admin, group: string): Promise<Record<string, Record<number, number>>> {
  const [g] = await admin.listConsumerGroupOffsets({groups: [group]}).catch(() => [])
  const out: Record<string, Record<number, number>> = {}
  for (const t of g?.topics ?? [])
    for (const p of t.partitions)
      if (p.committedOffset >= 0n) {
        out[t.name] ??= {}
        out[t.name][p.partitionIndex] = Number(p.committedOffset)
      }
  return out
}

for (const target of KAFKA_TARGETS) {
  const modern = target === KAFKA
  describe(`Kafka repairs on ${target.name}`, () => {
    let admin: Admin
    const a = kname('adm-a')
    const b = kname('adm-b')
    const gEmpty = kname('g-empty') // offsets on a [3,4] and b [2], no members
    const gEmpty2 = kname('g-empty2') // offsets on a [3,4]
    const gLive = kname('g-live') // a classic member consuming a; offsets on b written before it joined
    const gMembers = kname('g-members') // a static member (instance cg-static-1) and a dynamic one
    const gKip = kname('g-kip')
    const url = target.url
    const handles: MemberHandle[] = []
    let liveMember: MemberHandle
    let dynMember: MemberHandle
    const adapter = {
      options: {clientId: 'cg-test', bootstrapBrokers: [target.bootstrap], timeout: 10_000, retries: 2, retryDelay: 250},
      admin: async () => admin,
    } as unknown as KafkaAdapter
    const cg = (args: string[]) => runCg([...args, '--url', url])
    const cgJson = async (args: string[], schema: string) => {
      const r = await cg([...args, '--json'])
      expect(r.code, r.stderr + r.stdout).toBe(0)
      const doc = r.json()
      expectValid(schema, doc, args.join(' '))
      return doc
    }
    const memberIds = async (group: string) => (await describeGroup(adapter, group)).members.map((m) => m.memberId)

    beforeAll(async () => {
      admin = kafkaAdmin(target.bootstrap)
      await createTopic(admin, a, 2)
      await createTopic(admin, b, 1)
      await produce(target.bootstrap, a, 20, 2)
      await produce(target.bootstrap, b, 4, 1)
      await commitOffsets(admin, gEmpty, {[a]: [3, 4], [b]: [2]})
      await commitOffsets(admin, gEmpty2, {[a]: [3, 4]})
      await commitOffsets(admin, gLive, {[b]: [1]})
      liveMember = await classicMember({bootstrap: target.bootstrap, group: gLive, topics: [a], commit: 2, clientId: 'cg-adm-live'})
      handles.push(liveMember)
      handles.push(
        await classicMember({bootstrap: target.bootstrap, group: gMembers, topics: [a], commit: 1, clientId: 'cg-adm-static', instanceId: 'cg-static-1'}),
      )
      dynMember = await classicMember({bootstrap: target.bootstrap, group: gMembers, topics: [a], commit: 0, clientId: 'cg-adm-dynamic'})
      handles.push(dynMember)
    }, 120_000)

    afterAll(async () => {
      await Promise.allSettled(handles.map((h) => h.stop()))
      await deleteGroups(admin, [gEmpty, gEmpty2, gLive, gMembers, gKip])
      await deleteTopics(admin, [a, b])
      await admin.close()
    }, 60_000)

    describe('cg group delete', () => {
      it('refuses a group with members (exit 4) and names them; the group stays', async () => {
        const r = await cg(['group', 'delete', gLive])
        expect(r.code, r.stderr).toBe(4)
        expect(r.stderr).toContain(liveMember.memberId)
        expect(r.stderr).toContain('Nothing changed')
        expect((await memberIds(gLive)).length).toBe(1)
        expect(await offsets(admin, gLive)).toHaveProperty(b)
      })

      it('--dry-run says what would go and changes nothing; then deletes; then the group is unknown (exit 5)', async () => {
        const dry = await cgJson(['group', 'delete', gEmpty, '--dry-run'], 'group-delete.json')
        expect(dry).toMatchObject({
          broker: 'kafka',
          group: gEmpty,
          state: 'Empty',
          consumers: 0,
          committedPartitions: 3,
          sources: [a, b].sort(),
          dryRun: true,
          deleted: false,
        })
        expect(await offsets(admin, gEmpty)).toEqual({[a]: {0: 3, 1: 4}, [b]: {0: 2}})
        const done = await cgJson(['group', 'delete', gEmpty], 'group-delete.json')
        expect(done).toMatchObject({dryRun: false, deleted: true})
        expect(await offsets(admin, gEmpty)).toEqual({})
        const again = await cg(['group', 'delete', gEmpty])
        expect(again.code).toBe(5)
        expect(again.stderr).toContain('not found')
      })

      it('an unknown group exits 5; --force is a usage error on Kafka', async () => {
        expect((await cg(['group', 'delete', kname('nope')])).code).toBe(5)
        expect((await cg(['group', 'delete', gLive, '--force'])).code).toBe(2)
      })
    })

    describe('cg offsets delete', () => {
      it('refuses (exit 4) topics the live group consumes, and changes nothing even for the other topics asked', async () => {
        const before = await offsets(admin, gLive)
        const r = await cg(['offsets', 'delete', gLive, '--topic', a, '--topic', b])
        expect(r.code, r.stderr).toBe(4)
        expect(r.stderr).toContain(a)
        expect(r.stderr).toContain('GROUP_SUBSCRIBED_TO_TOPIC')
        expect(await offsets(admin, gLive)).toEqual(before)
      })

      it('deletes the offsets of a topic the live group does not consume (--dry-run first)', async () => {
        const dry = await cgJson(['offsets', 'delete', gLive, '--topic', b, '--dry-run'], 'offsets-delete.json')
        expect(dry).toMatchObject({
          broker: 'kafka',
          group: gLive,
          dryRun: true,
          totals: {deleted: 0, failed: 0},
          partitions: [{topic: b, partition: 0, offset: 1, status: 'would delete', error: null}],
        })
        expect((await offsets(admin, gLive))[b]).toEqual({0: 1})
        const done = await cgJson(['offsets', 'delete', gLive, '--topic', b], 'offsets-delete.json')
        expect(done).toMatchObject({dryRun: false, totals: {deleted: 1, failed: 0}})
        const after = await offsets(admin, gLive)
        expect(after[b]).toBeUndefined()
        expect(after[a]).toBeDefined()
      })

      it('takes topic:partitions; partitions without a commit are reported, not sent', async () => {
        const doc = await cgJson(['offsets', 'delete', gEmpty2, '--topic', `${a}:1`], 'offsets-delete.json')
        expect(doc.partitions).toEqual([{topic: a, partition: 1, offset: 4, status: 'deleted', error: null}])
        expect(await offsets(admin, gEmpty2)).toEqual({[a]: {0: 3}})
        const none = await cgJson(['offsets', 'delete', gEmpty2, '--topic', `${a}:1`], 'offsets-delete.json')
        expect(none.partitions[0].status).toBe('no offset')
        const r = await cg(['offsets', 'delete', gEmpty2, '--topic', `${a}:1`])
        expect(r.stdout).toMatch(/TOPIC.*PARTITION.*OFFSET.*STATUS/)
      })

      it('unknown group or topic exits 5; no --topic exits 2', async () => {
        expect((await cg(['offsets', 'delete', kname('nope'), '--topic', a])).code).toBe(5)
        expect((await cg(['offsets', 'delete', gEmpty2, '--topic', kname('missing')])).code).toBe(5)
        expect((await cg(['offsets', 'delete', gEmpty2])).code).toBe(2)
      })
    })

    describe('cg consumer delete', () => {
      it('--dry-run names the static member found by its instance id and changes nothing', async () => {
        const before = await describeGroup(adapter, gMembers)
        const stat = before.members.find((m) => m.instanceId === 'cg-static-1')!
        const doc = await cgJson(['consumer', 'delete', gMembers, 'cg-static-1', '--dry-run'], 'consumer-delete.json')
        expect(doc).toMatchObject({
          broker: 'kafka',
          group: gMembers,
          protocol: 'classic',
          by: 'instance-id',
          dryRun: true,
          deleted: false,
          consumer: stat.memberId,
          member: {instanceId: 'cg-static-1', clientId: 'cg-adm-static'},
        })
        expect(await memberIds(gMembers)).toContain(stat.memberId)
      })

      it('removes a static member by group.instance.id (LeaveGroup as admin): that member id leaves the group', async () => {
        const stat = (await describeGroup(adapter, gMembers)).members.find((m) => m.instanceId === 'cg-static-1')!
        const doc = await cgJson(['consumer', 'delete', gMembers, 'cg-static-1'], 'consumer-delete.json')
        expect(doc).toMatchObject({deleted: true, by: 'instance-id', consumer: stat.memberId})
        // the client is still running: it may rejoin, but with a new member id
        await waitFor(async () => !(await memberIds(gMembers)).includes(stat.memberId), 20_000, 'the static member id to leave')
      })

      it('removes a dynamic member named by its member id', async () => {
        const id = (await describeGroup(adapter, gMembers)).members.find((m) => m.clientId === 'cg-adm-dynamic')!.memberId
        const r = await cg(['consumer', 'delete', gMembers, id])
        expect(r.code, r.stderr).toBe(0)
        expect(r.stdout).toContain(`Removed member ${id}`)
        await waitFor(async () => !(await memberIds(gMembers)).includes(id), 20_000, 'the dynamic member to leave')
      })

      it('an unknown member or group exits 5; --handoff and --force are usage errors on Kafka', async () => {
        const r = await cg(['consumer', 'delete', gMembers, 'no-such-member'])
        expect(r.code).toBe(5)
        expect(r.stderr).toContain('has no member no-such-member')
        expect((await cg(['consumer', 'delete', kname('nope'), 'x'])).code).toBe(5)
        expect((await cg(['consumer', 'delete', gMembers, 'x', '--handoff', 'y'])).code).toBe(2)
        expect((await cg(['consumer', 'delete', gMembers, 'x', '--force'])).code).toBe(2)
      })

      if (modern) {
        it('removes a KIP-848 (consumer protocol) member: Kafka 4.x accepts LeaveGroup from an admin for it', async () => {
          const kip = await kip848Member({bootstrap: target.bootstrap, group: gKip, topic: a, expectCommitted: 20, clientId: 'cg-adm-kip'})
          handles.push(kip)
          const info = (await waitFor(
            async () => {
              const d = await describeGroup(adapter, gKip)
              return d.members.length === 1 ? d : null
            },
            30_000,
            'the KIP-848 member',
          ))!
          expect(info.protocol).toBe('consumer')
          const id = info.members[0].memberId
          const doc = await cgJson(['consumer', 'delete', gKip, id], 'consumer-delete.json')
          expect(doc).toMatchObject({protocol: 'consumer', by: 'member-id', deleted: true})
          await waitFor(async () => !(await memberIds(gKip)).includes(id), 20_000, 'the KIP-848 member to leave')
          // offsets of an Empty consumer-protocol group can be reset again
          await kip.stop()
          await waitFor(async () => (await describeGroup(adapter, gKip)).members.length === 0, 20_000, 'an empty group')
          const reset = await cg(['reset', gKip, '--to-earliest', '--topic', a, '--execute'])
          expect(reset.code, reset.stderr).toBe(0)
          expect(await offsets(admin, gKip)).toEqual({[a]: {0: 0, 1: 0}})
        }, 120_000)
      }
    })

    it('handles a classic member of the Java consumer (static): refusals name it, consumer delete removes it by instance id', async () => {
      const g = kname('g-java')
      // Apache Kafka's console consumer, classic protocol, static membership
      const child = spawn(
        KAFKA_TOOL,
        [
          modern ? 'latest' : 'compat',
          'console-consumer',
          '--bootstrap-server',
          target.bootstrap,
          '--topic',
          a,
          '--group',
          g,
          '--from-beginning',
          '--consumer-property',
          'group.instance.id=java-static-1',
          '--consumer-property',
          'client.id=cg-java-classic',
        ],
        {stdio: 'ignore'},
      )
      try {
        const info = (await waitFor(
          async () => {
            const d = await describeGroup(adapter, g)
            return d.members.length === 1 && d.state === 'Stable' ? d : null
          },
          60_000,
          'the Java classic member',
        ))!
        expect(info.protocol).toBe('classic')
        expect(info.members[0]).toMatchObject({
          instanceId: 'java-static-1',
          clientId: 'cg-java-classic',
          subscribedTopics: [a],
          assignment: [{topic: a, partitions: [0, 1]}],
        })
        const del = await cg(['group', 'delete', g])
        expect(del.code, del.stderr).toBe(4)
        expect(del.stderr).toContain('instance java-static-1')
        const id = info.members[0].memberId
        const doc = await cgJson(['consumer', 'delete', g, 'java-static-1'], 'consumer-delete.json')
        expect(doc).toMatchObject({deleted: true, by: 'instance-id', consumer: id, member: {partitions: 2}})
        await waitFor(async () => !(await memberIds(g)).includes(id), 20_000, 'the Java member id to leave')
      } finally {
        child.kill('SIGKILL')
        // a killed static member stays until its session times out: remove it, then the group
        await waitFor(
          async () => (await describeGroup(adapter, g)).members.length === 0 || (await cg(['consumer', 'delete', g, 'java-static-1'])).code === 0,
          20_000,
          'the Java member removed',
        ).catch(() => {})
        await deleteGroups(admin, [g])
      }
    }, 120_000)

    it('cg claim explains that Kafka has no per-message ownership and points at consumer delete and reset (exit 4)', async () => {
      const r = await cg(['claim', gLive])
      expect(r.code).toBe(4)
      expect(r.stderr).toContain('claim is not possible on Kafka')
      expect(r.stderr).toContain('cg consumer delete')
      expect(r.stderr).toContain('cg reset')
      const j = await cg(['claim', gLive, '--json'])
      expect(j.code).toBe(4)
      expectValid('error.json', j.json())
    })
  })
}
