import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {tlsProblem} from '../../src/brokers/tls-check.js'
import {testCerts} from '../helpers/kafka.js'

const err = (code: string, message: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(message), {code, ...extra})
// as @platformatic/kafka wraps them
const wrapped = (e: Error) => Object.assign(new Error('Cannot connect to any broker.'), {errors: [Object.assign(new Error('Connection failed.'), {cause: e})]})

describe('tlsProblem: node TLS errors in words', () => {
  it('names an untrusted CA, another host name, an expired server certificate, found in the causes', () => {
    expect(tlsProblem(wrapped(err('UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate')))).toBe(
      "the server's certificate is not signed by a trusted CA (UNABLE_TO_VERIFY_LEAF_SIGNATURE)",
    )
    expect(tlsProblem(err('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'))).toMatch(/not signed by a trusted CA/)
    expect(
      tlsProblem(
        err('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames: ...", {
          reason: "Host: other.example. is not in the cert's altnames: DNS:localhost",
        }),
      ),
    ).toBe("the server's certificate is for another host name (Host: other.example. is not in the cert's altnames: DNS:localhost)")
    expect(tlsProblem(err('CERT_HAS_EXPIRED', 'certificate has expired'))).toBe("the server's certificate has expired")
  })

  it('a server refusing the client certificate: none given, an expired one (read from tls.cert), another', () => {
    const alert = err('ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN', 'error:0A000416:SSL routines:ssl3_read_bytes:sslv3 alert certificate unknown')
    expect(tlsProblem(alert)).toBe('the server requires a client certificate (tls.cert and tls.key): it answered "certificate unknown"')
    const certs = testCerts()
    expect(tlsProblem(alert, readFileSync(join(certs, 'client-expired.pem')))).toBe(
      'the server rejected the client certificate: it expired on 2020-01-02 (tls.cert)',
    )
    expect(tlsProblem(alert, readFileSync(join(certs, 'client.pem')))).toBe(
      'the server rejected the client certificate (tls.cert): it answered "certificate unknown"',
    )
  })

  it('no TLS error: undefined', () => {
    expect(tlsProblem(err('ECONNREFUSED', 'connect ECONNREFUSED'))).toBeUndefined()
    expect(tlsProblem(undefined)).toBeUndefined()
  })
})
