import {describe, expect, it} from 'vitest'
import {runCg} from '../../helpers/cli.js'
import {enc, mgmt, RABBIT_HOST, RABBIT_URL, useRabbit, waitStuck} from '../../helpers/rabbitmq.js'
import {expectValid} from '../../helpers/schemas.js'
import {defaultProfileFile as config} from '../../helpers/config-file.js'

const URL = RABBIT_URL
const urlOf = (u: {user: string; password: string}, vhost = '') =>
  `amqp://${enc(u.user)}:${enc(u.password)}@${RABBIT_HOST}:5672${vhost ? '/' + enc(vhost) : ''}`

async function connected(name: string): Promise<boolean> {
  const conns: Array<{user_provided_name?: string}> = await mgmt('GET', 'connections')
  return conns.some((c) => c.user_provided_name === name)
}

describe('rabbitmq errors: unreachable endpoints, credentials, missing things (exit 69 / 5)', () => {
  const rmq = useRabbit()

  it('an unreachable AMQP listener: exit 69 naming it, password masked', async () => {
    const q = await rmq.queue('unreach')
    for (const args of [
      ['pending', q],
      ['lag', q],
      ['claim', q, '--idle', '0'],
    ]) {
      const r = await runCg([...args, '--url', `amqp://guest:s3cret-x@${RABBIT_HOST}:1`])
      // the management API is found on 15672 but says the credentials are wrong, or the AMQP port is closed: either way 69
      expect(r.code, `${args[0]}: ${r.stderr}`).toBe(69)
      expect(r.stderr).not.toContain('s3cret-x')
    }
    const r = await runCg(['lag', q, '--url', `amqp://guest:guest@${RABBIT_HOST}:1`, '--json'])
    expect(r.code).toBe(69)
    const doc = r.json()
    expectValid('error.json', doc)
    expect(doc.error.code).toBe('unreachable')
    expect(doc.error.message).toMatch(/cannot reach RabbitMQ at amqp:\/\/.*127\.0\.0\.1:1/)
  })

  it('an unreachable management API: exit 69 with where cg looked', async () => {
    const path = config({url: URL, management: `http://${RABBIT_HOST}:1`})
    for (const cmd of ['groups', 'lag']) {
      const r = await runCg([cmd, '--config', path])
      expect(r.code, r.stderr).toBe(69)
      expect(r.stderr).toContain(`cannot reach the RabbitMQ management API at http://${RABBIT_HOST}:1`)
      expect(r.stderr).toContain('management')
    }
  })

  it('an https management URL on a plain-text listener: a TLS failure, exit 69', async () => {
    const path = config({url: URL, management: `https://${RABBIT_HOST}:15672`})
    const r = await runCg(['groups', '--config', path])
    expect(r.code).toBe(69)
    expect(r.stderr).toContain('TLS handshake failed with 127.0.0.1:15672: the server does not speak TLS on this port')
    expect(r.stderr).not.toContain('DeprecationWarning')
  })

  it('bad credentials: exit 69 with a clear message, on the management API and on AMQP', async () => {
    const u = await rmq.user(['administrator'])
    const bad = {user: u.user, password: 'wrong-' + u.password}
    const m = await runCg(['groups', '--url', urlOf(bad)])
    expect(m.code).toBe(69)
    expect(m.stderr).toContain(`RabbitMQ management API refused the credentials of user ${u.user} (Login failed)`)
    expect(m.stderr).not.toContain(bad.password)
    const a = await runCg(['lag', '--url', urlOf(bad), '--json'])
    expect(a.code).toBe(69)
    const doc = a.json()
    expect(doc.error.code).toBe('auth')
    expect(doc.error.message).toContain(`RabbitMQ refused the login of user ${u.user}`)
    expect(a.stdout + a.stderr).not.toContain(bad.password)
    // the same user with the right password works
    const ok = await runCg(['groups', '--url', urlOf(u), '--json'])
    expect(ok.code, ok.stderr).toBe(0)
  })

  it('a missing queue or vhost: exit 5, saying which', async () => {
    const q = await rmq.queue('exists')
    const nq = await runCg(['consumers', 'cgtest-no-such-queue', '--url', URL])
    expect(nq.code).toBe(5)
    expect(nq.stderr).toContain('queue cgtest-no-such-queue not found in vhost /')
    const nv = await runCg(['groups', '--vhost', 'cgtest-no-such-vhost', '--url', URL, '--json'])
    expect(nv.code).toBe(5)
    expect(nv.json().error.message).toBe('vhost cgtest-no-such-vhost not found')
    const nv2 = await runCg(['pending', q, '--url', `${URL}/cgtest-no-such-vhost`])
    expect(nv2.code).toBe(5)
    expect(nv2.stderr).toContain('vhost cgtest-no-such-vhost not found')
    const nv3 = await runCg(['lag', '--url', `${URL}/cgtest-no-such-vhost`])
    expect(nv3.code).toBe(5)
    expect(nv3.stderr).toContain('cgtest-no-such-vhost')
    for (const cmd of [
      ['lag', 'cgtest-no-such-queue'],
      ['pending', 'cgtest-no-such-queue'],
      ['groups', 'cgtest-no-such-queue'],
      ['consumer', 'delete', 'cgtest-no-such-queue', 't'],
    ]) {
      expect((await runCg([...cmd, '--url', URL])).code, cmd.join(' ')).toBe(5)
    }
  })

  it('a name over 255 bytes (the AMQP limit): a usage error (exit 2) on one short line, before the broker is asked', async () => {
    const long = 'q'.repeat(300)
    for (const cmd of [
      ['groups', long],
      ['lag', long],
      ['consumers', long],
      ['pending', long],
      ['claim', long, '--idle', '0'],
      ['consumer', 'delete', long, 't'],
      ['dlq', 'list', long],
      ['dlq', 'replay', '--dlq', long],
    ]) {
      const r = await runCg([...cmd, '--url', URL])
      expect(r.code, `${cmd[0]}: ${r.stderr}`).toBe(2)
      expect(r.stderr).toMatch(/is 300 bytes long.*AMQP names are at most 255 bytes/)
      expect(r.stderr.length).toBeLessThan(500)
    }
  })
})

