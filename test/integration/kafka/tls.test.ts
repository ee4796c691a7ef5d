import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {runCg} from '../../helpers/cli.js'
import {KAFKA, KAFKA_SASL, KAFKA_TLS, kname, testCerts, withLaggingGroup} from '../../helpers/kafka.js'
import {profilesFile as config} from '../../helpers/config-file.js'

/** The one "Error:" line and the hint: nothing else on stderr. */
function oneLineError(stderr: string): string {
  const lines = stderr.trim().split('\n')
  expect(
    lines.filter((l) => l.startsWith('Error:')),
    stderr,
  ).toHaveLength(1)
  expect(lines.length, stderr).toBeLessThanOrEqual(2)
  return lines[0]
}

describe('Kafka over TLS (4.x listeners)', () => {
  const certs = testCerts()
  const c = (f: string) => join(certs, f)
  const topic = kname('tls')
  const group = kname('tls-g')
  const path = config({
    ssl: {url: `kafkas://${KAFKA_TLS.ssl}`, tls: {ca: c('ca.pem')}},
    // a TLS profile by `tls:` alone (kafka:// + tls) and a servername that names the certificate
    sslByName: {url: `kafka://${KAFKA_TLS.ssl}`, tls: {ca: c('ca.pem'), servername: 'localhost'}},
    wrongCa: {url: `kafkas://${KAFKA_TLS.ssl}`, tls: {ca: c('wrong-ca.pem')}},
    otherHost: {url: `kafkas://${KAFKA_TLS.ssl}`, tls: {ca: c('ca.pem'), servername: 'other.example'}},
    serverExpired: {url: `kafkas://${KAFKA_TLS.expired}`, tls: {ca: c('ca.pem')}},
    serverExpiredInsecure: {url: `kafkas://${KAFKA_TLS.expired}`, tls: {insecure: true}},
    mtls: {url: `kafkas://${KAFKA_TLS.mtls}`, tls: {ca: c('ca.pem'), cert: c('client.pem'), key: c('client.key')}},
    mtlsNoCert: {url: `kafkas://${KAFKA_TLS.mtls}`, tls: {ca: c('ca.pem')}},
    mtlsExpired: {url: `kafkas://${KAFKA_TLS.mtls}`, tls: {ca: c('ca.pem'), cert: c('client-expired.pem'), key: c('client-expired.key')}},
    scram512: {url: `kafkas://${KAFKA_TLS.saslSsl}`, tls: {ca: c('ca.pem')}, sasl: {mechanism: 'scram-sha-512', username: 'cg-scram', password: '${CG_PW}'}},
    scram256: {url: `kafkas://${KAFKA_TLS.saslSsl}`, tls: {ca: c('ca.pem')}, sasl: {mechanism: 'SCRAM-SHA-256', username: 'cg-scram', password: '${CG_PW}'}},
    scramBad: {
      url: `kafkas://${KAFKA_TLS.saslSsl}`,
      tls: {ca: c('ca.pem')},
      sasl: {mechanism: 'SCRAM-SHA-512', username: 'cg-scram', password: 'not-the-pw-1'},
    },
  })
  const cg = (args: string[]) => runCg([...args, '--config', path], {env: {CG_PW: KAFKA_SASL.scram.password}})

  withLaggingGroup(KAFKA.bootstrap, topic, group)

  it('SSL with the right CA: groups, lag, a dry-run reset and a real one', async () => {
    const groups = await cg(['groups', '-p', 'ssl', '--json'])
    expect(groups.code, groups.stderr).toBe(0)
    expect(JSON.stringify(groups.json())).toContain(group)
    const lag = await cg(['lag', group, '-p', 'sslByName', '--json'])
    expect(lag.code, lag.stderr).toBe(0)
    expect(lag.json().groups[0]).toMatchObject({group, lag: 5})
    const dry = await cg(['reset', group, '--to-earliest', '--topic', topic, '-p', 'ssl', '--json'])
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.json()).toMatchObject({group, dryRun: true, executed: false})
    const real = await cg(['reset', group, '--to-offset', '1', '--topic', topic, '--execute', '-p', 'ssl', '--json'])
    expect(real.code, real.stderr).toBe(0)
    expect(real.json()).toMatchObject({group, executed: true})
    const after = await cg(['lag', group, '-p', 'ssl', '--json'])
    expect(after.json().groups[0]).toMatchObject({group, lag: 8})
  })

  it('the wrong CA: exit 69, one line saying the certificate is not signed by a trusted CA', async () => {
    const r = await cg(['groups', '-p', 'wrongCa'])
    expect(r.code).toBe(69)
    expect(oneLineError(r.stderr)).toMatch(
      /TLS handshake with Kafka at 127\.0\.0\.1:9095 failed: the server certificate is not signed by a CA cg trusts \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)$/,
    )
  })

  it('a host name the certificate does not name: exit 69, naming it', async () => {
    const r = await cg(['groups', '-p', 'otherHost'])
    expect(r.code).toBe(69)
    expect(oneLineError(r.stderr)).toMatch(
      /the server certificate does not match the host name: other\.example is not among the names it lists \(DNS:localhost/,
    )
    expect(r.stderr).toContain('tls.servername')
  })

  it('an expired server certificate: exit 69 naming it; tls.insecure accepts it', async () => {
    const r = await cg(['groups', '-p', 'serverExpired'])
    expect(r.code).toBe(69)
    expect(oneLineError(r.stderr)).toMatch(/127\.0\.0\.1:9099 failed: the server certificate has expired/)
    const insecure = await cg(['lag', group, '-p', 'serverExpiredInsecure', '--json'])
    expect(insecure.code, insecure.stderr).toBe(0)
    expect(insecure.json().groups[0].group).toBe(group)
  })

  it('mTLS: the client certificate works; none, or an expired one, is exit 69 naming the problem', async () => {
    const ok = await cg(['lag', group, '-p', 'mtls', '--json'])
    expect(ok.code, ok.stderr).toBe(0)
    expect(ok.json().groups[0].group).toBe(group)
    const none = await cg(['groups', '-p', 'mtlsNoCert'])
    expect(none.code).toBe(69)
    expect(oneLineError(none.stderr)).toMatch(/127\.0\.0\.1:9096 failed: the server requires a client certificate, and none was sent/)
    const expired = await cg(['groups', '-p', 'mtlsExpired'])
    expect(expired.code).toBe(69)
    expect(oneLineError(expired.stderr)).toMatch(/the server refused the client certificate: it has expired \(tls\.cert, valid until 2020-01-02/)
  })

  it('SASL_SSL: SCRAM-SHA-512 and SCRAM-SHA-256 log in; a wrong password is exit 69, never printed', async () => {
    for (const p of ['scram512', 'scram256']) {
      const r = await cg(['lag', group, '-p', p, '--json'])
      expect(r.code, `${p}: ${r.stderr}`).toBe(0)
      expect(r.json().groups[0].group).toBe(group)
      expect(r.stdout + r.stderr).not.toContain(KAFKA_SASL.scram.password)
    }
    const bad = await cg(['groups', '-p', 'scramBad'])
    expect(bad.code).toBe(69)
    expect(oneLineError(bad.stderr)).toContain(`authentication failed on Kafka ${KAFKA_TLS.saslSsl} (SASL SCRAM-SHA-512 as user "cg-scram")`)
    expect(bad.stdout + bad.stderr).not.toContain('not-the-pw-1')
  })
})
