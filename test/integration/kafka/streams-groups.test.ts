// Kafka Streams groups (KIP-1071) against a real Kafka Streams application (group.protocol=streams, see
// test/helpers/kafka-streams.ts): every cg operation on the group, its numbers equal to those of Apache's
// kafka-streams-groups.sh (StreamsGroupCommand, run from the Maven jars) in the same test.
import type {Admin} from '@platformatic/kafka'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {runCg} from '../../helpers/cli.js'
import {committedTotal, createTopic, deleteGroups, deleteTopics, KAFKA, kafkaAdmin, kafkaTool, kname, produce, sleep, waitFor} from '../../helpers/kafka.js'
import {startStreamsApp, type StreamsApp} from '../../helpers/kafka-streams.js'
import {expectValid} from '../../helpers/schemas.js'

const URL = `kafka://${KAFKA.bootstrap}`
const TOOL = 'org.apache.kafka.tools.streams.StreamsGroupCommand'

async function streamsTool(args: string[]) {
  const r = await kafkaTool('latest', TOOL, ['--bootstrap-server', KAFKA.bootstrap, ...args])
  expect(r.code, r.stderr).toBe(0)
  return r.stdout
}

/** The data rows of a tool's table: the lines that start with the group, split on blanks. */
function rows(stdout: string, group: string, columns?: number): string[][] {
  return stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((c) => c[0] === group && (columns === undefined || c.length === columns))
}

/** `cg ARGS --json`, its document checked against the command's schema. */
async function cgJson(args: string[], code = 0) {
  const r = await runCg([...args, '--url', URL, '--json'])
  expect(r.code, r.stderr + r.stdout).toBe(code)
  const doc = JSON.parse(r.stdout)
  expectValid(['offsets', 'group'].includes(args[0]) ? `${args[0]}-${args[1]}.json` : `${args[0]}.json`, doc, args.join(' '))
  return doc
}

type Row = {topic: string; partition: number; currentOffset: number | null; logEndOffset: number | null; lag: number | null; timeLagMs: number | null}
const key = (r: {topic: string; partition: number}) => `${r.topic}:${r.partition}`

