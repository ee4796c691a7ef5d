import {createServer, type Server} from 'node:net'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {runCg} from '../../helpers/cli.js'
import {commitOffsets, createTopic, deleteGroups, deleteTopics, KAFKA, KAFKA_SASL, kafkaAdmin, kname, produce} from '../../helpers/kafka.js'
import {expectValid} from '../../helpers/schemas.js'
import {profilesFile as config} from '../../helpers/config-file.js'

describe('Kafka errors', () => {
  it('an unreachable broker exits 69 within a few seconds, for every inspection command', async () => {
    for (const cmd of [['groups'], ['consumers', 'g'], ['pending', 'g'], ['lag'], ['lag', 'g', '--window', '5s']]) {
      const started = Date.now()
      const r = await runCg([...cmd, '--url', 'kafka://127.0.0.1:1'])
      expect(r.code, `${cmd.join(' ')}: ${r.stderr}`).toBe(69)
      // under 1 s on an idle machine; the bound leaves room for a loaded CI box (the failure mode
      // guarded against is retrying for minutes)
      expect(Date.now() - started).toBeLessThan(10_000)
      expect(r.stderr).toContain('cannot reach Kafka at 127.0.0.1:1')
      expect(r.stderr).toContain('Hint:')
    }
    const j = await runCg(['groups', '--url', 'kafka://127.0.0.1:1', '--json'])
    expect(j.code).toBe(69)
    expectValid('error.json', j.json())
    expect(j.json().error.code).toBe('unreachable')
  }, 120_000)

  describe('a listener that accepts connections and never answers', () => {
    let server: Server
    let port = 0
    const sockets: Array<import('node:net').Socket> = []
    beforeAll(async () => {
      server = createServer((s) => sockets.push(s))
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      port = (server.address() as {port: number}).port
    })
    afterAll(async () => {
      for (const s of sockets) s.destroy()
      await new Promise((resolve) => server.close(resolve))
    })
    it('exits 69 ("did not answer in time") within a small multiple of --timeout, not minutes', async () => {
      const started = Date.now()
      const r = await runCg(['groups', '--url', `kafka://127.0.0.1:${port}`, '--timeout', '1500'])
      expect(r.code, r.stderr).toBe(69)
      expect(r.stderr).toContain('did not answer in time')
      expect(Date.now() - started).toBeLessThan(12_000) // ~3.5 s idle
    })
  })

  it('wrong SASL password (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) on the real SASL listener: exit 69, clear message, no secret', async () => {
    const path = config({
      plain: {url: KAFKA_SASL.url, sasl: {mechanism: 'PLAIN', username: 'cg', password: 'wrong-plain-pw'}},
      s256: {url: KAFKA_SASL.url, sasl: {mechanism: 'SCRAM-SHA-256', username: 'cg-scram', password: 'wrong-256-pw'}},
      s512: {url: KAFKA_SASL.url, sasl: {mechanism: 'SCRAM-SHA-512', username: 'nobody', password: 'wrong-512-pw'}},
    })
    for (const [p, mech, user, pw] of [
      ['plain', 'PLAIN', 'cg', 'wrong-plain-pw'],
      ['s256', 'SCRAM-SHA-256', 'cg-scram', 'wrong-256-pw'],
      ['s512', 'SCRAM-SHA-512', 'nobody', 'wrong-512-pw'],
    ]) {
      const started = Date.now()
      const r = await runCg(['groups', '--config', path, '-p', p])
      expect(r.code, `${p}: ${r.stderr}`).toBe(69)
      expect(r.stderr).toContain(`authentication failed on Kafka ${KAFKA_SASL.bootstrap} (SASL ${mech} as user "${user}")`)
      expect(r.stderr).toContain("Hint: Check the profile's sasl mechanism, username and password")
      expect(r.stderr + r.stdout).not.toContain(pw)
      expect(Date.now() - started).toBeLessThan(15_000) // ~1 s idle; room for a loaded machine
      const j = await runCg(['pending', 'g', '--config', path, '-p', p, '--json'])
      expect(j.code).toBe(69)
      expect(j.json().error.code).toBe('auth')
      expect(j.stdout).not.toContain(pw)
    }
  }, 120_000)

  it('what Kafka has no such thing for is refused (exit 4) with a hint, before connecting', async () => {
    const cases: Array<[string[], string]> = [
      [['claim', 'g', '--idle', '1000'], 'cg consumer delete GROUP MEMBER'],
      [['setid', 's', 'g', '0'], 'cg reset GROUP --to-offset N --topic T'],
      [['group', 'create', 'g'], 'cg reset GROUP --topic T --to-earliest --execute'],
      [['dlq', 'move', 'g', '--min-idle', '0'], 'cg dlq replay --dlq TOPIC'],
    ]
    for (const [cmd, hint] of cases) {
      const r = await runCg([...cmd, '--url', 'kafka://127.0.0.1:1'])
      expect(r.code, `${cmd.join(' ')}: ${r.stderr}`).toBe(4)
      expect(r.stderr).toContain(`${cmd[0] === 'claim' || cmd[0] === 'setid' ? cmd[0] : cmd.slice(0, 2).join(' ')} is not possible on Kafka`)
      expect(r.stderr).toContain(hint)
    }
  })

  it('no credentials on a SASL listener: exit 69 with a hint about sasl/tls', async () => {
    const r = await runCg(['groups', '--url', KAFKA_SASL.url])
    expect(r.code, r.stderr).toBe(69)
    expect(r.stderr).toMatch(/Hint: .*sasl/)
  })

  describe('not found', () => {
    const admin = kafkaAdmin(KAFKA.bootstrap)
    const topic = kname('err')
    const group = kname('err-g')
    beforeAll(async () => {
      await createTopic(admin, topic, 1)
      await produce(KAFKA.bootstrap, topic, 3)
      await commitOffsets(admin, group, {[topic]: [1]})
    })
    afterAll(async () => {
      await deleteGroups(admin, [group])
      await deleteTopics(admin, [topic])
      await admin.close()
    })
    it('an unknown topic in `cg pending TOPIC GROUP` exits 5; a known one works', async () => {
      const bad = await runCg(['pending', kname('nosuch-topic'), group, '--url', KAFKA.url])
      expect(bad.code, bad.stderr).toBe(5)
      expect(bad.stderr).toMatch(/topic \S+ does not exist/)
      const ok = await runCg(['pending', topic, group, '--url', KAFKA.url, '--json'])
      expect(ok.code, ok.stderr).toBe(0)
      expect(ok.json().pending).toBe(2)
    })
    it('flags with no Kafka meaning are usage errors (exit 2), not ignored', async () => {
      for (const args of [
        ['pending', group, '--min-idle', '5'],
        ['lag', group, '--stream', 's'],
        ['lag', group, '--samples', '3'],
      ]) {
        const r = await runCg([...args, '--url', KAFKA.url])
        expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2)
      }
    })
  })
})
