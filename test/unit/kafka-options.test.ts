import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {kafkaClientOptions} from '../../src/brokers/kafka/kafka-options.js'
import {kafkaError} from '../../src/brokers/kafka/kafka-errors.js'
import type {CgError} from '../../src/errors/cg-error.js'
import {buildProfile} from '../../src/profiles/resolve.js'

const profile = (raw: Record<string, unknown>, configPath?: string, env: NodeJS.ProcessEnv = {}) => buildProfile('p', 'flag', raw, undefined, configPath, env)

describe('kafkaClientOptions: a profile as @platformatic/kafka options', () => {
  it('kafka://h:p,h:p gives every bootstrap broker; a host without port gets 9092; client id defaults to cg', () => {
    const o = kafkaClientOptions(profile({url: 'kafka://127.0.0.1:9092,127.0.0.2'}), 10_000)
    expect(o.bootstrapBrokers).toEqual(['127.0.0.1:9092', '127.0.0.2:9092'])
    expect(o.clientId).toBe('cg')
    expect(o.tls).toBeUndefined()
    expect(o.sasl).toBeUndefined()
  })
  it('`brokers:` list and clientId from the profile', () => {
    const o = kafkaClientOptions(profile({brokers: ['127.0.0.1:9092', '127.0.0.1:9192'], clientId: 'ops-cli'}), 10_000)
    expect(o.bootstrapBrokers).toEqual(['127.0.0.1:9092', '127.0.0.1:9192'])
    expect(o.clientId).toBe('ops-cli')
  })
  it('bounded: connect timeout at most 5 s, one retry', () => {
    const o = kafkaClientOptions(profile({url: 'kafka://127.0.0.1:9092'}), 30_000)
    expect(o.connectTimeout).toBe(5000)
    expect(o.requestTimeout).toBe(30_000)
    expect(o.retries).toBe(1)
    expect(kafkaClientOptions(profile({url: 'kafka://127.0.0.1:9092'}), 2000).connectTimeout).toBe(2000)
  })
  it('kafkas:// or tls: carries ca/cert/key files (relative to the config file), servername, rejectUnauthorized', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cg-ktls-'))
    for (const f of ['ca', 'cert', 'key']) writeFileSync(join(dir, `${f}.pem`), `${f}-bytes`)
    const o = kafkaClientOptions(
      profile(
        {url: 'kafkas://127.0.0.1:9093', tls: {ca: 'ca.pem', cert: 'cert.pem', key: 'key.pem', servername: 'kafka.example.com', rejectUnauthorized: 'false'}},
        join(dir, 'config.yaml'),
      ),
      10_000,
    )
    expect(String(o.tls!.ca)).toBe('ca-bytes')
    expect(String(o.tls!.cert)).toBe('cert-bytes')
    expect(String(o.tls!.key)).toBe('key-bytes')
    expect(o.tls!.servername).toBe('kafka.example.com')
    expect(o.tls!.rejectUnauthorized).toBe(false)
    expect(kafkaClientOptions(profile({url: 'kafkas://127.0.0.1:9093'}), 1000).tls).toEqual({rejectUnauthorized: true})
    expect(kafkaClientOptions(profile({url: 'kafka://127.0.0.1:9093', tls: true}), 1000).tls).toEqual({rejectUnauthorized: true})
  })
  it('an unreadable tls file is a usage error naming the field', () => {
    expect(() => kafkaClientOptions(profile({url: 'kafkas://127.0.0.1:9093', tls: {ca: '/nonexistent/ca.pem'}}), 1000)).toThrow(/tls.ca/)
  })
  it('sasl PLAIN / SCRAM-SHA-256 / SCRAM-SHA-512 with username and password (also from ${VAR} and top-level fields)', () => {
    for (const mechanism of ['PLAIN', 'SCRAM-SHA-256', 'scram-sha-512']) {
      const o = kafkaClientOptions(
        profile({url: 'kafka://127.0.0.1:9094', sasl: {mechanism, username: 'cg', password: '${KPASS}'}}, undefined, {KPASS: 's3cret'}),
        1000,
      )
      expect(o.sasl).toEqual({mechanism: mechanism.toUpperCase(), username: 'cg', password: 's3cret'})
    }
    const top = kafkaClientOptions(profile({url: 'kafka://127.0.0.1:9094', sasl: {mechanism: 'SCRAM-SHA-256'}, username: 'u', password: 'p'}), 1000)
    expect(top.sasl).toEqual({mechanism: 'SCRAM-SHA-256', username: 'u', password: 'p'})
  })
  it('credentials in the URL (or username/password fields) without sasl: are SASL PLAIN; sasl: decides the mechanism', () => {
    expect(kafkaClientOptions(profile({url: 'kafka://cg:p%40ss@127.0.0.1:9094'}), 1000).sasl).toEqual({mechanism: 'PLAIN', username: 'cg', password: 'p@ss'})
    expect(kafkaClientOptions(profile({url: 'kafka://127.0.0.1:9094', username: 'u', password: 'p'}), 1000).sasl).toEqual({
      mechanism: 'PLAIN',
      username: 'u',
      password: 'p',
    })
    expect(kafkaClientOptions(profile({url: 'kafka://cg:pw@127.0.0.1:9094', sasl: {mechanism: 'SCRAM-SHA-512'}}), 1000).sasl).toEqual({
      mechanism: 'SCRAM-SHA-512',
      username: 'cg',
      password: 'pw',
    })
    expect(() => kafkaClientOptions(profile({url: 'kafka://cg@127.0.0.1:9094'}), 1000)).toThrow(/SASL PLAIN needs a username and a password/)
    expect(kafkaClientOptions(profile({url: 'kafka://127.0.0.1:9092'}), 1000).sasl).toBeUndefined()
  })
  it('refuses other mechanisms and missing credentials (exit 2)', () => {
    expect(() => kafkaClientOptions(profile({url: 'kafka://127.0.0.1:9094', sasl: {mechanism: 'GSSAPI', username: 'u', password: 'p'}}), 1000)).toThrow(
      /unsupported SASL mechanism GSSAPI/,
    )
    try {
      kafkaClientOptions(profile({url: 'kafka://127.0.0.1:9094', sasl: {mechanism: 'PLAIN'}}), 1000)
      expect.unreachable()
    } catch (error) {
      expect((error as CgError).exitCode).toBe(2)
    }
  })
})

describe('kafkaError: client errors as exit codes', () => {
  const opts = kafkaClientOptions(profile({url: 'kafka://127.0.0.1:9094', sasl: {mechanism: 'PLAIN', username: 'cg', password: 'pw'}}), 1000)
  it('SASL authentication failure is exit 69 naming mechanism and user, never the password', () => {
    const e = kafkaError(
      Object.assign(new Error('Cannot connect to any broker.'), {
        code: 'PLT_KFK_MULTIPLE',
        errors: [Object.assign(new Error('SASL authentication failed.'), {code: 'PLT_KFK_AUTHENTICATION'})],
      }),
      opts,
    )
    expect(e.code).toBe('auth')
    expect(e.exitCode).toBe(69)
    expect(e.message).toContain('SASL PLAIN as user "cg"')
    expect(e.message).not.toContain('pw')
  })
  it('connection refused is exit 69 (unreachable); *_AUTHORIZATION_FAILED is exit 4', () => {
    expect(kafkaError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {code: 'ECONNREFUSED'}), opts).exitCode).toBe(69)
    expect(kafkaError(Object.assign(new Error('x'), {errors: [{apiId: 'GROUP_AUTHORIZATION_FAILED', message: 'denied'}]}), opts).exitCode).toBe(4)
  })
})
