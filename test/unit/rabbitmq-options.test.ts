import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {idleMsSince} from '../../src/brokers/rabbitmq/rabbitmq-reads.js'
import {defaultDeliveryLimit, majorVersion, rabbitOptions} from '../../src/brokers/rabbitmq/rabbitmq-options.js'
import {CgError} from '../../src/errors/cg-error.js'
import {buildProfile} from '../../src/profiles/resolve.js'
import {deadLetter, deliveryLimit, queueRow} from '../../src/brokers/rabbitmq/rabbitmq-inspect.js'

const profile = (raw: Record<string, unknown>, configPath?: string) => buildProfile('p', 'flag', raw, undefined, configPath, {})

describe('rabbitOptions: a profile as AMQP + management options', () => {
  it('amqp://: credentials and vhost from the URL, management derived from the AMQP host on 15672, password masked', () => {
    const o = rabbitOptions(profile({url: 'amqp://app:s%40cret@10.0.0.5:5673/prod'}), 5000)
    expect(o).toMatchObject({username: 'app', password: 's@cret', vhost: 'prod', managementUrl: 'http://10.0.0.5:15672', timeoutMs: 5000, tls: undefined})
    expect(o.amqpUrl).toBe('amqp://app:s%40cret@10.0.0.5:5673/prod')
    expect(o.amqpShown).toBe('amqp://app:***@10.0.0.5:5673/prod')
  })

  it('no credentials and no path: guest/guest, vhost /, port 5672; %2F is the default vhost', () => {
    const o = rabbitOptions(profile({url: 'amqp://127.0.0.1'}), 1000)
    expect(o).toMatchObject({username: 'guest', password: 'guest', vhost: '/'})
    expect(o.amqpUrl).toBe('amqp://guest:guest@127.0.0.1:5672/%2F')
    expect(rabbitOptions(profile({url: 'amqp://127.0.0.1/%2F'}), 1000).vhost).toBe('/')
  })

  it('username, password and vhost fields override the URL', () => {
    const o = rabbitOptions(profile({url: 'amqp://u:p@127.0.0.1:5672/a', username: 'ops', password: 'pw/1', vhost: 'b c'}), 1000)
    expect(o).toMatchObject({username: 'ops', password: 'pw/1', vhost: 'b c'})
    expect(o.amqpUrl).toBe('amqp://ops:pw%2F1@127.0.0.1:5672/b%20c')
  })

  it('management: taken as given, trailing slash and any credentials in it dropped', () => {
    expect(rabbitOptions(profile({url: 'amqp://127.0.0.1', management: 'http://u:p@127.0.0.1:8080/rmq/'}), 1000).managementUrl).toBe(
      'http://127.0.0.1:8080/rmq',
    )
    expect(() => rabbitOptions(profile({url: 'amqp://127.0.0.1', management: 'ftp://127.0.0.1'}), 1000)).toThrow(/http:\/\/ or https:\/\//)
  })

  it('management: a list (YAML list or comma-separated) keeps its order; the first is managementUrl; credentials dropped', () => {
    const o = rabbitOptions(
      profile({url: 'amqp://127.0.0.1:5673', management: ['http://127.0.0.1:15673/', 'http://u:p@127.0.0.1:15674', ' http://127.0.0.1:15675 ']}),
      1000,
    )
    expect(o.managementUrls).toEqual(['http://127.0.0.1:15673', 'http://127.0.0.1:15674', 'http://127.0.0.1:15675'])
    expect(o.managementUrl).toBe('http://127.0.0.1:15673')
    const csv = rabbitOptions(profile({url: 'amqp://127.0.0.1', management: 'http://a:15672, http://b:15672'}), 1000)
    expect(csv.managementUrls).toEqual(['http://a:15672', 'http://b:15672'])
    // none given: the one derived from the AMQP host
    expect(rabbitOptions(profile({url: 'amqp://127.0.0.1:5673'}), 1000).managementUrls).toEqual(['http://127.0.0.1:15672'])
    expect(() => rabbitOptions(profile({url: 'amqp://127.0.0.1', management: []}), 1000)).toThrow(/empty list/)
    expect(() => rabbitOptions(profile({url: 'amqp://127.0.0.1', management: ['http://a:15672', 'amqp://b']}), 1000)).toThrow(/http:\/\/ or https:\/\//)
    expect(() => rabbitOptions(profile({url: 'amqp://127.0.0.1', management: ['http://a:15672', 'not a url']}), 1000)).toThrow(
      /not a management URL: not a url/,
    )
  })

  it('management: a list with an https:// URL makes the profile tls apply', () => {
    const o = rabbitOptions(profile({url: 'amqp://127.0.0.1', management: ['http://127.0.0.1:15672', 'https://127.0.0.1:15671']}), 1000)
    expect(o.tls).toEqual({rejectUnauthorized: true})
  })

  it('amqps://: port 5671, management https://host:15671, certificates verified; IPv6 hosts bracketed', () => {
    const o = rabbitOptions(profile({url: 'amqps://127.0.0.1'}), 1000)
    expect(o.amqpUrl).toBe('amqps://guest:guest@127.0.0.1:5671/%2F')
    expect(o.managementUrl).toBe('https://127.0.0.1:15671')
    expect(o.tls).toEqual({rejectUnauthorized: true})
    expect(rabbitOptions(profile({url: 'amqp://[::1]:5672'}), 1000).managementUrl).toBe('http://[::1]:15672')
  })

  it('tls {ca, cert, key, passphrase, servername, rejectUnauthorized}: files read relative to the config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cg-rtls-'))
    for (const f of ['ca', 'cert', 'key']) writeFileSync(join(dir, `${f}.pem`), `${f}-bytes`)
    const o = rabbitOptions(
      profile(
        {
          url: 'amqps://127.0.0.1',
          tls: {ca: 'ca.pem', cert: 'cert.pem', key: 'key.pem', passphrase: 'pp', servername: 'rabbit.example', rejectUnauthorized: 'false'},
        },
        join(dir, 'config.yaml'),
      ),
      1000,
    )
    expect(String(o.tls?.ca)).toBe('ca-bytes')
    expect(String(o.tls?.cert)).toBe('cert-bytes')
    expect(String(o.tls?.key)).toBe('key-bytes')
    expect(o.tls).toMatchObject({passphrase: 'pp', servername: 'rabbit.example', rejectUnauthorized: false})
    // an https management URL asks for TLS even with amqp://
    expect(rabbitOptions(profile({url: 'amqp://127.0.0.1', management: 'https://127.0.0.1:15671'}), 1000).tls).toEqual({rejectUnauthorized: true})
  })

  it('a tls file that cannot be read is a usage error naming it', () => {
    try {
      rabbitOptions(profile({url: 'amqps://127.0.0.1', tls: {ca: '/nonexistent/ca.pem'}}), 1000)
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(CgError)
      expect((err as CgError).exitCode).toBe(2)
      expect((err as CgError).message).toContain('cannot read tls.ca /nonexistent/ca.pem')
    }
  })
})

