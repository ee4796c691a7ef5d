// RabbitMQ over real TLS: the node's AMQPS listener on 127.0.0.1:5671 and its management API over https
// on 127.0.0.1:15671, both requiring a client certificate signed by the test CA (set up by
// `npm run brokers:up`, with the certificates of scripts/certs.sh). Profiles carry tls: {ca, cert, key,
// servername, insecure}. Each failure is exit 69 with one line naming the certificate problem, on the AMQP
// connection (amqps:// + a plain management URL) and on the management API (amqp:// + an https:// one).
import {execFileSync} from 'node:child_process'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {beforeAll, describe, expect, it} from 'vitest'
import {runCg} from '../../helpers/cli.js'
import {queueInfo, RABBIT_HOST, useRabbit, waitFor, waitStuck} from '../../helpers/rabbitmq.js'

const CERTS = execFileSync('bash', [fileURLToPath(new URL('../../../scripts/certs.sh', import.meta.url))], {encoding: 'utf8'}).trim()
const cert = (f: string) => join(CERTS, f)

type Tls = {ca?: string; cert?: string; key?: string; servername?: string; insecure?: boolean}
const GOOD: Tls = {ca: cert('ca.pem'), cert: cert('client.pem'), key: cert('client.key')}

let dir = ''
let n = 0
/** a config file with one profile (the default) */
function profile(p: {url: string; management: string; tls: Tls; vhost?: string}): string {
  const path = join(dir, `config-${n++}.yaml`)
  const tls = Object.entries(p.tls)
    .map(([k, v]) => `      ${k}: ${JSON.stringify(v)}`)
    .join('\n')
  writeFileSync(path, `default: r\nprofiles:\n  r:\n    url: ${p.url}\n    management: ${p.management}\n    tls:\n${tls}\n`, {mode: 0o600})
  return path
}

const AMQPS = 'amqps://guest:guest@localhost:5671'
const HTTPS = 'https://localhost:15671'
const AMQP = `amqp://guest:guest@${RABBIT_HOST}:5672`
const HTTP = `http://${RABBIT_HOST}:15672`

/** exit 69, and stderr is one error line (with its hint) matching `problem` */
function expectTlsFailure(r: {code: number | null; stdout: string; stderr: string}, where: RegExp, problem: RegExp) {
  expect(r.code, r.stdout + r.stderr).toBe(69)
  const lines = r.stderr.trim().split('\n')
  expect(lines, r.stderr).toHaveLength(2)
  expect(lines[0]).toMatch(/^Error: TLS handshake with /)
  expect(lines[0]).toMatch(where)
  expect(lines[0]).toMatch(problem)
  expect(lines[1]).toMatch(/^Hint: /)
  expect(r.stderr).not.toContain('guest:guest')
}