describe('rabbitmq errors: a user without the tags an action needs is refused (exit 4)', () => {
  const rmq = useRabbit()

  it('a user with no management tag: cg groups is refused with what to change', async () => {
    const u = await rmq.user([])
    const r = await runCg(['groups', '--url', urlOf(u), '--json'])
    expect(r.code).toBe(4)
    const doc = r.json()
    expectValid('error.json', doc)
    expect(doc.error.code).toBe('refused')
    expect(doc.error.message).toBe(`user ${u.user} may not use the RabbitMQ management API (Not management user)`)
    expect(doc.error.hint).toMatch(/management, monitoring or administrator tag/)
  })

  it('a user without permissions on the vhost: refused (exit 4)', async () => {
    const u = await rmq.user(['management'])
    await mgmt('DELETE', `permissions/%2F/${enc(u.user)}`)
    const r = await runCg(['lag', '--url', urlOf(u)])
    expect(r.code).toBe(4)
    expect(r.stderr).toContain(`user ${u.user} has no access to vhost /`)
  })

  it("consumers as a management-tag user: other users' channels are unknown (null) with a warning, not invented", async () => {
    const q = await rmq.queue('tags-view', {messages: 3})
    const s = await rmq.stuck({queue: q, prefetch: 2})
    await waitStuck(q, 2)
    const u = await rmq.user(['management'])
    const r = await runCg(['consumers', q, '--url', urlOf(u), '--json'])
    expect(r.code, r.stderr).toBe(0)
    const doc = r.json()
    expectValid('consumers.json', doc)
    expect(doc.consumers[0]).toMatchObject({name: s.tag, pending: null, prefetch: 2, channelUnacked: null, idleMs: null, connectionName: null})
    expect(doc.warnings.join('\n')).toContain(`not visible to user ${u.user} (needs the monitoring or administrator tag)`)
    expect(r.stderr).toContain('Warning: channel')
  })

  it("claim by a management user on another user's consumer: refused, nothing closed", async () => {
    const q = await rmq.queue('tags-mgmt', {messages: 4})
    const s = await rmq.stuck({queue: q, prefetch: 2})
    await waitStuck(q, 2)
    const u = await rmq.user(['management'])
    const r = await runCg(['claim', q, '--idle', '0', '--url', urlOf(u)])
    expect(r.code).toBe(4)
    expect(r.stderr).toMatch(new RegExp(`user ${u.user} may not read /api/channels/`))
    expect(r.stderr).toContain('monitoring or administrator tag')
    expect(await connected(s.name)).toBe(true)
  })

  it("claim and consumer delete by a monitoring user on another user's connection: refused before anything closes; an administrator may", async () => {
    const q = await rmq.queue('tags-mon', {messages: 4})
    const s = await rmq.stuck({queue: q, prefetch: 2})
    await waitStuck(q, 2)
    const mon = await rmq.user(['monitoring'])
    // the dry run shows the plan (reading is allowed)
    const dry = await runCg(['claim', q, '--idle', '0', '--dry-run', '--url', urlOf(mon), '--json'])
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.json().plan[0].connectionName).toBe(s.name)
    const r = await runCg(['claim', q, '--idle', '0', '--url', urlOf(mon), '--json'])
    expect(r.code).toBe(4)
    const doc = r.json()
    expect(doc.error.code).toBe('refused')
    expect(doc.error.message).toContain(`user ${mon.user} may not close connections of other users: ${s.name} (user guest)`)
    expect(doc.error.hint).toContain('administrator tag')
    const cd = await runCg(['consumer', 'delete', q, s.tag, '--url', urlOf(mon)])
    expect(cd.code).toBe(4)
    expect(cd.stderr).toContain('may not close connections of other users')
    expect(await connected(s.name)).toBe(true)

    const admin = await rmq.user(['administrator'])
    const ok = await runCg(['claim', q, '--idle', '0', '--url', urlOf(admin), '--json'])
    expect(ok.code, ok.stderr).toBe(0)
    expect(ok.json().closed[0]).toMatchObject({connectionName: s.name, closed: true})
    await s.closed
    expect(await connected(s.name)).toBe(false)
  })
})
