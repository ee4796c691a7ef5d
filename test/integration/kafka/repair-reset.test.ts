// cg reset GROUP on real Kafka brokers: every mode against real records (timestamps set by the producer),
// dry run by default, --execute through the admin API, --export read back by --from-file (and by the Java
// tool), a live group refused with exit 4 and nothing changed, and plans equal to kafka-consumer-groups.sh
// --reset-offsets --dry-run run from the Maven jars. Full run on 4.x; a compatibility subset on 3.9.
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Producer, stringSerializers, type Admin} from '@platformatic/kafka'
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
  kafkaTool,
  kname,
  type MemberHandle,
} from '../../helpers/kafka.js'
import {expectValid} from '../../helpers/schemas.js'

/** 30 records, record i on partition i % 3 with timestamp base + i minutes: 10 per partition. */
async function seed(bootstrap: string, topic: string, base: number): Promise<void> {
  const p = new Producer({clientId: 'cg-test', bootstrapBrokers: [bootstrap], serializers: stringSerializers, idempotent: true})
  try {
    await p.send({
      messages: Array.from({length: 30}, (_, i) => ({topic, partition: i % 3, key: `k${i}`, value: `v${i}`, timestamp: BigInt(base + i * 60_000)})),
      acks: -1,
    })
  } finally {
    await p.close()
  }
}

/** committed offsets of a group on a topic, by partition (null = none) */
async function committed(admin: Admin, group: string, topic: string, n = 3): Promise<Array<number | null>> {
  const [g] = await admin.listConsumerGroupOffsets({groups: [group]})
  const parts = g?.topics.find((t) => t.name === topic)?.partitions ?? []
  return Array.from({length: n}, (_, i) => {
    const p = parts.find((x) => x.partitionIndex === i)
    return p && p.committedOffset >= 0n ? Number(p.committedOffset) : null
  })
}

/** NEW-OFFSET per partition from the Java tool's --reset-offsets table */
function javaPlan(stdout: string, topic: string): Record<number, number> {
  const out: Record<number, number> = {}
  for (const line of stdout.split('\n')) {
    const cols = line.trim().split(/\s+/)
    if (cols.length === 4 && cols[1] === topic) out[Number(cols[2])] = Number(cols[3])
  }
  return out
}

const newOffsets = (doc: {partitions: Array<{partition: number; new: number}>}) => Object.fromEntries(doc.partitions.map((p) => [p.partition, p.new]))

