// cg pending / cg lag give the numbers of Apache Kafka's own kafka-consumer-groups.sh --describe
// (ConsumerGroupCommand, run from the Maven jars through scripts/kafka/kafka-tool.sh), row for row.
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
  kafkaTool,
  kip848Member,
  kname,
  produce,
  type MemberHandle,
} from '../../helpers/kafka.js'

type Row = [group: string, topic: string, partition: string, current: string, logEnd: string, lag: string, consumer: string, host: string, client: string]

/** The data rows of `--describe` output (every line that starts with one of the groups). */
function javaRows(stdout: string, groups: string[]): Row[] {
  return stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((cols) => groups.includes(cols[0]) && cols.length === 9)
    .map((cols) => cols as Row)
}

const dash = (v: unknown) => (v === null || v === undefined ? '-' : String(v))

for (const target of KAFKA_TARGETS) {
  const modern = target === KAFKA
  describe(`cg lag equals kafka-consumer-groups.sh --describe on ${target.name}`, () => {
    let admin: Admin
    const t1 = kname('java-a')
    const t2 = kname('java-b')
    const live = kname('jg-live')
    const two = kname('jg-two-topics')
    const offsetsOnly = kname('jg-offsets')
    const kip = kname('jg-kip848')
    const groups = [live, two, offsetsOnly, ...(modern ? [kip] : [])]
    const members: MemberHandle[] = []

    beforeAll(async () => {
      admin = kafkaAdmin(target.bootstrap)
      await createTopic(admin, t1, 4)
      await createTopic(admin, t2, 2)
      await produce(target.bootstrap, t1, 103, 4) // 26, 26, 26, 25
      await produce(target.bootstrap, t2, 9, 2) // 5, 4
      await commitOffsets(admin, offsetsOnly, {[t1]: [0, 5, 26, 20], [t2]: [3, 4]})
      members.push(await classicMember({bootstrap: target.bootstrap, group: live, topics: [t1], commit: 37}))
      members.push(await classicMember({bootstrap: target.bootstrap, group: two, topics: [t1, t2], commit: 50, instanceId: 'java-static'}))
      if (modern) members.push(await kip848Member({bootstrap: target.bootstrap, group: kip, topic: t2, expectCommitted: 9}))
    }, 150_000)

    afterAll(async () => {
      await Promise.allSettled(members.map((m) => m.stop()))
      await deleteGroups(admin, groups)
      await deleteTopics(admin, [t1, t2])
      await admin.close()
    }, 60_000)

    it('every row of every group: current offset, log-end offset, lag, consumer id, host, client id', async () => {
      const java = await kafkaTool(target.version, 'consumer-groups', [
        '--bootstrap-server',
        target.bootstrap,
        '--describe',
        ...groups.flatMap((g) => ['--group', g]),
      ])
      expect(java.code, java.stderr).toBe(0)
      const expected = javaRows(java.stdout, groups).sort()
      // sanity: the Java tool saw every group and the partitions without a commit
      for (const g of groups)
        expect(
          expected.some((r) => r[0] === g),
          `${g} in:\n${java.stdout}`,
        ).toBe(true)

      const ours: Row[] = []
      for (const g of groups) {
        const r = await runCg(['lag', g, '--url', target.url, '--json'])
        expect(r.code, r.stderr).toBe(0)
        for (const grp of r.json().groups) {
          for (const p of grp.partitions)
            ours.push([
              grp.group,
              p.topic,
              String(p.partition),
              dash(p.currentOffset),
              dash(p.logEndOffset),
              dash(p.lag),
              dash(p.consumer),
              dash(p.host),
              dash(p.clientId),
            ])
        }
      }
      expect(ours.sort()).toEqual(expected)
      expect(ours.length).toBe(expected.length)

      // cg pending gives the same rows for one group
      const p = await runCg(['pending', live, '--url', target.url, '--json'])
      expect(p.code, p.stderr).toBe(0)
      const pendingRows = p
        .json()
        .partitions.map((x: any) => [
          live,
          x.topic,
          String(x.partition),
          dash(x.currentOffset),
          dash(x.logEndOffset),
          dash(x.lag),
          dash(x.consumer),
          dash(x.host),
          dash(x.clientId),
        ])
      expect(pendingRows.sort()).toEqual(expected.filter((r) => r[0] === live))
    })
  })
}
