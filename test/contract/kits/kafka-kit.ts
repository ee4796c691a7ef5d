import {commitOffsets, createTopic, deleteGroups, deleteTopics, kafkaAdmin, KAFKA_TARGETS, kname, produce} from '../../helpers/kafka.js'
import {KafkaDlqFixture, springHeaders} from '../../integration/kafka/dlq-fixtures.js'
import type {Kit} from './kit.js'

/**
 * A topic of 10 records; the group committed offset 6 and has no members (Empty): lag 4, pending 4; 3
 * dead letters in TOPIC.DLT with Spring's original-topic header.
 */
function kafkaKit(name: string, url: string, bootstrap: string): Kit {
  return {
    name,
    broker: 'kafka',
    unreachable: (s) => ['groups', s.source, '--url', 'kafka://127.0.0.1:1'],
    async seed() {
      const admin = kafkaAdmin(bootstrap)
      const topic = kname('contract')
      const dlq = `${topic}.DLT`
      const group = kname('g')
      await createTopic(admin, topic, 1)
      await createTopic(admin, dlq, 1)
      await produce(bootstrap, topic, 10)
      await commitOffsets(admin, group, {[topic]: [6]})
      const fixture = new KafkaDlqFixture(bootstrap)
      await fixture.produce(
        dlq,
        [0, 1, 2].map((i) => ({key: Buffer.from(`k${i}`), value: Buffer.from(`dead ${i}`), headers: springHeaders(topic, 0, i)})),
      )
      // records, not offsets: a replay's transaction markers take offsets too
      const depth = async () => (await fixture.readAll(topic)).length
      return {
        url,
        argv: {groups: [topic], lag: [group], consumers: [group], pending: [group], replay: [topic]},
        group,
        source: topic,
        expect: {lag: 4, pending: 4, consumers: 0, deadLetters: 3, type: 'classic'},
        missingGroup: ['consumers', kname('nogroup')],
        refused: ['setid', topic, group, '0'],
        foreignFlag: ['groups', '--vhost', '/'],
        sourceDepth: depth,
        async cleanup() {
          await deleteGroups(admin, [group, `cg-replay.${dlq}`])
          await deleteTopics(admin, [topic, dlq])
          await fixture.close()
          await admin.close()
        },
      }
    },
  }
}

export const KAFKA_KITS: Kit[] = KAFKA_TARGETS.map((t) => kafkaKit(t.name, t.url, t.bootstrap))
