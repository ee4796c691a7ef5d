import {describe, expect, it} from 'vitest'
import {describeTlsError, tlsFailure} from '../../src/brokers/tls-check.js'

// node's TLS errors as they arrive: a code, an OpenSSL message, sometimes wrapped (AggregateError, cause)
const err = (code: string, message: string) => Object.assign(new Error(message), {code})

describe('describeTlsError: one plain sentence per TLS failure, the same on every broker', () => {
  it.each([
    [err('CERT_HAS_EXPIRED', 'certificate has expired'), /server certificate has expired \(CERT_HAS_EXPIRED\)/, /Renew the server/],
    [err('CERT_NOT_YET_VALID', 'certificate is not yet valid'), /server certificate is not valid yet/, /clock/],
    [err('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'), /not signed by a CA cg trusts \(SELF_SIGNED_CERT_IN_CHAIN\)/, /tls\.ca/],
    [err('UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate'), /not signed by a CA cg trusts/, /tls\.ca/],
    [err('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'), /self-signed, and not signed by a CA cg trusts/, /tls\.insecure/],
    [
      err(
        'ERR_TLS_CERT_ALTNAME_INVALID',
        "Hostname/IP does not match certificate's altnames: Host: other.example. is not in the cert's altnames: DNS:localhost, IP Address:127.0.0.1",
      ),
      /does not match the host name: other\.example is not among the names it lists \(DNS:localhost, IP Address:127\.0\.0\.1\)/,
      /tls\.servername/,
    ],
    [
      err('ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED', 'error:0A000415:SSL routines:ssl3_read_bytes:sslv3 alert certificate expired:SSL alert number 45'),
      /server refused the client certificate: it has expired/,
      /tls\.cert/,
    ],
    [
      err('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'error:0A00045C:SSL routines:ssl3_read_bytes:tlsv13 alert certificate required:SSL alert number 116'),
      /server requires a client certificate/,
      /tls\.cert and tls\.key/,
    ],
    [
      err('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 'SSL routines:ssl3_read_bytes:tlsv1 alert unknown ca:SSL alert number 48'),
      /does not trust the client certificate/,
      /tls\.cert/,
    ],
    [
      err('ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', 'SSL routines:ssl3_read_bytes:sslv3 alert bad certificate'),
      /refused the client certificate \(TLS alert "bad certificate"\)/,
      /tls\.cert/,
    ],
    [err('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', 'sslv3 alert handshake failure'), /refused the handshake/, /TLS settings/],
    [err('ERR_OSSL_X509_KEY_VALUES_MISMATCH', 'error:05800074:x509 certificate routines::key values mismatch'), /tls\.key is not the private key/, /tls\.cert/],
    [err('ERR_OSSL_BAD_DECRYPT', 'error:1C800064:Provider routines::bad decrypt'), /tls\.passphrase/, /passphrase/],
  ])('%s', (e, problem, hint) => {
    const p = describeTlsError(e)
    expect(p?.problem).toMatch(problem)
    expect(p?.hint).toMatch(hint)
  })

  it('finds the code inside an AggregateError or a cause', () => {
    expect(describeTlsError(new AggregateError([err('CERT_HAS_EXPIRED', 'certificate has expired')], 'x'))?.problem).toMatch(/has expired/)
    expect(describeTlsError(new Error('connect failed', {cause: err('CERT_HAS_EXPIRED', 'x')}))?.problem).toMatch(/has expired/)
  })

  it('is undefined for errors that are not about TLS certificates', () => {
    expect(describeTlsError(err('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:6379'))).toBeUndefined()
    expect(describeTlsError(err('ECONNRESET', 'read ECONNRESET'))).toBeUndefined()
    expect(describeTlsError(new Error('WRONGPASS invalid username-password pair'))).toBeUndefined()
  })

  it('tlsFailure: exit 69, one line naming where, with the hint', () => {
    const e = tlsFailure('Kafka at 127.0.0.1:9093', err('CERT_HAS_EXPIRED', 'certificate has expired'))
    expect(e?.exitCode).toBe(69)
    expect(e?.message).toBe('TLS handshake with Kafka at 127.0.0.1:9093 failed: the server certificate has expired (CERT_HAS_EXPIRED)')
    expect(e?.message).not.toContain('\n')
  })
})