describe('rabbitmq over TLS with a client certificate: AMQPS :5671 and the management API on https :15671', () => {
  const rmq = useRabbit()
  let queue = ''

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cg-rmq-tls-'))
    queue = await rmq.queue('tls', {messages: 3})
  })

  it('groups and lag work over both, with localhost and with 127.0.0.1 (the certificate lists both)', async () => {
    for (const host of ['localhost', '127.0.0.1']) {
      const path = profile({url: `amqps://guest:guest@${host}:5671`, management: `https://${host}:15671`, tls: GOOD})
      const groups = await runCg(['groups', '--config', path, '--json'])
      expect(groups.code, groups.stderr).toBe(0)
      expect(groups.json().groups).toContainEqual(expect.objectContaining({group: queue, vhost: '/'}))
      // lag confirms the count with a passive declare: the AMQPS connection
      const lag = await runCg(['lag', queue, '--config', path, '--json', '--verbose'])
      expect(lag.code, lag.stderr).toBe(0)
      expect(lag.json().groups).toEqual([expect.objectContaining({group: queue, lag: 3, lagSource: 'amqp'})])
      expect(lag.stderr).toContain(`rabbitmq amqps://***:***@${host}:5671`)
      const t = await runCg(['profiles', 'test', '--config', path, '--json'])
      expect(t.code, t.stderr).toBe(0)
      expect(t.json()).toMatchObject({broker: 'rabbitmq', ok: true})
    }
  })

  it('a repair works over both: claim closes a stuck consumer (https DELETE) and dlq replay republishes (AMQPS)', async () => {
    const path = profile({url: AMQPS, management: HTTPS, tls: GOOD})
    const q = await rmq.queue('tls-claim', {messages: 4})
    const s = await rmq.stuck({queue: q, prefetch: 2})
    await waitStuck(q, 2)
    const claim = await runCg(['claim', q, '--idle', '0', '--config', path, '--json'])
    expect(claim.code, claim.stderr).toBe(0)
    expect(claim.json().closed[0]).toMatchObject({connectionName: s.name, closed: true})
    await s.closed
    await waitFor('4 ready again', async () => (await rmq.ch.checkQueue(q)).messageCount === 4)

    const d = await rmq.dlxSetup()
    for (let i = 0; i < 3; i++) rmq.ch.sendToQueue(d.source, Buffer.from(`m${i}`))
    await rmq.ch.checkQueue(d.source)
    for (let i = 0; i < 3; i++) {
      const m = await rmq.ch.get(d.source, {noAck: false})
      if (m) rmq.ch.nack(m, false, false)
    }
    await waitFor('3 dead letters', async () => (await rmq.ch.checkQueue(d.dlq)).messageCount === 3)
    const replay = await runCg(['dlq', 'replay', d.source, '--config', path, '--json'])
    expect(replay.code, replay.stderr).toBe(0)
    expect(replay.json().totals).toMatchObject({replayed: 3, failed: 0})
    expect((await rmq.ch.checkQueue(d.dlq)).messageCount).toBe(0)
    expect((await rmq.ch.checkQueue(d.source)).messageCount).toBe(3)
    expect((await queueInfo(d.source)).name).toBe(d.source)
  })

  // each failure on the AMQP connection (lag: a passive declare) and on the management API (groups)
  const cases: Array<{name: string; tls: () => Tls; problem: RegExp}> = [
    {name: 'the wrong CA', tls: () => ({...GOOD, ca: cert('wrong-ca.pem')}), problem: /the server certificate is not signed by a CA cg trusts/},
    {
      name: 'a host name the certificate does not list (tls.servername: other.example)',
      tls: () => ({...GOOD, servername: 'other.example'}),
      problem: /the server certificate does not match the host name: other\.example is not among the names it lists \(DNS:localhost/,
    },
    {
      name: 'an expired client certificate (refused by the server)',
      tls: () => ({ca: cert('ca.pem'), cert: cert('client-expired.pem'), key: cert('client-expired.key')}),
      problem: /the server refused the client certificate: it has expired/,
    },
    {name: 'no client certificate', tls: () => ({ca: cert('ca.pem')}), problem: /the server requires a client certificate, and none was sent/},
  ]
  for (const c of cases) {
    it(`${c.name}: exit 69, one line naming it, on AMQPS and on https`, async () => {
      const amqps = await runCg(['lag', queue, '--config', profile({url: AMQPS, management: HTTP, tls: c.tls()})])
      expectTlsFailure(amqps, /RabbitMQ at amqps:\/\/\S*localhost:5671/, c.problem)
      const https = await runCg(['groups', '--config', profile({url: AMQP, management: HTTPS, tls: c.tls()})])
      expectTlsFailure(https, /the RabbitMQ management API at https:\/\/localhost:15671/, c.problem)
      // --json: the same error as a document
      const json = await runCg(['groups', '--json', '--config', profile({url: AMQPS, management: HTTPS, tls: c.tls()})])
      expect(json.code).toBe(69)
      expect(json.json().error).toMatchObject({code: 'unreachable', message: expect.stringMatching(c.problem)})
    })
  }

  it('insecure: true accepts the server certificate whatever CA signed it (the client certificate is still sent)', async () => {
    const path = profile({url: AMQPS, management: HTTPS, tls: {...GOOD, ca: cert('wrong-ca.pem'), insecure: true}})
    const lag = await runCg(['lag', queue, '--config', path, '--json'])
    expect(lag.code, lag.stderr).toBe(0)
    expect(lag.json().groups).toEqual([expect.objectContaining({group: queue, lag: 3, lagSource: 'amqp'})])
    // without a client certificate the server still refuses: insecure skips only cg's check of the server
    const nocert = await runCg(['groups', '--config', profile({url: AMQPS, management: HTTPS, tls: {ca: cert('wrong-ca.pem'), insecure: true}})])
    expectTlsFailure(nocert, /RabbitMQ management API/, /requires a client certificate/)
  })

  it('amqp:// to the TLS port and amqps:// to the plain one: exit 69 saying which', async () => {
    const plainToTls = await runCg(['lag', queue, '--url', 'amqp://guest:guest@127.0.0.1:5671', '--timeout', '5000'])
    expect(plainToTls.code, plainToTls.stderr).toBe(69)
    const tlsToPlain = await runCg(['lag', queue, '--config', profile({url: 'amqps://guest:guest@127.0.0.1:5672', management: HTTP, tls: GOOD})])
    expect(tlsToPlain.code, tlsToPlain.stderr).toBe(69)
    expect(tlsToPlain.stderr).toMatch(/does not speak TLS on this port/)
  })
})