describe('Kafka Streams groups (KIP-1071) equal kafka-streams-groups.sh', () => {
  let admin: Admin
  let app: StreamsApp | undefined
  const group = kname('streams')
  const input = kname('st-in')
  const output = kname('st-out')
  const base = Date.now() - 30 * 60_000
  const repartition = `${group}-KSTREAM-AGGREGATE-STATE-STORE-0000000002-repartition`
  const changelog = `${group}-KSTREAM-AGGREGATE-STATE-STORE-0000000002-changelog`

  beforeAll(async () => {
    admin = kafkaAdmin()
    await createTopic(admin, input, 3)
    await createTopic(admin, output, 1)
    // 60 records a minute apart from base (20 per partition), then processed and committed
    await produce(KAFKA.bootstrap, input, 60, 3, {timestamp: (i) => base + i * 60_000})
    app = await startStreamsApp({group, input, output})
    await waitFor(async () => (await committedTotal(admin, group)) >= 120, 90_000, 'the application to commit its 60 input and 60 repartition records')
    // paused: the member stays in the group and nothing moves while both tools read it; 31 records then wait
    await app.pause()
    await produce(KAFKA.bootstrap, input, 31, 3) // 11, 10, 10
    await sleep(500)
  }, 240_000)

  afterAll(async () => {
    await app?.stop()
    await deleteGroups(admin, [group])
    await deleteTopics(admin, [input, output, repartition, changelog])
    await admin.close()
  }, 60_000)

  it('cg groups lists it as a streams group with its member and lag', async () => {
    const doc = await cgJson(['groups'])
    const row = doc.groups.find((g: {group: string}) => g.group === group)
    expect(row).toMatchObject({group, protocol: 'streams', state: 'Stable', consumers: 1, lag: 31})
    const list = await streamsTool(['--list', '--state'])
    expect(rows(list, group)).toEqual([[group, 'Stable']])
  })

  it('cg consumers: the members, their active tasks, the topology and the internal topics (--describe --members)', async () => {
    const doc = await cgJson(['consumers', group])
    const java = rows(await streamsTool(['--describe', '--members', '--group', group]), group)
    expect(doc.consumers).toHaveLength(java.length)
    expect(java).toHaveLength(1)
    for (const cols of java) {
      const [, member, processId, clientId, ...rest] = cols
      const m = doc.consumers.find((c: {name: string}) => c.name === member)
      expect(m, member).toBeDefined()
      expect(m.clientId).toBe(clientId)
      expect(m.streams.processId).toBe(processId)
      // "ACTIVE: 0:[0,1,2]; 1:[0,1,2];" (STANDBY: / WARMUP: follow when there are any)
      const active = rest.join(' ').split(/STANDBY:|WARMUP:/)[0]
      const tasks = [...active.matchAll(/(\w+):\[([\d,]*)\]/g)].map(([, subtopology, ps]) => ({subtopology, partitions: ps.split(',').map(Number)}))
      expect(m.streams.tasks.active).toEqual(tasks)
      expect(m.streams.tasks.standby).toEqual([])
      expect(m.streams.tasks.warmup).toEqual([])
    }
    expect(doc).toMatchObject({group, state: 'Stable', protocol: 'streams'})
    expect(doc.streams.inputTopics).toEqual([input])
    expect(doc.streams.internalTopics).toEqual([changelog, repartition].sort())
    expect(doc.streams.subtopologies).toEqual([
      {subtopology: '0', sourceTopics: [input], repartitionSourceTopics: [], repartitionSinkTopics: [repartition], changelogTopics: []},
      {subtopology: '1', sourceTopics: [repartition], repartitionSourceTopics: [repartition], repartitionSinkTopics: [], changelogTopics: [changelog]},
    ])
    // the member's lag is that of the partitions of its active tasks
    expect(doc.consumers[0].pending).toBe(31)
    const human = await runCg(['consumers', group, '--url', URL])
    expect(human.stdout).toContain('0:[0,1,2] 1:[0,1,2]')
    expect(human.stdout).toContain(changelog)
  })

  it('cg pending and cg lag: offset, log end and lag per input partition (--describe --offsets --verbose), with the time lag', async () => {
    const java = rows(await streamsTool(['--describe', '--offsets', '--verbose', '--group', group]), group, 7)
    const expected = java.map(([, topic, partition, current, , end, lag]) => ({
      topic,
      partition: Number(partition),
      currentOffset: current === '-' ? null : Number(current),
      logEndOffset: Number(end),
      lag: Number(lag),
    }))
    expect(expected).toHaveLength(6)
    const pending = await cgJson(['pending', group])
    const lag = await cgJson(['lag', group])
    for (const got of [pending.partitions as Row[], lag.groups[0].partitions as Row[]]) {
      const mine = got.map(({topic, partition, currentOffset, logEndOffset, lag}) => ({topic, partition, currentOffset, logEndOffset, lag}))
      expect(mine.sort((a, b) => key(a).localeCompare(key(b)))).toEqual([...expected].sort((a, b) => key(a).localeCompare(key(b))))
      for (const r of got) {
        if (r.lag) expect(r.timeLagMs, key(r)).toBeGreaterThanOrEqual(0)
        else expect(r.timeLagMs, key(r)).toBeNull()
      }
    }
    expect(pending).toMatchObject({group, protocol: 'streams', state: 'Stable', consumers: 1, pending: 31})
    expect(pending.timeLagMs).toBeGreaterThanOrEqual(0)
    expect(lag.groups[0]).toMatchObject({group, lag: 31})
    // the status read (check, metrics) sees the same lag: the streams group's input partitions
    const check = await runCg(['check', group, '--lag', '30,100', '--url', URL, '--json'])
    expect(check.code, check.stdout + check.stderr).toBe(1)
    expect(check.json()).toMatchObject({status: 'WARNING', groups: [{group, status: 'WARNING', lag: 31}]})
    const metrics = await runCg(['metrics', group, '--url', URL])
    expect(metrics.code, metrics.stderr).toBe(0)
    expect(metrics.stdout).toMatch(new RegExp(`cg_group_lag\\{[^}]*group="${group}"[^}]*\\} 31\\n`))
  })

  it('reset, offsets delete and group delete are refused (exit 4) while the application runs, as the Java tool refuses', async () => {
    const r = await runCg(['reset', group, '--all-topics', '--to-earliest', '--execute', '--url', URL])
    expect(r.code).toBe(4)
    expect(r.stderr).toMatch(/Stable with 1 member.*Nothing changed/)
    expect(r.stderr).toContain('Kafka Streams application')
    const java = await kafkaTool('latest', TOOL, [
      '--bootstrap-server',
      KAFKA.bootstrap,
      '--reset-offsets',
      '--to-earliest',
      '--all-input-topics',
      '--dry-run',
      '--group',
      group,
    ])
    expect(java.stdout + java.stderr).toMatch(/inactive.*Stable/)
    // the plan is still shown, with the refusal as a warning
    const plan = await cgJson(['reset', group, '--all-topics', '--to-earliest'])
    expect(plan.warnings.join('\n')).toContain('--execute would be refused now')
    expect((await runCg(['offsets', 'delete', group, '--topic', input, '--url', URL])).code).toBe(4)
    expect((await runCg(['group', 'delete', group, '--delete-internal-topics', '--url', URL])).code).toBe(4)
    expect((await runCg(['consumer', 'delete', group, 'any', '--url', URL])).code).toBe(4)
    expect(await committedTotal(admin, group)).toBe(120)
  })

  it('once stopped: every reset mode plans the offsets of --reset-offsets --dry-run; --execute writes them', async () => {
    await app?.stop()
    await waitFor(async () => (await cgJson(['consumers', group])).state === 'Empty', 30_000, 'the group to be Empty')
    const at = new Date(base + 10 * 60_000 + 1000).toISOString()
    const file = `${process.env.TMPDIR ?? '/tmp'}/${group}.csv`
    const {writeFileSync, rmSync} = await import('node:fs')
    writeFileSync(file, `${input},0,3\n${input},2,7\n`)
    const cases: Array<[string[], string[]]> = [
      [
        ['--to-earliest', '--all-topics'],
        ['--to-earliest', '--all-input-topics'],
      ],
      [
        ['--to-latest', '--all-topics'],
        ['--to-latest', '--all-input-topics'],
      ],
      [
        ['--to-current', '--all-topics'],
        ['--to-current', '--all-input-topics'],
      ],
      [
        ['--to-offset', '5', '--all-topics'],
        ['--to-offset', '5', '--all-input-topics'],
      ],
      [
        ['--shift-by=-3', '--topic', `${input}:0,1`],
        ['--shift-by', '-3', '--input-topic', `${input}:0,1`],
      ],
      [
        ['--to-datetime', at, '--all-topics'],
        ['--to-datetime', at.replace('Z', ''), '--all-input-topics'],
      ],
      [
        ['--by-duration', 'PT2H', '--all-topics'],
        ['--by-duration', 'PT2H', '--all-input-topics'],
      ],
      [
        ['--from-file', file],
        ['--from-file', file],
      ],
      [
        ['--to-latest', '--topic', repartition],
        ['--to-latest', '--input-topic', repartition],
      ],
    ]
    try {
      for (const [mine, theirs] of cases) {
        const java = rows(await streamsTool(['--reset-offsets', '--dry-run', '--group', group, ...theirs]), group, 4)
        const want = Object.fromEntries(java.map(([, t, p, o]) => [`${t}:${p}`, Number(o)]))
        const doc = await cgJson(['reset', group, ...mine])
        const got = Object.fromEntries(doc.partitions.map((r: {topic: string; partition: number; new: number}) => [key(r), r.new]))
        expect(got, mine.join(' ')).toEqual(want)
        expect(Object.keys(got).length, mine.join(' ')).toBeGreaterThan(0)
        expect(doc).toMatchObject({group, state: 'Empty', protocol: 'streams', dryRun: true, executed: false})
      }
    } finally {
      rmSync(file, {force: true})
    }
    expect(await committedTotal(admin, group)).toBe(120)
    const done = await cgJson(['reset', group, '--shift-by=-2', '--all-topics', '--execute'])
    expect(done.executed).toBe(true)
    const after = rows(await streamsTool(['--describe', '--offsets', '--verbose', '--group', group]), group, 7)
    // an Empty group has no active tasks: the Java describe lists nothing; cg still reads the committed offsets
    expect(after).toEqual([])
    const pending = await cgJson(['pending', group])
    const input0 = pending.partitions.filter((r: Row) => r.topic === input).map((r: Row) => r.currentOffset)
    expect(input0).toEqual([18, 18, 18])
    expect(pending.pending).toBe(31 + 6)
    // ten JVM runs of the Java tool: minutes on a loaded machine
  }, 600_000)

  it('cg offsets delete removes the offsets of an input topic once the application is stopped', async () => {
    const dry = await cgJson(['offsets', 'delete', group, '--topic', `${input}:0`, '--dry-run'])
    expect(dry.partitions).toEqual([{topic: input, partition: 0, offset: 18, status: 'would delete', error: null}])
    const doc = await cgJson(['offsets', 'delete', group, '--topic', `${input}:0`])
    expect(doc.totals).toMatchObject({deleted: 1, failed: 0})
    const pending = await cgJson(['pending', group])
    expect(pending.partitions.find((r: Row) => r.topic === input && r.partition === 0).currentOffset).toBeNull()
  })

  it('cg group delete refuses while internal topics exist, and deletes them with --delete-internal-topics', async () => {
    const refused = await runCg(['group', 'delete', group, '--url', URL])
    expect(refused.code).toBe(4)
    expect(refused.stderr).toContain(repartition)
    expect(refused.stderr).toContain('--delete-internal-topics')
    const dry = await cgJson(['group', 'delete', group, '--delete-internal-topics', '--dry-run'])
    expect(dry).toMatchObject({
      group,
      protocol: 'streams',
      state: 'Empty',
      deleted: false,
      internalTopicsDeleted: false,
      internalTopics: [changelog, repartition].sort(),
    })
    const doc = await cgJson(['group', 'delete', group, '--delete-internal-topics'])
    expect(doc).toMatchObject({deleted: true, internalTopicsDeleted: true})
    expect(rows(await streamsTool(['--list']), group)).toEqual([])
    await waitFor(async () => !(await admin.listTopics()).some((t) => t === repartition || t === changelog), 30_000, 'the internal topics to go')
    const gone = await runCg(['consumers', group, '--url', URL])
    expect(gone.code).toBe(5)
  })
})
