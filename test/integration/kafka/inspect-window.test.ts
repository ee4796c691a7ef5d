// cg lag --window: one real run over groups made to show each status. The test acts between samples
// (it waits for cg's --verbose "sample i/n taken" lines on stderr), so the samples see exactly:
//   ok       offsets at the log end
//   stopped  an Empty group with lag whose offsets never move (nobody consumes)
//   stalled  a live classic member that owns its partition, has lag, and commits nothing more
//   rewound  an Empty group whose offset is moved back between samples 1 and 2
//   warn     an Empty group whose offset advances by 5 while 10 records arrive, between every sample
import type {Admin} from '@platformatic/kafka'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {runCg, spawnCg} from '../../helpers/cli.js'
import {Producer, stringSerializers} from '@platformatic/kafka'
import {
  classicMember,
  commitOffsets,
  createTopic,
  deleteGroups,
  deleteTopics,
  KAFKA_TARGETS,
  kafkaAdmin,
  kname,
  produce,
  waitFor,
  type MemberHandle,
} from '../../helpers/kafka.js'
import {expectValid} from '../../helpers/schemas.js'

for (const target of KAFKA_TARGETS) {
  describe(`cg lag --window on ${target.name}`, () => {
    let admin: Admin
    const topic = kname('win')
    const wtopic = kname('win-w')
    const g = {ok: kname('w-ok'), stopped: kname('w-stopped'), stalled: kname('w-stalled'), rewound: kname('w-rewound'), warn: kname('w-warn')}
    let member: MemberHandle

    beforeAll(async () => {
      admin = kafkaAdmin(target.bootstrap)
      await createTopic(admin, topic, 1)
      await createTopic(admin, wtopic, 1)
      await produce(target.bootstrap, topic, 100)
      await produce(target.bootstrap, wtopic, 100)
      await commitOffsets(admin, g.ok, {[topic]: [100]})
      await commitOffsets(admin, g.stopped, {[topic]: [60]})
      await commitOffsets(admin, g.rewound, {[topic]: [80]})
      await commitOffsets(admin, g.warn, {[wtopic]: [50]})
      member = await classicMember({bootstrap: target.bootstrap, group: g.stalled, topics: [topic], commit: 30})
    }, 90_000)

    afterAll(async () => {
      await member?.stop()
      await deleteGroups(admin, Object.values(g))
      await deleteTopics(admin, [topic, wtopic])
      await admin.close()
    }, 60_000)

    it('gives every partition and group a status: ok, warn, stalled, stopped, rewound', async () => {
      const samples = 4
      // 3 s between samples: room for the test's actions under a loaded machine
      const run = spawnCg(['lag', '--topic', topic, '--window', '9s', '--samples', String(samples), '--url', target.url, '--json', '--verbose'])
      const sampled = (i: number) => waitFor(() => run.stderr().includes(`sample ${i}/${samples} taken`), 30_000, `sample ${i}`)
      // the warn group is on its own topic: sample it in a second, parallel run over the same window
      const runW = spawnCg(['lag', g.warn, '--window', '9s', '--samples', String(samples), '--url', target.url, '--json', '--verbose'])
      const sampledW = (i: number) => waitFor(() => runW.stderr().includes(`sample ${i}/${samples} taken`), 30_000, `warn sample ${i}`)
      const producer = new Producer({clientId: 'cg-test', bootstrapBrokers: [target.bootstrap], serializers: stringSerializers, idempotent: true})
      await producer.send({messages: [{topic: wtopic, key: 'warm', value: 'up'}]}) // connected before the window
      let warnOffset = 50
      const warnStep = async (i: number) => {
        warnOffset += 5
        await commitOffsets(admin, g.warn, {[wtopic]: [warnOffset]})
        await producer.send({messages: Array.from({length: 10}, (_, k) => ({topic: wtopic, key: `w${k}`, value: 'x'}))})
        // the step must land between two samples, or the expectation below would not hold
        expect(runW.stderr(), `warn step ${i} finished after sample ${i + 1}`).not.toContain(`sample ${i + 1}/${samples} taken`)
      }
      // two independent flows, one per cg run
      await Promise.all([
        (async () => {
          await sampled(1)
          await commitOffsets(admin, g.rewound, {[topic]: [40]})
          expect(run.stderr()).not.toContain(`sample 2/${samples} taken`)
        })(),
        (async () => {
          for (let i = 1; i < samples; i++) {
            await sampledW(i)
            await warnStep(i)
          }
        })(),
      ])
      await producer.close()

      const [r, w] = await Promise.all([run.exited, runW.exited])
      expect(r.code, r.stderr).toBe(0)
      expect(w.code, w.stderr).toBe(0)
      const doc = JSON.parse(r.stdout)
      expectValid('lag.json', doc)
      expect(doc.window).toEqual({ms: 9000, samples: 4})
      const by = new Map<string, any>(doc.groups.map((x: any) => [x.group, x]))
      expect(by.get(g.ok)).toMatchObject({status: 'ok', lag: 0})
      expect(by.get(g.ok).partitions[0]).toMatchObject({status: 'ok', offsetDelta: 0})
      expect(by.get(g.stopped)).toMatchObject({status: 'stopped', lag: 40, consumers: 0})
      expect(by.get(g.stopped).partitions[0]).toMatchObject({status: 'stopped', offsetDelta: 0, consumer: null})
      expect(by.get(g.stalled)).toMatchObject({status: 'stalled', lag: 70, consumers: 1})
      expect(by.get(g.stalled).partitions[0]).toMatchObject({status: 'stalled', offsetDelta: 0, consumer: member.memberId})
      expect(by.get(g.rewound)).toMatchObject({status: 'rewound', lag: 60})
      expect(by.get(g.rewound).partitions[0]).toMatchObject({status: 'rewound', currentOffset: 40, offsetDelta: -40})

      const wdoc = JSON.parse(w.stdout)
      expectValid('lag.json', wdoc)
      expect(wdoc.groups).toHaveLength(1)
      expect(wdoc.groups[0]).toMatchObject({group: g.warn, status: 'warn', lag: 1 + 50 + 15})
      expect(wdoc.groups[0].partitions[0]).toMatchObject({status: 'warn', currentOffset: 65, logEndOffset: 131, offsetDelta: 15})
    }, 90_000)

    it('the table has a status per group and per partition; bad --window / --samples are usage errors', async () => {
      const r = await runCg(['lag', g.stopped, '--window', '1s', '--samples', '2', '--url', target.url])
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toMatch(/^GROUP\s+STATE\s+CONSUMERS\s+LAG\s+TIME-LAG\s+STATUS$/m)
      expect(r.stdout).toMatch(new RegExp(`^${g.stopped.replace(/\./g, '\\.')}\\s+Empty\\s+0\\s+40\\s+\\d+[smh]\\S*\\s+stopped$`, 'm'))
      expect(r.stdout).toMatch(/\s+MOVED\s+STATUS$/m)
      for (const bad of [
        ['--window', 'soon'],
        ['--window', '200ms'],
        ['--samples', '3'],
      ]) {
        const b = await runCg(['lag', g.stopped, ...bad, '--url', target.url])
        expect(b.code, `${bad.join(' ')}: ${b.stderr}`).toBe(2)
      }
    })
  })
}
