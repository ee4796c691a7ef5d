import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {runCg} from '../../helpers/cli.js'
import {commitOffsets, createTopic, deleteGroups, deleteTopics, KAFKA, KAFKA_SASL, kafkaAdmin, kname, produce} from '../../helpers/kafka.js'
import {configFile as config} from '../../helpers/config-file.js'

describe('Kafka profiles', () => {
  const admin = kafkaAdmin(KAFKA.bootstrap)
  const topic = kname('prof')
  const group = kname('prof-g')
  beforeAll(async () => {
    await createTopic(admin, topic, 2)
    await produce(KAFKA.bootstrap, topic, 10, 2)
    await commitOffsets(admin, group, {[topic]: [2, 3]})
  })
  afterAll(async () => {
    await deleteGroups(admin, [group])
    await deleteTopics(admin, [topic])
    await admin.close()
  })

  it('SASL PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 log in on the SASL listener and see the same group', async () => {
    const path = config({
      profiles: {
        plain: {url: KAFKA_SASL.url, clientId: 'cg-ops', sasl: {mechanism: 'PLAIN', username: 'cg', password: '${CG_KAFKA_PW}'}},
        s256: {brokers: [KAFKA_SASL.bootstrap], sasl: {mechanism: 'SCRAM-SHA-256', username: 'cg-scram', password: '${CG_KAFKA_PW}'}},
        s512: {url: KAFKA_SASL.url, username: 'cg-scram', password: '${CG_KAFKA_PW}', sasl: {mechanism: 'SCRAM-SHA-512'}},
      },
    })
    for (const p of ['plain', 's256', 's512']) {
      const r = await runCg(['pending', group, '--config', path, '-p', p, '--json'], {env: {CG_KAFKA_PW: KAFKA_SASL.plain.password}})
      expect(r.code, `${p}: ${r.stderr}`).toBe(0)
      expect(r.json()).toMatchObject({group, state: 'Empty', pending: 3 + 2})
      expect(r.stdout + r.stderr).not.toContain(KAFKA_SASL.plain.password)
      const t = await runCg(['profiles', 'test', '--config', path, '-p', p], {env: {CG_KAFKA_PW: KAFKA_SASL.plain.password}})
      expect(t.code, `${p}: ${t.stderr}`).toBe(0)
    }
  })

  it('kafka://a,b tries the next bootstrap broker when the first is down; the default profile is used', async () => {
    const path = config({default: 'multi', profiles: {multi: {url: `kafka://127.0.0.1:1,${KAFKA.bootstrap}`}}})
    const r = await runCg(['lag', group, '--config', path, '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.json().groups[0]).toMatchObject({group, lag: 5})
  })

  it("the profile's group is the default GROUP of consumers / pending", async () => {
    const path = config({profiles: {k: {url: KAFKA.url, group}}})
    const r = await runCg(['pending', '--config', path, '-p', 'k', '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.json().group).toBe(group)
    const c = await runCg(['consumers', '--config', path, '-p', 'k', '--json'])
    expect(c.code, c.stderr).toBe(0)
    expect(c.json()).toMatchObject({group, state: 'Empty', consumers: []})
  })
})
