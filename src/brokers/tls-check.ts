import {X509Certificate} from 'node:crypto'
import {isIP} from 'node:net'
import {connect} from 'node:tls'
import {CgError} from '../errors/cg-error.js'

// A TLS URL (rediss://, kafkas://, amqps://, an https:// management API) pointed at a plain-text port: the
// handshake gets a non-TLS reply, a closed socket, or silence. Each broker's connection code names it
// with notTlsError() instead of a raw OpenSSL string or a timeout.

export interface TlsTarget {
  host: string
  port: number
  /** the scheme to use for a plain-text listener: "redis", "kafka", "amqp", "http" */
  plain: string
}

/** The error: exit 69, one line, what to do. */
export function notTlsError(t: TlsTarget, cause?: unknown): CgError {
  const host = t.host.includes(':') ? `[${t.host}]` : t.host
  return new CgError(
    'unreachable',
    `TLS handshake failed with ${host}:${t.port}: the server does not speak TLS on this port`,
    `Use ${t.plain}:// for a plain-text listener, or the port of the server's TLS listener.`,
    {cause},
  )
}

/** True when an error says the peer answered the TLS handshake with something that is not TLS. */
export function isPlainTextReply(err: unknown): boolean {
  return /wrong version number|WRONG_VERSION_NUMBER|packet length too long|PACKET_LENGTH_TOO_LONG|http request|unknown protocol|before secure TLS connection was established/i.test(
    errorText(err),
  )
}

/** The readable part of an OpenSSL error ("...:SSL routines:ssl3_get_record:wrong version number:..."). */
export function tlsReason(message: string): string {
  const line = message.split('\n')[0].trim()
  return /SSL routines:[^:]*:([^:]+)/.exec(line)?.[1] ?? line
}

function errorText(e: unknown, depth = 0): string {
  if (!e || depth > 5) return ''
  const x = e as {message?: string; code?: string; errors?: unknown[]; cause?: unknown}
  let s = `${x.code ?? ''} ${x.message ?? String(e)}`
  for (const inner of x.errors ?? []) s += ' | ' + errorText(inner, depth + 1)
  if (x.cause) s += ' | ' + errorText(x.cause, depth + 1)
  return s
}

/**
 * Starts a TLS handshake with host:port to learn whether anything there speaks TLS: 'tls' when the server
 * answers as a TLS server (certificates are not checked: this only tells protocols apart), 'plain' when
 * it answers otherwise, closes the connection, or stays silent after the TCP connection is up, 'down'
 * when no TCP connection could be made.
 */
export function probeTls(host: string, port: number, silenceMs: number): Promise<'tls' | 'plain' | 'down'> {
  return new Promise((resolve) => {
    let tcpUp = false
    const socket = connect({host, port, rejectUnauthorized: false, ...(isIP(host) ? {} : {servername: host})})
    const done = (answer: 'tls' | 'plain' | 'down') => {
      clearTimeout(timer)
      socket.destroy()
      resolve(answer)
    }
    const timer = setTimeout(() => done(tcpUp ? 'plain' : 'down'), silenceMs)
    timer.unref()
    socket.once('connect', () => (tcpUp = true))
    socket.once('secureConnect', () => done('tls'))
    socket.once('error', (e: Error) => {
      // a TLS alert (no shared cipher, a client certificate required, ...) is still TLS
      if (/alert|certificate|handshake failure/i.test(e.message) && !isPlainTextReply(e)) return done('tls')
      done(tcpUp ? 'plain' : 'down')
    })
    socket.once('close', () => done(tcpUp ? 'plain' : 'down'))
  })
}

/**
 * Awaits a TLS connection attempt. When it fails, or has not finished after a second, the server is
 * probed: if it does not speak TLS, the attempt is given up with notTlsError() (a plain-text server may
 * read a ClientHello in silence until the timeout). Otherwise the attempt's own result stands.
 */
