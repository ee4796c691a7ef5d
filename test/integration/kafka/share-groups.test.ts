// Share groups (KIP-932) on the Kafka 4.x broker: every cg operation on one, with the numbers of Apache Kafka's own
// kafka-share-groups.sh (ShareGroupCommand, from the Maven jars through scripts/kafka/kafka-tool.sh) in the same
// test: start offsets and lag per partition and in total (--describe), members (--describe --members), reset plans
// (--reset-offsets --dry-run). The members are Apache's ConsoleShareConsumer, started here and stopped in afterAll.
import {spawn, type ChildProcess} from 'node:child_process'
import type {Admin} from '@platformatic/kafka'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {runCg} from '../../helpers/cli.js'
import {expectValid} from '../../helpers/schemas.js'
import {
  commitOffsets,
  createTopic,
  deleteGroups,
  deleteTopics,
  KAFKA,
  KAFKA_TOOL,
  kafkaAdmin,
  kafkaTool,
  kname,
  produce,
  sleep,
  waitFor,
} from '../../helpers/kafka.js'

const SHARE_TOOL = 'org.apache.kafka.tools.consumer.group.ShareGroupCommand'
const CONSOLE_SHARE = 'org.apache.kafka.tools.consumer.ConsoleShareConsumer'
const url = `kafka://${KAFKA.bootstrap}`
/** Runs cg; every --json document is checked against its command's schema (schemas/<command>.json). */
async function cg(args: string[]) {
  const r = await runCg([...args, '--url', url])
  if (args.includes('--json') && r.code === 0) {
    const command = args[0] === 'offsets' || args[0] === 'group' ? `${args[0]}-${args[1]}` : args[0]
    expectValid(`${command}.json`, r.json(), args.join(' '))
  }
  return r
}

async function shareTool(args: string[]): Promise<string> {
  const r = await kafkaTool(KAFKA.version, SHARE_TOOL, ['--bootstrap-server', KAFKA.bootstrap, ...args])
  expect(r.code, `${args.join(' ')}:\n${r.stdout}\n${r.stderr}`).toBe(0)
  return r.stdout
}

/** The data rows of a ShareGroupCommand table: the lines that start with the group, split on blanks. */
function rows(stdout: string, group: string): string[][] {
  return stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((cols) => cols[0] === group)
}

const dash = (v: number | null) => (v === null ? '-' : String(v))

/** --describe: TOPIC PARTITION START-OFFSET LAG per partition (the tool sorts them). */
async function javaDescribe(group: string): Promise<string[][]> {
  return rows(await shareTool(['--describe', '--group', group]), group).map((r) => r.slice(1))
}

interface ShareRow {
  topic: string
  partition: number
  startOffset: number | null
  lag: number | null
  logEndOffset: number | null
  timeLagMs: number | null
  consumers: string[]
}

const cgRows = (partitions: ShareRow[]) => partitions.map((p) => [p.topic, String(p.partition), dash(p.startOffset), dash(p.lag)])
const total = (java: string[][]) => java.reduce((n, r) => n + Number(r[3]), 0)

function consoleShareConsumer(topic: string, group: string, clientId: string): {child: ChildProcess; stop: () => Promise<void>} {
  const child = spawn(
    KAFKA_TOOL,
    [KAFKA.version, CONSOLE_SHARE, '--bootstrap-server', KAFKA.bootstrap, '--topic', topic, '--group', group, '--command-property', `client.id=${clientId}`],
    {stdio: ['ignore', 'ignore', 'ignore']},
  )
  const exit = new Promise<void>((resolve) => child.on('exit', () => resolve()))
  return {
    child,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 8000)
      await exit
      clearTimeout(timer)
    },
  }
}

