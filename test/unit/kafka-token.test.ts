import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {kafkaClientOptions} from '../../src/brokers/kafka/kafka-options.js'
import {jwtExpiry, oauthTokenSource} from '../../src/brokers/kafka/kafka-token.js'
import type {CgError} from '../../src/errors/cg-error.js'
import {buildProfile} from '../../src/profiles/resolve.js'

const profile = (raw: Record<string, unknown>, configPath?: string) =>
  buildProfile('p', 'flag', {url: 'kafka://127.0.0.1:9098', ...raw}, undefined, configPath, {})
const jwt = (claims: Record<string, unknown>) =>
  `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`

describe('OAUTHBEARER token sources', () => {
  it('jwtExpiry reads exp (seconds) as ms; an opaque token or one without exp has none', () => {
    expect(jwtExpiry(jwt({sub: 'a', exp: 1_900_000_000}))).toBe(1_900_000_000_000)
    expect(jwtExpiry(jwt({sub: 'a'}))).toBeUndefined()
    expect(jwtExpiry('opaque-token')).toBeUndefined()
    expect(jwtExpiry('a.%%%.b')).toBeUndefined()
  })

  it('mechanism oauthbearer gives the client a token provider; exactly one of token, tokenFile, tokenCommand', async () => {
    const o = kafkaClientOptions(profile({url: 'kafka://127.0.0.1:9098', sasl: {mechanism: 'oauthbearer', token: ' tok-1 \n'}}), 1000)
    expect(o.sasl?.mechanism).toBe('OAUTHBEARER')
    expect(o.sasl && 'token' in o.sasl && (await o.sasl.token())).toBe('tok-1')
    for (const sasl of [{mechanism: 'oauthbearer'}, {mechanism: 'oauthbearer', token: 'a', tokenCommand: 'echo b'}]) {
      try {
        kafkaClientOptions(profile({url: 'kafka://127.0.0.1:9098', sasl}), 1000)
        expect.unreachable()
      } catch (error) {
        expect((error as CgError).exitCode).toBe(2)
      }
    }
  })

  it('a token file is read relative to the config file; a token command runs once while its token is fresh', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cg-tok-'))
    writeFileSync(join(dir, 't.jwt'), 'from-file\n')
    const file = oauthTokenSource(profile({}, join(dir, 'c.yaml')), {tokenFile: 't.jwt'}, 1000)
    expect(await file.token()).toBe('from-file')
    expect(file.describe).toBe(`sasl.tokenFile ${join(dir, 't.jwt')}`)
    const exp = Math.floor(Date.now() / 1000) + 3600
    const token = jwt({sub: 'a', exp})
    const cmd = oauthTokenSource(profile({}), {tokenCommand: `echo x >> ${join(dir, 'runs')}; echo '${token}'`}, 1000)
    expect(await cmd.token()).toBe(token)
    expect(await cmd.token()).toBe(token)
    expect(cmd.expiresAt()).toBe(exp * 1000)
    expect(readFileSync(join(dir, 'runs'), 'utf8')).toBe('x\n')
  })

  it('a token past half its lifetime is fetched again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cg-tok-'))
    const now = Math.floor(Date.now() / 1000)
    // exp already passed: never fresh, so every call runs the command
    const cmd = oauthTokenSource(profile({}), {tokenCommand: `echo x >> ${join(dir, 'runs')}; echo '${jwt({sub: 'a', exp: now - 1})}'`}, 1000)
    await cmd.token()
    await cmd.token()
    expect(readFileSync(join(dir, 'runs'), 'utf8')).toBe('x\nx\n')
  })

  it('a failing command: exit 69, its stderr line, never its stdout; an empty token: exit 69', async () => {
    const bad = oauthTokenSource(profile({}), {tokenCommand: 'echo tok-secret; echo nope >&2; exit 4'}, 1000)
    await expect(bad.token()).rejects.toMatchObject({exitCode: 69, message: 'sasl.tokenCommand exited with status 4: nope'})
    const empty = oauthTokenSource(profile({}), {tokenCommand: 'true'}, 1000)
    await expect(empty.token()).rejects.toMatchObject({exitCode: 69, message: 'sasl.tokenCommand gave an empty token'})
  })
})