export async function withTlsCheck<T>(attempt: Promise<T>, target: TlsTarget | null, timeoutMs: number): Promise<T> {
  if (!target) return attempt
  let settled = false
  attempt.then(
    () => (settled = true),
    () => (settled = true),
  )
  let timer: NodeJS.Timeout | undefined
  const silence = Math.max(200, Math.min(1500, timeoutMs - 1000))
  const stalled = new Promise<never>((_, reject) => {
    timer = setTimeout(
      async () => {
        if (!settled && (await probeTls(target.host, target.port, silence)) === 'plain' && !settled) reject(notTlsError(target))
      },
      Math.min(1000, timeoutMs / 2),
    )
    timer.unref()
  })
  stalled.catch(() => undefined)
  try {
    return await Promise.race([attempt, stalled])
  } catch (error) {
    if (error instanceof CgError) throw error
    if (isPlainTextReply(error)) throw notTlsError(target, error)
    if ((await probeTls(target.host, target.port, silence)) === 'plain') throw notTlsError(target, error)
    throw error
  } finally {
    clearTimeout(timer)
  }
}

/**
 * What went wrong in a TLS handshake, in words, from node's error codes anywhere in an error (its causes
 * too): the server's certificate untrusted, expired or for another host name, or the server refusing the
 * client's certificate (none given, expired, unknown). `clientCert` (the tls.cert given) lets an expired
 * one be named. undefined when no TLS error is found.
 */
export function tlsProblem(err: unknown, clientCert?: Buffer): string | undefined {
  const e = findTlsError(err)
  if (!e) return undefined
  const code = e.code ?? ''
  const said = tlsReason(e.message ?? '')
  if (
    /^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|CERT_SIGNATURE_FAILURE|CERT_UNTRUSTED)$/.test(
      code,
    )
  )
    return `the server's certificate is not signed by a trusted CA (${said})`
  if (code === 'CERT_HAS_EXPIRED') return `the server's certificate has expired${validTo(e.cert) ?? ''}`
  if (code === 'CERT_NOT_YET_VALID') return "the server's certificate is not valid yet"
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `the server's certificate is for another host name (${e.reason ?? said})`
  if (
    /ALERT_(BAD_CERTIFICATE|CERTIFICATE_REQUIRED|CERTIFICATE_UNKNOWN|CERTIFICATE_EXPIRED|UNKNOWN_CA|UNSUPPORTED_CERTIFICATE|CERTIFICATE_REVOKED|HANDSHAKE_FAILURE)/.test(
      code,
    )
  ) {
    const alert = code
      .replace(/^ERR_SSL_(SSLV3|TLSV1|TLSV13)_ALERT_/, '')
      .toLowerCase()
      .replace(/_/g, ' ')
    if (!clientCert) return `the server requires a client certificate (tls.cert and tls.key): it answered "${alert}"`
    const expired = certExpiry(clientCert)
    if (expired) return `the server rejected the client certificate: it expired on ${expired} (tls.cert)`
    return `the server rejected the client certificate (tls.cert): it answered "${alert}"`
  }
  return said ? `${said}${code && !said.includes(code) ? ` (${code})` : ''}` : code
}

interface NodeTlsError {
  code?: string
  message?: string
  reason?: string
  cert?: {valid_to?: string}
}

function findTlsError(e: unknown, depth = 0): NodeTlsError | undefined {
  if (!e || depth > 6) return undefined
  const x = e as NodeTlsError & {errors?: unknown[]; cause?: unknown}
  if (typeof x.code === 'string' && /^(ERR_SSL_|ERR_TLS_|CERT_|UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO)/.test(x.code)) return x
  for (const inner of x.errors ?? []) {
    const found = findTlsError(inner, depth + 1)
    if (found) return found
  }
  return findTlsError(x.cause, depth + 1)
}

const validTo = (cert?: {valid_to?: string}) => (cert?.valid_to ? ` (valid until ${new Date(cert.valid_to).toISOString().slice(0, 10)})` : undefined)

/** The day a PEM certificate expired, when it has (undefined when still valid or unreadable). */
function certExpiry(pem: Buffer): string | undefined {
  try {
    const end = new Date(new X509Certificate(pem).validTo)
    return end.getTime() < Date.now() ? end.toISOString().slice(0, 10) : undefined
  } catch {
    return undefined
  }
}