describe('share groups (KIP-932) equal kafka-share-groups.sh', () => {
  let admin: Admin
  const topic = kname('share-t')
  const group = kname('share-g')
  const classic = kname('share-classic')
  const members: Array<{stop: () => Promise<void>}> = []
  let producedAt = 0
  let cut = 0

  beforeAll(async () => {
    admin = kafkaAdmin()
    await createTopic(admin, topic, 3)
    producedAt = Date.now()
    await produce(KAFKA.bootstrap, topic, 30, 3) // 10 per partition
    await sleep(1500)
    cut = Date.now()
    await sleep(100)
    await produce(KAFKA.bootstrap, topic, 6, 3) // offsets 10, 11 on each partition
    // the share group comes into being with start offsets at the log start (Apache's tool: a reset creates it)
    await shareTool(['--reset-offsets', '--group', group, '--topic', topic, '--to-earliest', '--execute'])
    await commitOffsets(admin, classic, {[topic]: [1, 2, 3]})
  }, 120_000)

  afterAll(async () => {
    await Promise.allSettled(members.map((m) => m.stop()))
    await deleteGroups(admin, [group, classic])
    await deleteTopics(admin, [topic])
    await admin.close()
  }, 60_000)

  it('cg pending / cg lag GROUP: start offset and lag per partition, total and time behind, as --describe', async () => {
    const java = await javaDescribe(group)
    expect(java).toEqual([
      [topic, '0', '0', '12'],
      [topic, '1', '0', '12'],
      [topic, '2', '0', '12'],
    ])
    const pending = await cg(['pending', group, '--json'])
    expect(pending.code, pending.stderr).toBe(0)
    const p = pending.json()
    expect(p).toMatchObject({broker: 'kafka', group, protocol: 'share', state: 'Empty', consumers: 0, sources: [topic]})
    expect(cgRows(p.partitions)).toEqual(java)
    expect(p.pending).toBe(total(java))
    expect(p.partitions.map((r: ShareRow) => r.logEndOffset)).toEqual([12, 12, 12])
    // time behind: the record at the start offset (offset 0) was produced after producedAt
    const age = Date.now() - producedAt
    expect(p.timeLagMs).toBeGreaterThan(1000)
    expect(p.timeLagMs).toBeLessThanOrEqual(age + 1000)

    const lag = await cg(['lag', group, '--json'])
    expect(lag.code, lag.stderr).toBe(0)
    const [g] = lag.json().groups
    expect(g).toMatchObject({group, protocol: 'share', lag: total(java), sources: [topic]})
    expect(cgRows(g.partitions)).toEqual(java)
    expect(g.timeLagMs).toBeGreaterThan(1000)

    // every group (of the topic): the share group by its own numbers beside the consumer group
    const all = (await cg(['lag', '--topic', topic, '--json'])).json()
    const mine = all.groups.find((x: {group: string}) => x.group === group)
    expect(mine).toMatchObject({protocol: 'share', lag: total(java)})
    expect(cgRows(mine.partitions)).toEqual(java)
    expect(all.groups.find((x: {group: string}) => x.group === classic)).toMatchObject({protocol: 'classic', lag: 30})

    // cg groups: the share group's row has its broker's lag and time behind; another topic leaves it out
    const groups = (await cg(['groups', topic, '--json'])).json()
    const row = groups.groups.find((x: {group: string}) => x.group === group)
    expect(row).toMatchObject({type: 'share', lag: total(java), sources: [topic], consumers: 0})
    expect(row.timeLagMs).toBeGreaterThan(1000)
    expect((await cg(['groups', `${topic}-other`, '--json'])).json().groups.map((x: {group: string}) => x.group)).not.toContain(group)

    const table = await cg(['pending', group])
    expect(table.stdout).toMatch(/START-OFFSET/)
    expect(table.stdout).toMatch(/lag\s+36/)

    // the status read (check, metrics) takes the share group's own numbers, named or among every group
    const check = await cg(['check', group, '--lag', '10,100', '--json'])
    expect(check.code, check.stdout + check.stderr).toBe(1)
    expect(check.json()).toMatchObject({status: 'WARNING', groups: [{group, status: 'WARNING', lag: total(java)}]})
    const every = await cg(['check', '--lag', '1000,2000', '--json'])
    expect(every.json().groups.find((x: {group: string}) => x.group === group)).toMatchObject({lag: total(java)})
    const metrics = await cg(['metrics', group])
    expect(metrics.code, metrics.stderr).toBe(0)
    expect(metrics.stdout).toContain(`cg_group_lag{broker="kafka",source="${topic}",group="${group}"} ${total(java)}`)
  }, 120_000)

  it('cg reset plans (--to-earliest, --to-latest, --to-datetime, --by-duration) equal --reset-offsets --dry-run', async () => {
    const plan = async (mode: string[]) => {
      const r = await cg(['reset', group, '--topic', topic, ...mode, '--json'])
      expect(r.code, r.stderr).toBe(0)
      const d = r.json()
      expect(d).toMatchObject({protocol: 'share', dryRun: true, executed: false})
      return d.partitions.map((x: {topic: string; partition: number; new: number}) => [x.topic, String(x.partition), String(x.new)])
    }
    // the tool prints the plan in no particular order
    const java = async (mode: string[]) =>
      rows(await shareTool(['--reset-offsets', '--group', group, '--topic', topic, ...mode, '--dry-run']), group)
        .map((r) => r.slice(1))
        .sort((a, b) => Number(a[1]) - Number(b[1]))
    const datetime = new Date(cut).toISOString().replace('Z', '')
    for (const mode of [['--to-earliest'], ['--to-latest'], ['--to-datetime', datetime]]) {
      const expected = await java(mode)
      expect(expected.length, mode.join(' ')).toBe(3)
      expect(await plan(mode), mode.join(' ')).toEqual(expected)
    }
    expect(await plan(['--to-datetime', datetime])).toEqual([0, 1, 2].map((p) => [topic, String(p), '10']))
    // kafka-share-groups.sh has no --by-duration: an hour back is the log start, as its --to-earliest
    expect(await plan(['--by-duration', 'PT1H'])).toEqual(await java(['--to-earliest']))
    // nothing changed
    expect(cgRows((await cg(['pending', group, '--json'])).json().partitions).map((r) => r[2])).toEqual(['0', '0', '0'])
  }, 240_000)

  it('cg reset --execute writes the start offsets --describe then shows', async () => {
    const datetime = new Date(cut).toISOString()
    const r = await cg(['reset', group, '--topic', topic, '--to-datetime', datetime, '--execute', '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.json()).toMatchObject({dryRun: false, executed: true})
    expect(await javaDescribe(group)).toEqual([0, 1, 2].map((p) => [topic, String(p), '10', '2']))
    const pending = (await cg(['pending', group, '--json'])).json()
    expect(pending.pending).toBe(6)
    // the record at offset 10 was produced after the cut
    expect(pending.timeLagMs).toBeLessThanOrEqual(Date.now() - cut)
  }, 90_000)

  it('with members: cg consumers equals --describe --members; repairs are refused (exit 4) with a hint', async () => {
    members.push(consoleShareConsumer(topic, group, 'cg-share-a'), consoleShareConsumer(topic, group, 'cg-share-b'))
    // both joined, and the records consumed (lag 0 everywhere): numbers that hold still
    await waitFor(
      async () => {
        const d = (await cg(['pending', group, '--json'])).json()
        return d.consumers === 2 && d.pending === 0
      },
      60_000,
      'two share members and no lag',
    )
    let javaMembers: string[][] = []
    let ours: string[][] = []
    // an assignment may still move: compare when the two agree
    await waitFor(
      async () => {
        const before = (await cg(['consumers', group, '--json'])).json()
        javaMembers = rows(await shareTool(['--describe', '--group', group, '--members']), group).map((r) => r.slice(1))
        ours = before.consumers.map((m: {name: string; host: string; clientId: string; assignment: Array<{topic: string; partitions: number[]}>}) => [
          m.name,
          m.host,
          m.clientId,
          String(m.assignment.reduce((n, a) => n + a.partitions.length, 0)),
          ...(m.assignment.length ? [m.assignment.map((a) => `${a.topic}:${a.partitions.join(',')}`).join(';')] : []),
        ])
        return JSON.stringify(ours) === JSON.stringify(javaMembers)
      },
      45_000,
      'cg consumers equal to --describe --members',
    )
    expect(ours.map((m) => m[2]).sort()).toEqual(['cg-share-a', 'cg-share-b'])
    const consumers = (await cg(['consumers', group, '--json'])).json()
    expect(consumers).toMatchObject({group, protocol: 'share', state: 'Stable'})
    for (const m of consumers.consumers) expect(m).toMatchObject({pending: null, idleMs: null, instanceId: null})

    // with members the numbers still equal --describe
    const java = await javaDescribe(group)
    const p = (await cg(['pending', group, '--json'])).json()
    expect(cgRows(p.partitions)).toEqual(java)
    expect(p.pending).toBe(total(java))
    // every partition owned by a member (an assignment may still be moving between the two: wait for it)
    await waitFor(
      async () => (await cg(['pending', group, '--json'])).json().partitions.every((r: ShareRow) => r.consumers.length > 0),
      45_000,
      'every share partition assigned to a member',
    )

    const refusals: Array<[string[], RegExp]> = [
      [['reset', group, '--topic', topic, '--to-earliest', '--execute'], /Stop its share consumers/],
      [['offsets', 'delete', group, '--topic', topic], /Stop its share consumers/],
      [['group', 'delete', group], /Stop its share consumers/],
      [['consumer', 'delete', group, consumers.consumers[0].name], /acquisition lock/],
      [['claim', topic, group, '--idle', '1000'], /share group/],
    ]
    for (const [args, hint] of refusals) {
      const r = await cg(args)
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(4)
      expect(r.stderr, args.join(' ')).toMatch(hint)
    }
    // a reset plan is still shown, with the warning
    const dry = await cg(['reset', group, '--topic', topic, '--to-earliest', '--json'])
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.json().warnings[0]).toMatch(/would be refused/)
    // nothing moved
    expect(cgRows((await cg(['pending', group, '--json'])).json().partitions)).toEqual(await javaDescribe(group))
  }, 180_000)

  it('cg offsets delete and cg group delete, once the members are gone; other groups keep the consumer-group path', async () => {
    await Promise.all(members.map((m) => m.stop()))
    await waitFor(async () => (await cg(['consumers', group, '--json'])).json().consumers.length === 0, 60_000, 'the members to leave')

    const dry = await cg(['offsets', 'delete', group, '--topic', topic, '--dry-run', '--json'])
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.json().partitions.map((r: {status: string}) => r.status)).toEqual(['would delete', 'would delete', 'would delete'])
    const del = await cg(['offsets', 'delete', group, '--topic', topic, '--json'])
    expect(del.code, del.stderr).toBe(0)
    expect(del.json()).toMatchObject({protocol: 'share', dryRun: false, totals: {deleted: 3, failed: 0}})
    const after = await shareTool(['--describe', '--group', group])
    expect(after).toMatch(/has no offset information/)
    expect((await cg(['pending', group, '--json'])).json()).toMatchObject({pending: null, partitions: []})

    const gdry = await cg(['group', 'delete', group, '--dry-run', '--json'])
    expect(gdry.json()).toMatchObject({protocol: 'share', deleted: false})
    const gdel = await cg(['group', 'delete', group, '--json'])
    expect(gdel.code, gdel.stderr).toBe(0)
    expect(gdel.json()).toMatchObject({protocol: 'share', deleted: true})
    const list = await shareTool(['--list'])
    expect(list.split('\n')).not.toContain(group)

    // a consumer group of the same topic is not a share group
    const c = await cg(['pending', classic, '--json'])
    expect(c.code, c.stderr).toBe(0)
    expect(c.json()).toMatchObject({protocol: 'classic', pending: 36 - 6})
  }, 150_000)
})