for (const target of KAFKA_TARGETS) {
  const full = target === KAFKA
  describe(`cg reset on ${target.name}`, () => {
    let admin: Admin
    const topic = kname('reset')
    const group = kname('g-reset') // Empty; committed [5, 2, -] before each test that needs it
    const live = kname('g-reset-live')
    const fresh = kname('g-reset-fresh')
    const base = Date.now() - 3600_000
    const url = target.url
    let member: MemberHandle | undefined
    const dir = mkdtempSync(join(tmpdir(), 'cg-reset-'))
    const cg = async (args: string[]) => runCg(['reset', ...args, '--url', url])
    const cgJson = async (args: string[], expectCode = 0) => {
      const r = await cg([...args, '--json'])
      expect(r.code, r.stderr + r.stdout).toBe(expectCode)
      const doc = r.json()
      if (expectCode === 0) expectValid('reset.json', doc, args.join(' '))
      return doc
    }
    const setBaseline = async () => {
      await commitOffsets(admin, group, {[topic]: [5, 2]})
      await admin.deleteConsumerGroupOffsets({groupId: group, topics: [{name: topic, partitionIndexes: [2]}]})
    }

    beforeAll(async () => {
      admin = kafkaAdmin(target.bootstrap)
      await createTopic(admin, topic, 3)
      await seed(target.bootstrap, topic, base)
      await setBaseline()
    }, 60_000)

    afterAll(async () => {
      await member?.stop()
      await deleteGroups(admin, [group, live, fresh])
      await deleteTopics(admin, [topic])
      await admin.close()
    }, 60_000)

    it("every mode plans the offsets of the Java tool's rules; a dry run changes nothing", async () => {
      const at = new Date(base + 10 * 60_000).toISOString().replace('Z', '') // no zone = UTC
      const cases: Array<[string[], Record<number, number>]> = [
        [['--to-earliest', '--topic', topic], {0: 0, 1: 0, 2: 0}],
        [['--to-latest', '--topic', topic], {0: 10, 1: 10, 2: 10}],
        [['--to-current', '--topic', topic], {0: 5, 1: 2, 2: 10}],
        [['--to-offset', '7', '--topic', topic], {0: 7, 1: 7, 2: 7}],
        [['--shift-by=-3', '--topic', `${topic}:0,1`], {0: 2, 1: 0}],
        [['--shift-by', '4', '--all-topics'], {0: 9, 1: 6}],
        // first record at or after base+10min: i=12 (p0, offset 4), i=10 (p1, offset 3), i=11 (p2, offset 3)
        [['--to-datetime', at, '--topic', topic], {0: 4, 1: 3, 2: 3}],
        [['--by-duration', 'PT2H', '--topic', topic], {0: 0, 1: 0, 2: 0}],
      ]
      if (full) {
        const plus2 = new Date(base + 10 * 60_000 + 2 * 3600_000).toISOString().replace('Z', '+02:00')
        cases.push([['--to-datetime', plus2, '--topic', topic], {0: 4, 1: 3, 2: 3}])
      }
      for (const [args, want] of cases) {
        const doc = await cgJson([group, ...args])
        expect(newOffsets(doc), args.join(' ')).toEqual(want)
        expect(doc).toMatchObject({broker: 'kafka', group, state: 'Empty', dryRun: true, executed: false})
      }
      expect(await committed(admin, group, topic)).toEqual([5, 2, null])
    })

    it('plan rows carry current, log-start, log-end and lag after; the human table shows them', async () => {
      const doc = await cgJson([group, '--shift-by=-3', '--topic', `${topic}:0,1`])
      expect(doc.partitions).toEqual([
        {topic, partition: 0, current: 5, new: 2, logStart: 0, logEnd: 10, lagAfter: 8, clamped: null},
        {topic, partition: 1, current: 2, new: 0, logStart: 0, logEnd: 10, lagAfter: 10, clamped: 'log-start'},
      ])
      expect(doc.warnings).toEqual([`new offset -1 is lower than the earliest offset of ${topic}-1: set to 0`])
      const r = await cg([group, '--shift-by=-3', '--topic', `${topic}:0,1`])
      expect(r.code).toBe(0)
      expect(r.stdout).toMatch(/TOPIC.*PARTITION.*CURRENT.*NEW.*LOG-START.*LOG-END.*LAG AFTER/)
      expect(r.stdout).toMatch(/nothing changed/i)
      expect(r.stdout).toContain('Warning: new offset -1 is lower than the earliest offset')
    })

    it('clamps --to-offset past the log end with a warning per partition', async () => {
      const doc = await cgJson([group, '--to-offset', '99', '--topic', topic])
      expect(doc.partitions.map((p: {new: number; clamped: string}) => [p.new, p.clamped])).toEqual([
        [10, 'log-end'],
        [10, 'log-end'],
        [10, 'log-end'],
      ])
      expect(doc.warnings).toHaveLength(3)
    })

    it('--to-datetime / --by-duration fall back to the latest offset where no record is that recent', async () => {
      const doc = await cgJson([group, '--by-duration', 'PT1M', '--topic', topic])
      expect(newOffsets(doc)).toEqual({0: 10, 1: 10, 2: 10})
      expect(doc.warnings.join('\n')).toMatch(/no record at or after .*falling back to the latest offset \(10\)/)
      const future = await cgJson([group, '--to-datetime', new Date(Date.now() + 3600_000).toISOString(), '--topic', topic])
      expect(newOffsets(future)).toEqual({0: 10, 1: 10, 2: 10})
    })

    it('--shift-by on a partition without a committed offset fails naming it, as the Java tool does', async () => {
      const r = await cg([group, '--shift-by', '1', '--topic', topic])
      expect(r.code).toBe(2)
      expect(r.stderr).toContain(`cannot shift the offset of ${topic}-2: no committed offset`)
    })

    it('--execute writes the plan through the admin API', async () => {
      const at = new Date(base + 10 * 60_000).toISOString()
      const doc = await cgJson([group, '--to-datetime', at, '--topic', topic, '--execute'])
      expect(doc).toMatchObject({dryRun: false, executed: true})
      expect(await committed(admin, group, topic)).toEqual([4, 3, 3])
      await setBaseline()
    })

    it('--export prints topic,partition,offset lines that --from-file applies (and the Java tool reads)', async () => {
      const exp = await cg([group, '--to-offset', '6', '--topic', topic, '--export'])
      expect(exp.code, exp.stderr).toBe(0)
      expect(exp.stdout).toBe(`${topic},0,6\n${topic},1,6\n${topic},2,6\n`)
      const file = join(dir, 'plan.csv')
      writeFileSync(file, exp.stdout)
      const dry = await cgJson([group, '--from-file', file])
      expect(newOffsets(dry)).toEqual({0: 6, 1: 6, 2: 6})
      expect(await committed(admin, group, topic)).toEqual([5, 2, null])
      if (full) {
        const java = await kafkaTool('latest', 'consumer-groups', [
          '--bootstrap-server',
          target.bootstrap,
          '--group',
          group,
          '--reset-offsets',
          '--from-file',
          file,
          '--dry-run',
        ])
        expect(javaPlan(java.stdout, topic), java.stdout + java.stderr).toEqual({0: 6, 1: 6, 2: 6})
      }
      const done = await cgJson([group, '--from-file', file, '--execute'])
      expect(done.executed).toBe(true)
      expect(await committed(admin, group, topic)).toEqual([6, 6, 6])
      expect(readFileSync(file, 'utf8')).toBe(exp.stdout)
      await setBaseline()
    })

    it('a group that does not exist yet gets offsets (as kafka-consumer-groups.sh 4.x does)', async () => {
      const doc = await cgJson([fresh, '--to-earliest', '--topic', `${topic}:1`, '--execute'])
      expect(doc).toMatchObject({state: 'Dead', consumers: 0, executed: true})
      expect(await committed(admin, fresh, topic)).toEqual([null, 0, null])
    })

    it('a flag of another broker is a usage error (exit 2) and changes nothing, even with --execute', async () => {
      const r = await cg([group, '--to-id', '0', '--topic', topic, '--execute'])
      expect(r.code, r.stderr).toBe(2)
      expect(r.stderr).toContain('--to-id is for Redis')
      expect(await committed(admin, group, topic)).toEqual([5, 2, null])
    })

    it('unknown topics and partitions exit 5', async () => {
      expect((await cg([group, '--to-earliest', '--topic', kname('missing')])).code).toBe(5)
      const r = await cg([group, '--to-earliest', '--topic', `${topic}:7`])
      expect(r.code).toBe(5)
      expect(r.stderr).toContain(`${topic}-7`)
    })

    describe('a live group', () => {
      beforeAll(async () => {
        member = await classicMember({bootstrap: target.bootstrap, group: live, topics: [topic], commit: 4, clientId: 'cg-reset-live'})
      }, 60_000)

      it('--execute is refused with exit 4 naming the state and members, and nothing changes', async () => {
        const before = await committed(admin, live, topic)
        const r = await cg([live, '--to-earliest', '--topic', topic, '--execute'])
        expect(r.code, r.stdout + r.stderr).toBe(4)
        expect(r.stderr).toMatch(/is (Stable|PreparingRebalance|CompletingRebalance) with 1 member\(s\)/)
        expect(r.stderr).toContain(member!.memberId)
        expect(r.stderr).toContain('Nothing changed')
        expect(await committed(admin, live, topic)).toEqual(before)
        const j = await cg([live, '--to-earliest', '--topic', topic, '--execute', '--json'])
        expect(j.code).toBe(4)
        expectValid('error.json', j.json())
      })

      it('a dry run still shows the plan, with a warning that --execute would be refused', async () => {
        const doc = await cgJson([live, '--to-earliest', '--topic', topic])
        expect(doc.consumers).toBe(1)
        expect(doc.warnings[0]).toContain('--execute would be refused now')
      })
    })

    if (full) {
      it('plans equal kafka-consumer-groups.sh --reset-offsets --dry-run (--shift-by, --to-datetime, --to-offset)', async () => {
        const at = new Date(base + 17 * 60_000 + 30_000).toISOString().replace('Z', '')
        const modes: string[][] = [['--shift-by', '-2'], ['--to-datetime', at], ['--to-offset', '3'], ['--to-earliest']]
        for (const mode of modes) {
          const scope = mode[0] === '--shift-by' ? `${topic}:0,1` : topic
          const java = await kafkaTool('latest', 'consumer-groups', [
            '--bootstrap-server',
            target.bootstrap,
            '--group',
            group,
            '--reset-offsets',
            '--topic',
            scope,
            ...mode,
            '--dry-run',
          ])
          const ours = await cgJson([group, '--topic', scope, ...mode])
          expect(newOffsets(ours), `${mode.join(' ')}\n${java.stdout}${java.stderr}`).toEqual(javaPlan(java.stdout, topic))
          expect(Object.keys(newOffsets(ours)).length).toBe(scope === topic ? 3 : 2)
        }
      }, 120_000)
    }
  })
}
