// Every Kafka group type (KIP-848 ListGroups v5): cg groups lists classic, consumer, share and streams groups
// with the TYPE Apache's kafka-groups.sh --list prints, filters them with --type, and cg consumers shows the KIP-848
// epochs as kafka-consumer-groups.sh --describe --verbose does (and nulls for a classic group).
import type {Admin} from '@platformatic/kafka'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {runCg} from '../../helpers/cli.js'
import {
  classicMember,
  createTopic,
  deleteGroups,
  deleteTopics,
  KAFKA,
  kafkaAdmin,
  kafkaTool,
  kip848Member,
  kname,
  produce,
  waitFor,
  type MemberHandle,
} from '../../helpers/kafka.js'
import {shareMember, type ShareMemberHandle} from '../../helpers/kafka-share.js'
import {streamsMember, type StreamsMemberHandle} from '../../helpers/kafka-streams-member.js'
import {expectValid} from '../../helpers/schemas.js'

/** A Java tool's table as rows of header -> value (the columns are split on whitespace). */
function javaTable(stdout: string, firstHeader: string): Array<Record<string, string>> {
  const lines = stdout.split('\n').filter((l) => l.trim())
  const at = lines.findIndex((l) => l.trim().startsWith(`${firstHeader} `))
  if (at < 0) return []
  const headers = lines[at].trim().split(/\s+/)
  return lines
    .slice(at + 1)
    .map((l) => l.trim().split(/\s+/))
    .filter((cols) => cols.length === headers.length)
    .map((cols) => Object.fromEntries(headers.map((h, i) => [h, cols[i]])))
}