describe('server version: 3.x / 4.x differences', () => {
  it('quorum delivery-limit default: none on 3.x, 20 on 4.x (and when unknown)', () => {
    expect(majorVersion('3.10.8')).toBe(3)
    expect(defaultDeliveryLimit('3.10.8')).toBeNull()
    expect(defaultDeliveryLimit('3.13.7')).toBeNull()
    expect(defaultDeliveryLimit('4.0.5')).toBe(20)
    expect(defaultDeliveryLimit('unknown')).toBe(20)
  })

  it("a quorum queue's limit: arguments, then policy, then the version's default; classic queues have none", () => {
    expect(deliveryLimit({name: 'q', vhost: '/', type: 'quorum', arguments: {'x-delivery-limit': 7}}, '3.10.8')).toEqual({limit: 7, from: 'arguments'})
    expect(deliveryLimit({name: 'q', vhost: '/', type: 'quorum', effective_policy_definition: {'delivery-limit': 4}}, '3.10.8')).toEqual({
      limit: 4,
      from: 'policy',
    })
    expect(deliveryLimit({name: 'q', vhost: '/', type: 'quorum'}, '3.10.8')).toEqual({limit: null, from: 'default'})
    expect(deliveryLimit({name: 'q', vhost: '/', type: 'quorum'}, '4.1.0')).toEqual({limit: 20, from: 'default'})
    expect(deliveryLimit({name: 'q', vhost: '/', type: 'classic'}, '4.1.0')).toBeNull()
  })
})

describe('queue rows', () => {
  it('dead-letter settings: arguments win over the policy, each part says where it came from', () => {
    expect(deadLetter({name: 'q', vhost: '/'})).toBeNull()
    expect(
      deadLetter({
        name: 'q',
        vhost: '/',
        arguments: {'x-dead-letter-exchange': ''},
        policy: 'p',
        effective_policy_definition: {'dead-letter-exchange': 'pol-dlx'},
      }),
    ).toEqual({exchange: '', routingKey: null, from: 'arguments', policy: 'p', strategy: null})
    expect(
      deadLetter({
        name: 'q',
        vhost: '/',
        arguments: {'x-dead-letter-routing-key': 'k'},
        policy: 'p',
        effective_policy_definition: {'dead-letter-exchange': 'pol-dlx'},
      }),
    ).toEqual({exchange: 'pol-dlx', routingKey: 'k', from: 'arguments+policy', policy: 'p', strategy: null})
    expect(deadLetter({name: 'q', vhost: '/', operator_policy: 'op', effective_policy_definition: {'dead-letter-exchange': 'x'}})).toMatchObject({
      exchange: 'x',
      from: 'operator-policy',
      policy: 'op',
    })
    expect(deadLetter({name: 'q', vhost: '/', effective_policy_definition: []})).toBeNull()
  })

  it('unknown counts stay null (a queue whose stats are not sampled yet), never 0', () => {
    const r = queueRow({name: 'q', vhost: '/'}, '3.10.8')
    expect(r).toMatchObject({type: 'classic', consumers: null, ready: null, unacked: null, messages: null, consumerUtilisation: null})
    expect(queueRow({name: 'q', vhost: '/', consumers: 2, consumer_utilisation: 0.5}, '3.10.8').consumerUtilisation).toBe(0.5)
    expect(queueRow({name: 'q', vhost: '/', consumers: 0, consumer_utilisation: 0}, '3.10.8').consumerUtilisation).toBeNull()
  })

  it('idle_since in both formats the management API has used', () => {
    const now = Date.parse('2026-01-01T00:00:10Z')
    expect(idleMsSince('2026-01-01T00:00:00.000+00:00', now)).toBe(10_000)
    expect(idleMsSince('2026-01-01 00:00:05', now)).toBe(5_000)
    expect(idleMsSince(undefined, now)).toBeNull()
    expect(idleMsSince('garbage', now)).toBeNull()
  })
})
