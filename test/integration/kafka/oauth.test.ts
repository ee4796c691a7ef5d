// SASL/OAUTHBEARER against the 4.x broker's OAUTHBEARER listener (scripts/kafka/kafka-up.sh: Kafka's
// unsecured JWT validator, re-authentication on). A profile gives the token, a token file or a command
// that prints one; a bad or expired token is exit 69 and no token is ever printed; a long run whose
// tokens expire every few seconds keeps working because the token is fetched again before it expires.
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {runCg, spawnCg} from '../../helpers/cli.js'
import {KAFKA, KAFKA_TLS, kname, testCerts, unsecuredJwt, withLaggingGroup} from '../../helpers/kafka.js'

const url = `kafka://${KAFKA_TLS.oauth}`

describe('Kafka SASL/OAUTHBEARER', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cg-koauth-'))
  const topic = kname('oauth')
  const group = kname('oauth-g')
  const token = unsecuredJwt('cg-user', 3600)
  const expired = unsecuredJwt('cg-user', -60)
  // prints a fresh token of LIFETIME seconds and counts its runs in FILE
  const mint = join(dir, 'mint.mjs')
  writeFileSync(
    mint,
    `import {appendFileSync} from 'node:fs'
const [lifetime, file] = process.argv.slice(2)
appendFileSync(file, 'x\\n')
const b = (o) => Buffer.from(JSON.stringify(o)).toString('base64url')
const now = Math.floor(Date.now() / 1000)
console.log(b({alg: 'none'}) + '.' + b({sub: 'cg-user', iat: now, exp: now + Number(lifetime)}) + '.')
`,
  )
  writeFileSync(join(dir, 'token.jwt'), `${token}\n`, {mode: 0o600})
  const path = join(dir, 'config.yaml')
  writeFileSync(
    path,
    JSON.stringify({
      profiles: {
        token: {url, sasl: {mechanism: 'oauthbearer', token: '${CG_TOKEN}'}},
        // over TLS: the SASL_SSL listener takes OAUTHBEARER too
        tls: {url: `kafkas://${KAFKA_TLS.saslSsl}`, tls: {ca: join(testCerts(), 'ca.pem')}, sasl: {mechanism: 'oauthbearer', token: '${CG_TOKEN}'}},
        // relative to the config file
        file: {url, sasl: {mechanism: 'OAUTHBEARER', tokenFile: 'token.jwt'}},
        command: {url, sasl: {mechanism: 'oauthbearer', tokenCommand: `node ${mint} 3600 ${join(dir, 'runs-command')}`}},
        expired: {url, sasl: {mechanism: 'oauthbearer', token: expired}},
        garbage: {url, sasl: {mechanism: 'oauthbearer', token: 'not-a-jwt-token-1'}},
        failing: {url, sasl: {mechanism: 'oauthbearer', tokenCommand: 'echo secret-on-stdout-1; echo "login required" >&2; exit 3'}},
        none: {url, sasl: {mechanism: 'oauthbearer'}},
        two: {url, sasl: {mechanism: 'oauthbearer', token: 'a', tokenFile: 'token.jwt'}},
        shortLived: {url, sasl: {mechanism: 'oauthbearer', tokenCommand: `node ${mint} 5 ${join(dir, 'runs-short')}`}},
        shortStatic: {url, sasl: {mechanism: 'oauthbearer', token: '${CG_SHORT}'}},
      },
    }),
    {mode: 0o600},
  )
  const cg = (args: string[]) => runCg([...args, '--config', path], {env: {CG_TOKEN: token}})
  withLaggingGroup(KAFKA.bootstrap, topic, group)

  it('a token, a token file and a token command each log in (and over TLS); the token is never printed', async () => {
    for (const p of ['token', 'file', 'command', 'tls']) {
      const r = await cg(['lag', group, '-p', p, '--json'])
      expect(r.code, `${p}: ${r.stderr}`).toBe(0)
      expect(r.json().groups[0]).toMatchObject({group, lag: 5})
      expect(r.stdout + r.stderr).not.toContain(token.split('.')[1])
    }
    const shown = await cg(['profiles', 'show', 'token', '--json'])
    expect(shown.code, shown.stderr).toBe(0)
    expect(shown.stdout).not.toContain(token.split('.')[1])
    const t = await cg(['profiles', 'test', '-p', 'command'])
    expect(t.code, t.stderr).toBe(0)
  })

  it('an expired or malformed token is exit 69, one line, no token', async () => {
    const r = await cg(['groups', '-p', 'expired'])
    expect(r.code).toBe(69)
    expect(r.stderr).toMatch(/^Error: .*authentication failed on Kafka 127\.0\.0\.1:9098 \(SASL OAUTHBEARER with the token of sasl\.token, expired at \d{4}-/)
    expect(r.stderr).not.toContain(expired.split('.')[1])
    const g = await cg(['groups', '-p', 'garbage'])
    expect(g.code).toBe(69)
    expect(g.stderr).toContain('authentication failed on Kafka 127.0.0.1:9098 (SASL OAUTHBEARER with the token of sasl.token)')
    expect(g.stderr).not.toContain('not-a-jwt-token-1')
  })

  it('a failing token command is exit 69 with its stderr line, never its stdout; no or two token sources is exit 2', async () => {
    const r = await cg(['groups', '-p', 'failing'])
    expect(r.code).toBe(69)
    expect(r.stderr.trim().split('\n')[0]).toBe('Error: sasl.tokenCommand exited with status 3: login required')
    expect(r.stderr).not.toContain('secret-on-stdout-1')
    const none = await cg(['groups', '-p', 'none'])
    expect(none.code).toBe(2)
    expect(none.stderr).toContain('SASL OAUTHBEARER needs a token')
    const two = await cg(['groups', '-p', 'two'])
    expect(two.code).toBe(2)
    expect(two.stderr).toContain('not token and tokenFile')
  })

  it('a long run with 5-second tokens keeps working (fetched again before they expire); a fixed one stops at its exp', async () => {
    type Sample = {takenAt: number; groups?: Array<{lag: number}>; error?: {code: string}}
    const watch = (p: string, env: NodeJS.ProcessEnv = {}) => {
      const run = spawnCg(['lag', group, '--watch', '--json', '--interval', '1s', '--config', path, '-p', p], {env})
      let out = ''
      run.child.stdout?.on('data', (d) => (out += d))
      const samples = (): Sample[] =>
        out
          .slice(0, out.lastIndexOf('\n') + 1) // whole lines only: a sample may be arriving
          .split('\n')
          .filter((l) => l.trim())
          .map((l) => JSON.parse(l) as Sample)
      return {...run, samples}
    }
    const fresh = watch('shortLived')
    const fixed = watch('shortStatic', {CG_SHORT: unsecuredJwt('cg-user', 5)})
    // until the fresh run has sampled for 12 s (two token lifetimes and more) and the fixed one failed
    const span = (x: Sample[]) => (x.length ? x[x.length - 1].takenAt - x[0].takenAt : 0)
    const deadline = Date.now() + 45_000
    while (Date.now() < deadline && (span(fresh.samples()) < 12_000 || !fixed.samples().some((x) => x.error))) {
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
    fresh.child.kill('SIGINT')
    fixed.child.kill('SIGINT')
    const [a, b] = await Promise.all([fresh.exited, fixed.exited])
    const ok = fresh.samples()
    expect(span(ok), a.stderr).toBeGreaterThanOrEqual(12_000)
    expect(
      ok.filter((x) => x.error),
      a.stdout,
    ).toEqual([])
    expect(ok.every((x) => x.groups?.[0]?.lag === 5)).toBe(true)
    // 12 s of 5-second tokens: the command ran again (a token is reused for half its lifetime)
    expect(readFileSync(join(dir, 'runs-short'), 'utf8').trim().split('\n').length).toBeGreaterThanOrEqual(3)
    // the broker ends the fixed token's session at its exp: re-authentication with it fails
    expect(
      fixed.samples().some((x) => x.error?.code === 'auth'),
      b.stdout,
    ).toBe(true)
  }, 70_000)
})
