import {describe, expect, it} from 'vitest'
import {buildProfile} from '../../src/profiles/resolve.js'
import {maskSecrets, redact, redactUrl, registerSecret} from '../../src/profiles/redact.js'
import {toCgError} from '../../src/errors/error-map.js'

describe('redactUrl', () => {
  it.each([
    ['redis://user:pass@h:6379', 'redis://user:***@h:6379'],
    ['rediss://:onlypass@h:6380/2', 'rediss://:***@h:6380/2'],
    ['amqp://guest:gu%40st@rabbit/vhost', 'amqp://guest:***@rabbit/vhost'],
    ['redis://h:6379', 'redis://h:6379'],
    ['redis://user@h:6379', 'redis://user@h:6379'],
    ['connect to redis://a:b@h1 and kafka://c:d@h2 failed', 'connect to redis://a:***@h1 and kafka://c:***@h2 failed'],
  ])('%s -> %s', (url, masked) => {
    expect(redactUrl(url)).toBe(masked)
    expect(redact(url)).toBe(masked)
  })
})

describe('registered secrets', () => {
  it('are scrubbed from any text, wherever they appear', () => {
    registerSecret('tr0ub4dor&3')
    expect(redact('AUTH failed for tr0ub4dor&3 (tr0ub4dor&3)')).toBe('AUTH failed for *** (***)')
  })

  it('numbers count (YAML reads password: 123456 as a number); very short values do not', () => {
    registerSecret(98765432)
    registerSecret('ab')
    registerSecret(undefined)
    expect(redact('pw 98765432 ab')).toBe('pw *** ab')
  })

  it('building a profile registers its password fields, nested ones and URL passwords (decoded)', () => {
    buildProfile(
      'p',
      'flag',
      {url: 'redis://u:p%40ss-w0rd@h:1', password: 'field-secret', sasl: {mechanism: 'plain', password: 'sasl-secret'}, management: {token: 'tok-secret'}},
      undefined,
      undefined,
      {},
    )
    const leak = 'p@ss-w0rd field-secret sasl-secret tok-secret'
    expect(redact(leak)).toBe('*** *** *** ***')
  })

  it('secrets reached through ${VAR} are registered after interpolation', () => {
    buildProfile('p', 'flag', {url: 'redis://h:1', password: '${CG_T_PW}'}, undefined, undefined, {CG_T_PW: 'from-the-env-42'})
    expect(redact('x from-the-env-42 y')).toBe('x *** y')
  })

  it('error messages are scrubbed on their way to a CgError', () => {
    registerSecret('errpass-777')
    const e = toCgError(new Error('ERR something about errpass-777 at redis://u:errpass-777@h'))
    expect(e.message).not.toContain('errpass-777')
  })
})

describe('maskSecrets', () => {
  it('masks secret-looking keys at any depth, keeps other values, never mutates its input', () => {
    const input = {
      username: 'ops',
      password: 'pw',
      token: 1234,
      tls: {ca: '/etc/ca.pem', key: '/etc/key.pem', passphrase: 'pp', rejectUnauthorized: false},
      sasl: {mechanism: 'scram-sha-512', username: 'svc', password: 'x'},
      list: [{secret: 's'}, 'redis://a:b@h'],
      empty: null,
    }
    const copy = structuredClone(input)
    expect(maskSecrets(input)).toEqual({
      username: 'ops',
      password: '***',
      token: '***',
      tls: {ca: '/etc/ca.pem', key: '***', passphrase: '***', rejectUnauthorized: false},
      sasl: {mechanism: 'scram-sha-512', username: 'svc', password: '***'},
      list: [{secret: '***'}, 'redis://a:***@h'],
      empty: null,
    })
    expect(input).toEqual(copy)
  })

  it('leaves absent secrets absent (null/undefined are not turned into ***)', () => {
    expect(maskSecrets({password: null, token: undefined})).toEqual({password: null, token: undefined})
  })
})
