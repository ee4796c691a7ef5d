import {execFileSync} from 'node:child_process'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {connect, type Server} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {createServer} from 'node:tls'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {runCg} from '../../helpers/cli.js'
import {enc, mgmt, RABBIT_HOST, useRabbit} from '../../helpers/rabbitmq.js'
import {expectValid} from '../../helpers/schemas.js'

function configFile(dir: string, profile: Record<string, unknown>): string {
  const path = join(dir, 'config.yaml')
  const yaml = (v: unknown, indent: string): string =>
    v && typeof v === 'object'
      ? '\n' +
        Object.entries(v)
          .map(([k, x]) => `${indent}${k}: ${yaml(x, indent + '  ')}`)
          .join('\n')
      : JSON.stringify(v)
  writeFileSync(path, `default: r\nprofiles:\n  r:${yaml(profile, '    ')}\n`, {mode: 0o600})
  return path
}

describe('rabbitmq profiles: url, vhost, username/password, derived management URL; secrets never printed', () => {
  const rmq = useRabbit()

  it('username/password/vhost fields override the URL; the management URL is derived from the AMQP host', async () => {
    const vhost = await rmq.vhost()
    const u = await rmq.user(['administrator'])
    await mgmt('PUT', `permissions/${enc(vhost)}/${enc(u.user)}`, {configure: '.*', write: '.*', read: '.*'})
    const amqp = await import('amqplib')
    const c = await amqp.connect(`amqp://guest:guest@${RABBIT_HOST}:5672/${enc(vhost)}`)
    const ch = await c.createChannel()
    await ch.assertQueue('orders', {durable: false})
    for (let i = 0; i < 3; i++) ch.sendToQueue('orders', Buffer.from('o'))
    await ch.checkQueue('orders')
    await c.close()
    const dir = mkdtempSync(join(tmpdir(), 'cg-rmq-prof-'))
    const path = configFile(dir, {url: `amqp://${RABBIT_HOST}:5672`, username: u.user, password: u.password, vhost})
    // lag of a queue in the profile's vhost: confirmed by a passive declare, so AMQP opened that vhost as that user
    const r = await runCg(['lag', 'orders', '--config', path, '--json', '--verbose'])
    expect(r.code, r.stderr).toBe(0)
    const doc = r.json()
    expectValid('lag.json', doc)
    expect(doc.groups).toEqual([expect.objectContaining({vhost, group: 'orders', lag: 3, lagSource: 'amqp'})])
    expect(r.stdout + r.stderr).not.toContain(u.password)
    const t = await runCg(['profiles', 'test', '--config', path, '--json'])
    expect(t.code, t.stderr).toBe(0)
    expect(t.json()).toMatchObject({broker: 'rabbitmq', ok: true, version: expect.stringMatching(/^3\.10\./), mode: `vhost ${vhost}`})
    const show = await runCg(['profiles', 'show', 'r', '--config', path, '--json'])
    expect(show.stdout).not.toContain(u.password)
    // a password in the URL is masked too, in errors as well
    const bad = await runCg(['consumers', 'no-such-q', '--url', `amqp://${enc(u.user)}:${enc(u.password)}@${RABBIT_HOST}:5672/${enc(vhost)}`, '--verbose'])
    expect(bad.code).toBe(5)
    expect(bad.stdout + bad.stderr).not.toContain(u.password)
  })
})

/**
 * TLS for real: a TLS terminator in this process (self-signed certificate for IP 127.0.0.1) in front of
 * the broker's AMQP and management ports, so amqps:// and https:// with `tls.ca` are exercised end to end.
 */
describe('rabbitmq profiles: amqps:// and https:// with tls.ca', () => {
  const rmq = useRabbit()
  const servers: Server[] = []
  let dir = ''
  let amqpsPort = 0
  let httpsPort = 0

  function terminator(targetPort: number, key: Buffer, cert: Buffer): Promise<number> {
    const s = createServer({key, cert}, (sock) => {
      const up = connect(targetPort, RABBIT_HOST)
      sock.pipe(up).pipe(sock)
      up.on('error', () => sock.destroy())
      sock.on('error', () => up.destroy())
    })
    servers.push(s)
    return new Promise((resolve) => s.listen(0, RABBIT_HOST, () => resolve((s.address() as {port: number}).port)))
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cg-rmq-tls-'))
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'ca.pem'),
      ],
      {stdio: 'ignore'},
    )
    const {readFileSync} = await import('node:fs')
    const key = readFileSync(join(dir, 'key.pem'))
    const cert = readFileSync(join(dir, 'ca.pem'))
    amqpsPort = await terminator(5672, key, cert)
    httpsPort = await terminator(15672, key, cert)
  })
  afterAll(() => {
    for (const s of servers) s.close()
  })

  it('with tls.ca both endpoints verify and work; without it the self-signed certificate is refused (69)', async () => {
    const q = await rmq.queue('tls', {messages: 2})
    const good = configFile(dir, {
      url: `amqps://guest:guest@${RABBIT_HOST}:${amqpsPort}`,
      management: `https://${RABBIT_HOST}:${httpsPort}`,
      tls: {ca: 'ca.pem'},
    })
    const r = await runCg(['lag', q, '--config', good, '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.json().groups[0]).toMatchObject({group: q, lag: 2, lagSource: 'amqp'})
    const g = await runCg(['groups', q, '--config', good, '--json'])
    expect(g.code, g.stderr).toBe(0)
    expect(g.json().groups[0]).toMatchObject({group: q, type: 'classic'})

    const noCa = join(dir, 'noca')
    const {mkdirSync} = await import('node:fs')
    mkdirSync(noCa)
    const bad = configFile(noCa, {url: `amqps://guest:guest@${RABBIT_HOST}:${amqpsPort}`, management: `https://${RABBIT_HOST}:${httpsPort}`})
    const m = await runCg(['groups', q, '--config', bad])
    expect(m.code).toBe(69)
    expect(m.stderr).toContain(`TLS handshake with the RabbitMQ management API at https://${RABBIT_HOST}:${httpsPort} failed`)
    // AMQP alone: a management URL that works, an amqps:// listener whose certificate is not trusted
    const bad2 = configFile(noCa, {url: `amqps://guest:guest@${RABBIT_HOST}:${amqpsPort}`, management: `http://${RABBIT_HOST}:15672`})
    const a = await runCg(['lag', q, '--config', bad2])
    expect(a.code).toBe(69)
    expect(a.stderr).toContain('TLS handshake with RabbitMQ at amqps://')
    expect(a.stderr).not.toMatch(/guest:guest@/)
  })
})
