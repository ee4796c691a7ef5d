import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {clientCertOf, describeTlsError, tlsFailure} from '../../src/brokers/tls-check.js'
import {testCerts} from '../helpers/kafka.js'

const err = (code: string, message: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(message), {code, ...extra})
// as @platformatic/kafka wraps them
const wrapped = (e: Error) => Object.assign(new Error('Cannot connect to any broker.'), {errors: [Object.assign(new Error('Connection failed.'), {cause: e})]})
const problem = (e: unknown, cert?: Buffer | null) => describeTlsError(e, cert)?.problem

describe('describeTlsError: one wording of TLS failures for every broker', () => {
  it("names the server certificate's problems, found in the causes as the Kafka client wraps them", () => {
    expect(problem(wrapped(err('UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate')))).toBe(
      'the server certificate is not signed by a CA cg trusts (UNABLE_TO_VERIFY_LEAF_SIGNATURE)',
    )
    expect(problem(err('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'))).toMatch(/not signed by a CA cg trusts/)
    expect(
      problem(
        err(
          'ERR_TLS_CERT_ALTNAME_INVALID',
          "Hostname/IP does not match certificate's altnames: Host: other.example. is not in the cert's altnames: DNS:localhost",
        ),
      ),
    ).toBe('the server certificate does not match the host name: other.example is not among the names it lists (DNS:localhost) (ERR_TLS_CERT_ALTNAME_INVALID)')
    expect(problem(wrapped(err('CERT_HAS_EXPIRED', 'certificate has expired', {cert: {valid_to: 'Jan  2 00:00:00 2020 GMT'}})))).toBe(
      'the server certificate has expired: valid until 2020-01-02 (CERT_HAS_EXPIRED)',
    )
  })

  it('a server refusing the client certificate: none given, an expired one (dated from tls.cert), a valid one', () => {
    const alert = err('ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN', 'error:0A000416:SSL routines:ssl3_read_bytes:sslv3 alert certificate unknown')
    expect(problem(alert, null)).toBe('the server requires a client certificate, and none was sent (TLS alert "certificate unknown")')
    const certs = testCerts()
    expect(problem(alert, readFileSync(join(certs, 'client-expired.pem')))).toBe(
      'the server refused the client certificate: it has expired (tls.cert, valid until 2020-01-02; TLS alert "certificate unknown")',
    )
    expect(problem(alert, readFileSync(join(certs, 'client.pem')))).toBe('the server refused the client certificate (TLS alert "certificate unknown")')
    // the caller cannot tell whether a certificate was given: the alert as it is
    expect(problem(err('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'tlsv13 alert certificate required'))).toMatch(/requires a client certificate/)
  })

  it('clientCertOf: the tls.cert of connection options, null without one', () => {
    expect(clientCertOf({ca: 'x'})).toBeNull()
    expect(clientCertOf(undefined)).toBeNull()
    expect(clientCertOf({cert: 'PEM'})).toBe('PEM')
    expect(clientCertOf({cert: Buffer.from('PEM')})).toEqual(Buffer.from('PEM'))
  })

  it('tlsFailure: exit 69 naming where; an unnamed TLS-looking error only with a hint for it; anything else undefined', () => {
    const e = tlsFailure('Kafka at 127.0.0.1:9095', err('UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'x'), null)
    expect(e?.exitCode).toBe(69)
    expect(e?.message).toBe(
      'TLS handshake with Kafka at 127.0.0.1:9095 failed: the server certificate is not signed by a CA cg trusts (UNABLE_TO_VERIFY_LEAF_SIGNATURE)',
    )
    const odd = err('ERR_SSL_SOMETHING', 'error:0A0000FF:SSL routines:ssl3_read_bytes:something odd')
    expect(tlsFailure('Redis at h:1', odd)).toBeUndefined()
    expect(tlsFailure('Redis at h:1', odd, null, 'Check tls.ca.')).toMatchObject({
      message: 'TLS handshake with Redis at h:1 failed: something odd',
      hint: 'Check tls.ca.',
    })
    expect(tlsFailure('Redis at h:1', err('ECONNREFUSED', 'connect ECONNREFUSED'), null, 'Check tls.ca.')).toBeUndefined()
    expect(describeTlsError(undefined)).toBeUndefined()
  })
})