describe(`Kafka group types on ${KAFKA.name}`, () => {
  let admin: Admin
  const topic = kname('types')
  const classic = kname('gt-classic')
  const consumer = kname('gt-consumer')
  const share = kname('gt-share')
  const streams = kname('gt-streams')
  const ours = [classic, consumer, share, streams]
  const members: Array<MemberHandle | ShareMemberHandle | StreamsMemberHandle> = []
  let streamsHandle: StreamsMemberHandle
  const url = KAFKA.url

  beforeAll(async () => {
    admin = kafkaAdmin(KAFKA.bootstrap)
    await createTopic(admin, topic, 2)
    await produce(KAFKA.bootstrap, topic, 6, 2)
    members.push(await classicMember({group: classic, topics: [topic], commit: 2, clientId: 'cg-types-classic'}))
    members.push(await kip848Member({group: consumer, topic, expectCommitted: 6, clientId: 'cg-types-consumer'}))
    members.push(await shareMember({group: share, topic}))
    streamsHandle = await streamsMember({group: streams, topic})
    members.push(streamsHandle)
  }, 150_000)

  afterAll(async () => {
    await Promise.allSettled(members.map((m) => m.stop()))
    await deleteGroups(admin, ours)
    await deleteTopics(admin, [topic])
    await admin.close()
  }, 60_000)

  it('cg groups gives every group the type kafka-groups.sh --list prints, and share and streams groups their state and members', async () => {
    const java = await kafkaTool('latest', 'groups', ['--bootstrap-server', KAFKA.bootstrap, '--list'])
    expect(java.code, java.stderr).toBe(0)
    const javaTypes = new Map(javaTable(java.stdout, 'GROUP').map((r) => [r.GROUP, r.TYPE.toLowerCase()]))
    expect(
      ours.map((g) => javaTypes.get(g)),
      java.stdout,
    ).toEqual(['classic', 'consumer', 'share', 'streams'])

    // the members have joined; the streams group is Assigning until its member has confirmed its tasks
    const listed = async () => {
      const r = await runCg(['groups', '--url', url, '--json'])
      expect(r.code, r.stderr).toBe(0)
      return r.json()
    }
    const doc = await waitFor(
      async () => {
        const d = await listed()
        if (d.groups.find((g: any) => g.group === streams)?.state !== 'Stable') throw new Error('the streams group is not Stable yet')
        return d
      },
      30_000,
      'the streams group to be Stable',
    )
    expectValid('groups.json', doc)
    const by = new Map<string, any>(doc.groups.map((g: any) => [g.group, g]))
    for (const g of ours) expect(by.get(g)?.type, g).toBe(javaTypes.get(g))
    // every group both list, with the same type
    for (const [g, type] of javaTypes) if (by.has(g)) expect(by.get(g).type, g).toBe(type)
    expect(by.get(classic)).toMatchObject({state: 'Stable', protocol: 'classic', consumers: 1})
    expect(by.get(consumer)).toMatchObject({state: 'Stable', protocol: 'consumer', consumers: 1, lag: 0})
    expect(by.get(share)).toMatchObject({state: 'Stable', type: 'share', consumers: 1})
    expect(by.get(streams)).toMatchObject({state: 'Stable', type: 'streams', protocol: 'streams', consumers: 1})

    const t = await runCg(['groups', '--url', url])
    expect(t.code, t.stderr).toBe(0)
    expect(t.stdout).toMatch(/^GROUP\s+STATE\s+TYPE\s+CONSUMERS\s+LAG\s+TIME-LAG\s+TOPICS$/m)
    expect(t.stdout).toMatch(new RegExp(`^${share.replaceAll('.', '\\.')}\\s+Stable\\s+share\\s+1\\s`, 'm'))
  })

  it('--type keeps the groups of the types asked for (repeated, or a comma list); an unknown type is a usage error', async () => {
    const types = async (args: string[]) => {
      const r = await runCg(['groups', '--url', url, '--json', ...args])
      expect(r.code, r.stderr).toBe(0)
      expectValid('groups.json', r.json())
      return r.json().groups as Array<{group: string; type: string}>
    }
    const only = await types(['--type', 'streams'])
    expect(only.map((g) => g.group).filter((g) => ours.includes(g))).toEqual([streams])
    const two = await types(['--type', 'share', '--type', 'consumer'])
    expect(new Set(two.map((g) => g.type)).size).toBeLessThanOrEqual(2)
    for (const g of two) expect(['share', 'consumer']).toContain(g.type)
    expect(two.map((g) => g.group).filter((g) => ours.includes(g))).toEqual([consumer, share].sort())

    const comma = await types(['--type', 'classic,share'])
    for (const g of comma) expect(['classic', 'share']).toContain(g.type)
    expect(comma.map((g) => g.group).filter((g) => ours.includes(g))).toEqual([classic, share].sort())

    const bad = await runCg(['groups', '--url', url, '--type', 'bogus'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('unknown group type "bogus"')
  })

  it('cg consumers on a KIP-848 group: the epochs of kafka-consumer-groups.sh --describe --verbose, current and target assignment', async () => {
    const state = await kafkaTool('latest', 'consumer-groups', [
      '--bootstrap-server',
      KAFKA.bootstrap,
      '--describe',
      '--group',
      consumer,
      '--state',
      '--verbose',
    ])
    expect(state.code, state.stderr).toBe(0)
    const [g] = javaTable(state.stdout, 'GROUP')
    expect(g, state.stdout).toBeDefined()
    const javaMembers = await kafkaTool('latest', 'consumer-groups', [
      '--bootstrap-server',
      KAFKA.bootstrap,
      '--describe',
      '--group',
      consumer,
      '--members',
      '--verbose',
    ])
    expect(javaMembers.code, javaMembers.stderr).toBe(0)
    const [m] = javaTable(javaMembers.stdout, 'GROUP')
    expect(m, javaMembers.stdout).toBeDefined()

    const r = await runCg(['consumers', consumer, '--url', url, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const doc = r.json()
    expectValid('consumers.json', doc)
    expect(doc).toMatchObject({
      type: 'consumer',
      protocol: 'consumer',
      groupEpoch: Number(g['GROUP-EPOCH']),
      assignmentEpoch: Number(g['TARGET-ASSIGNMENT-EPOCH']),
    })
    expect(doc.consumers).toHaveLength(1)
    const [c] = doc.consumers
    expect(c.name).toBe(m['CONSUMER-ID'])
    expect(c.memberEpoch).toBe(Number(m['CURRENT-EPOCH']))
    // steady: its assignment is its target, both partitions of the topic
    expect(c.assignment).toEqual([{topic, partitions: [0, 1]}])
    expect(c.targetAssignment).toEqual(c.assignment)
    expect(c.reconciling).toBe(false)
    expect(c.memberType).toBe('consumer')

    const t = await runCg(['consumers', consumer, '--url', url])
    expect(t.code, t.stderr).toBe(0)
    expect(t.stdout).toMatch(new RegExp(`^group epoch\\s+${g['GROUP-EPOCH']}$`, 'm'))
    expect(t.stdout).toMatch(/MEMBER-ID\s+CLIENT-ID\s+HOST\s+INSTANCE-ID\s+LAG\s+EPOCH\s+ASSIGNMENT\s+TARGET-ASSIGNMENT/)
  })

  it('cg consumers on a classic group: the KIP-848 fields are null', async () => {
    const r = await runCg(['consumers', classic, '--url', url, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const doc = r.json()
    expectValid('consumers.json', doc)
    expect(doc).toMatchObject({type: 'classic', protocol: 'classic', groupEpoch: null, assignmentEpoch: null})
    expect(doc.consumers).toHaveLength(1)
    expect(doc.consumers[0]).toMatchObject({memberEpoch: null, targetAssignment: null, reconciling: null, memberType: null, clientId: 'cg-types-classic'})
    const t = await runCg(['consumers', classic, '--url', url])
    expect(t.stdout).not.toMatch(/EPOCH|TARGET-ASSIGNMENT/)
  })

  it('cg consumers on a share group: its member with its epoch and assigned partitions', async () => {
    const r = await runCg(['consumers', share, '--url', url, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const doc = r.json()
    expectValid('consumers.json', doc)
    expect(doc).toMatchObject({type: 'share', state: 'Stable', groupEpoch: expect.any(Number), assignmentEpoch: expect.any(Number)})
    expect(doc.consumers).toHaveLength(1)
    expect(doc.consumers[0]).toMatchObject({memberEpoch: expect.any(Number), targetAssignment: null, assignment: [{topic, partitions: [0, 1]}]})
  })

  it('cg consumers on a streams group: its member with its epoch, described by StreamsGroupDescribe', async () => {
    const r = await runCg(['consumers', streams, '--url', url, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const doc = r.json()
    expectValid('consumers.json', doc)
    expect(doc).toMatchObject({state: 'Stable', type: 'streams', protocol: 'streams', groupEpoch: expect.any(Number), assignmentEpoch: expect.any(Number)})
    expect(doc.consumers).toHaveLength(1)
    // a member that has caught up: at the group epoch, not reconciling
    expect(doc.consumers[0]).toMatchObject({
      name: streamsHandle.memberId,
      memberEpoch: doc.groupEpoch,
      // its target tasks, as the partitions of its sub-topology's source topics: what it has
      targetAssignment: doc.consumers[0].assignment,
      reconciling: false,
      // the lag of the partitions of its active tasks: unknown, as it commits nothing
      pending: null,
    })
  })
})
