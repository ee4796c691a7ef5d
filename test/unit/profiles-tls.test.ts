import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {redisOptions} from '../../src/brokers/redis/redis-connection.js'
import {CgError} from '../../src/errors/cg-error.js'
import {buildProfile} from '../../src/profiles/resolve.js'

function pems() {
  const dir = mkdtempSync(join(tmpdir(), 'cg-tls-'))
  for (const f of ['ca', 'cert', 'key']) writeFileSync(join(dir, `${f}.pem`), `-----BEGIN ${f.toUpperCase()}-----\n${f}-bytes\n`)
  return dir
}

const profile = (raw: Record<string, unknown>, configPath?: string, env: NodeJS.ProcessEnv = {}) => buildProfile('p', 'flag', raw, undefined, configPath, env)

describe('redisOptions: TLS from the profile', () => {
  it('rediss:// with tls {ca, cert, key, servername, rejectUnauthorized} carries all of them into ioredis', () => {
    const dir = pems()
    const o = redisOptions(
      profile({
        url: 'rediss://cache.internal:6380',
        tls: {ca: join(dir, 'ca.pem'), cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem'), servername: 'redis.example.com', rejectUnauthorized: false},
      }),
      5000,
    )
    expect(o.host).toBe('cache.internal')
    expect(o.port).toBe(6380)
    expect(o.tls).toBeDefined()
    const tls = o.tls!
    expect(String(tls.ca)).toContain('ca-bytes')
    expect(String(tls.cert)).toContain('cert-bytes')
    expect(String(tls.key)).toContain('key-bytes')
    expect(tls.servername).toBe('redis.example.com')
    expect(tls.rejectUnauthorized).toBe(false)
  })

  it('redis+sentinel://: the sentinels, the master name, and tls: for both the sentinels and the master', () => {
    const dir = pems()
    const o = redisOptions(
      profile({
        url: 'rediss+sentinel://s1.internal:26380,s2.internal/cache',
        tls: {ca: join(dir, 'ca.pem')},
        sentinelUsername: 'watch',
        sentinelPassword: 'pw',
      }),
      5000,
    )
    expect(o.sentinels).toEqual([
      {host: 's1.internal', port: 26380},
      {host: 's2.internal', port: 26379},
    ])
    expect(o).toMatchObject({
      name: 'cache',
      role: 'master',
      sentinelUsername: 'watch',
      sentinelPassword: 'pw',
      enableTLSForSentinelMode: true,
      failoverDetector: true,
    })
    expect(String(o.tls!.ca)).toContain('ca-bytes')
    expect(o.sentinelTLS).toBe(o.tls)
    expect(o.host).toBeUndefined()
    expect(redisOptions(profile({url: 'redis+sentinel://s1:26380/cache'}), 5000)).toMatchObject({tls: undefined, enableTLSForSentinelMode: false})
  })

  it('sentinels: and name: are the redis+sentinel:// URL they mean', () => {
    expect(profile({broker: 'redis', sentinels: ['s1:26380', 's2:26381'], name: 'cache', db: 2}).url).toBe('redis+sentinel://s1:26380,s2:26381/cache/2')
    expect(profile({sentinels: 's1:26380', name: 'cache'}).broker).toBe('redis')
    expect(() => profile({sentinels: ['s1:26380']})).toThrow(/has sentinels but no master name/)
    expect(() => profile({sentinels: [], name: 'cache'})).toThrow(/sentinels lists no sentinel/)
    expect(() => profile({url: 'redis://h', sentinels: ['s1:26380'], name: 'cache'})).toThrow(/has both url and sentinels/)
  })

  it('rediss:// alone verifies certificates against the URL host', () => {
    const o = redisOptions(profile({url: 'rediss://cache.internal:6380'}), 5000)
    expect(o.tls).toMatchObject({rejectUnauthorized: true, servername: 'cache.internal'})
    expect(o.tls?.ca).toBeUndefined()
  })

  it('redis:// has no TLS unless the profile asks for it (tls: true or an object)', () => {
    expect(redisOptions(profile({url: 'redis://h:6379'}), 5000).tls).toBeUndefined()
    expect(redisOptions(profile({url: 'redis://h:6379', tls: true}), 5000).tls).toMatchObject({rejectUnauthorized: true, servername: 'h'})
  })

  it('relative TLS paths are taken from the config file directory', () => {
    const dir = pems()
    const o = redisOptions(profile({url: 'rediss://h', tls: {ca: 'ca.pem'}}, join(dir, '.cg.yaml')), 5000)
    expect(String(o.tls?.ca)).toContain('ca-bytes')
  })

  it('rejectUnauthorized from ${VAR} ("false") turns verification off', () => {
    const o = redisOptions(profile({url: 'rediss://h', tls: {rejectUnauthorized: '${VERIFY}'}}, undefined, {VERIFY: 'false'}), 5000)
    expect(o.tls?.rejectUnauthorized).toBe(false)
  })

  it('a TLS file that cannot be read is a usage error naming the field', () => {
    let err: unknown
    try {
      redisOptions(profile({url: 'rediss://h', tls: {ca: '/nonexistent/ca.pem'}}), 5000)
    } catch (error) {
      err = error
    }
    expect(err).toBeInstanceOf(CgError)
    expect((err as CgError).exitCode).toBe(2)
    expect((err as CgError).message).toContain('tls.ca')
  })
})

describe('redisOptions: credentials, db, timeouts', () => {
  it('takes user and password from the URL, decoded', () => {
    const o = redisOptions(profile({url: 'redis://app%2Did:p%40ss@h:6379/3'}), 1234)
    expect([o.username, o.password, o.db]).toEqual(['app-id', 'p@ss', 3])
    expect([o.connectTimeout, o.commandTimeout]).toEqual([1234, 1234])
  })

  it('username/password fields beat the URL; numeric passwords become strings', () => {
    const o = redisOptions(profile({url: 'redis://x:y@h', username: 'ops', password: 123456}), 1000)
    expect([o.username, o.password]).toEqual(['ops', '123456'])
  })

  it('no credentials: none sent', () => {
    const o = redisOptions(profile({url: 'redis://[::1]:6379'}), 1000)
    expect([o.host, o.username, o.password, o.db]).toEqual(['::1', undefined, undefined, undefined])
  })
})

describe('tls: the same on every broker', () => {
  it('{ca, cert, key, servername, insecure} gives the same node:tls options to Redis, Kafka and RabbitMQ', async () => {
    const {kafkaClientOptions} = await import('../../src/brokers/kafka/kafka-options.js')
    const {rabbitOptions} = await import('../../src/brokers/rabbitmq/rabbitmq-options.js')
    const dir = pems()
    const tls = {ca: join(dir, 'ca.pem'), cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem'), servername: 'broker.example', insecure: true}
    const got = [
      redisOptions(profile({url: 'rediss://h:6379', tls}), 5000).tls,
      kafkaClientOptions(profile({url: 'kafkas://h:9093', tls}), 5000).tls,
      rabbitOptions(profile({url: 'amqps://h:5671', tls}), 5000).tls,
    ]
    for (const t of got) {
      expect(t).toMatchObject({servername: 'broker.example', rejectUnauthorized: false})
      expect(String(t?.ca)).toContain('ca-bytes')
      expect(String(t?.cert)).toContain('cert-bytes')
      expect(String(t?.key)).toContain('key-bytes')
    }
  })

  it('insecure: "false" (from ${VAR}) still verifies; tls: false on a plain URL is no TLS', () => {
    expect(redisOptions(profile({url: 'rediss://h:6379', tls: {insecure: 'false'}}), 5000).tls).toMatchObject({rejectUnauthorized: true})
    expect(redisOptions(profile({url: 'redis://h:6379', tls: 'false'}), 5000).tls).toBeUndefined()
  })
})
