import {X509Certificate} from 'node:crypto'
import {isIP} from 'node:net'
import {type ConnectionOptions, connect} from 'node:tls'
import {CgError} from '../errors/cg-error.js'

// A TLS URL (rediss://, kafkas://, amqps://, an https:// management API) pointed at a plain-text port: the
// handshake gets a non-TLS reply, a closed socket, or silence. Each broker's connection code names it
// with notTlsError() instead of a raw OpenSSL string or a timeout.

export interface TlsTarget {
  host: string
  port: number
  /** the scheme to use for a plain-text listener: "redis", "kafka", "amqp", "http" */
  plain: string
  /** the broker's name for messages ("Redis", "Kafka", "RabbitMQ") */
  broker?: string
  /**
   * The node:tls options of the connection. When given, a failed attempt that does not say why (a reset
   * socket, a closed connection: the client wrote before the server's verdict on its certificate arrived)
   * is followed by one handshake of cg's own with these options, and a certificate problem it meets is
   * named with tlsFailure().
   */
  tls?: ConnectionOptions
}

/** A TLS failure in plain words: what went wrong (`problem`) and what to do about it (`hint`). */
export interface TlsProblem {
  problem: string
  hint: string
}

const TRUST_HINT = 'Set tls.ca to the CA that signed the server certificate (tls.insecure: true skips the check: for tests only).'
const CLIENT_CERT_HINT = 'Set tls.cert and tls.key to a client certificate signed by a CA the server trusts, and valid now.'

/**
 * The plain sentence for a TLS error of node or OpenSSL, on every broker: the checks of the server's
 * certificate (node's codes: CERT_HAS_EXPIRED, ERR_TLS_CERT_ALTNAME_INVALID, SELF_SIGNED_CERT_IN_CHAIN, ...),
 * the alerts a server sends about the client's certificate ("certificate expired", "certificate required",
 * "unknown ca", ...) and unusable tls.cert / tls.key / tls.passphrase files. undefined when the error is
 * not one of these (a plain-text server is told by isPlainTextReply()).
 *
 * `clientCert` is the tls.cert of the connection: null when none was given (a refusal of the client's
 * certificate then means the server wants one), a PEM when one was (an expired one is named, with its date),
 * undefined when the caller cannot tell.
 */
export function describeTlsError(err: unknown, clientCert?: Buffer | string | null): TlsProblem | undefined {
  const text = errorText(err)
  const code = tlsCode(err)
  const is = (...codes: string[]) => codes.includes(code)
  if (is('CERT_HAS_EXPIRED')) {
    return {problem: `the server certificate has expired${validity(err)} (${code})`, hint: "Renew the server's certificate (or check this machine's clock)."}
  }
  if (is('CERT_NOT_YET_VALID')) {
    return {
      problem: `the server certificate is not valid yet${validity(err)} (${code})`,
      hint: "Check this machine's clock, or the dates of the server's certificate.",
    }
  }
  if (is('ERR_TLS_CERT_ALTNAME_INVALID') || /does not match certificate's altnames/i.test(text)) {
    const m = /(?:Host|IP): (.+?)\.? is not (?:in the cert's altnames|in the cert's list): (.*?)(?:$|\s\|)/.exec(text)
    const what = m ? `${m[1]} is not among the names it lists (${m[2].trim()})` : 'the name connected to is not among the names it lists'
    return {
      problem: `the server certificate does not match the host name: ${what} (ERR_TLS_CERT_ALTNAME_INVALID)`,
      hint: 'Connect by a name the certificate lists, or set tls.servername to one of them.',
    }
  }
  if (
    is(
      'SELF_SIGNED_CERT_IN_CHAIN',
      'DEPTH_ZERO_SELF_SIGNED_CERT',
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      'UNABLE_TO_GET_ISSUER_CERT',
      'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
      'CERT_SIGNATURE_FAILURE',
      'CERT_UNTRUSTED',
    )
  ) {
    const self = is('DEPTH_ZERO_SELF_SIGNED_CERT') ? 'self-signed, and ' : ''
    return {problem: `the server certificate is ${self}not signed by a CA cg trusts (${code})`, hint: TRUST_HINT}
  }
  if (is('CERT_REVOKED')) return {problem: `the server certificate has been revoked (${code})`, hint: "Ask for the server's new certificate."}
  if (is('INVALID_PURPOSE'))
    return {problem: `the server certificate is not meant for a TLS server (${code})`, hint: 'Give the server a certificate with extendedKeyUsage serverAuth.'}
  // alerts: the server's verdict on the client (OpenSSL: "sslv3 alert certificate expired", SSL alert number 45)
  const refusal = clientAlert(text)
  if (refusal && clientCert === null && refusal !== 'unknown ca') {
    return {problem: `the server requires a client certificate, and none was sent (TLS alert "${refusal}")`, hint: CLIENT_CERT_HINT}
  }
  const expiredOn = refusal && clientCert ? certExpiry(clientCert) : undefined
  if (expiredOn) {
    return {
      problem: `the server refused the client certificate: it has expired (tls.cert, valid until ${expiredOn}; TLS alert "${refusal}")`,
      hint: 'Renew the client certificate of tls.cert.',
    }
  }
  if (/alert certificate expired|ALERT_CERTIFICATE_EXPIRED/i.test(text)) {
    return {
      problem: 'the server refused the client certificate: it has expired (TLS alert "certificate expired")',
      hint: 'Renew the client certificate of tls.cert.',
    }
  }
  if (/alert certificate required|ALERT_CERTIFICATE_REQUIRED|peer did not return a certificate/i.test(text)) {
    return {problem: 'the server requires a client certificate, and none was sent (TLS alert "certificate required")', hint: CLIENT_CERT_HINT}
  }
  if (/alert unknown ca|ALERT_UNKNOWN_CA/i.test(text)) {
    return {problem: 'the server does not trust the client certificate: it is signed by a CA it does not know (TLS alert "unknown ca")', hint: CLIENT_CERT_HINT}
  }
  if (/alert certificate revoked|ALERT_CERTIFICATE_REVOKED/i.test(text)) {
    return {problem: 'the server refused the client certificate: it has been revoked (TLS alert "certificate revoked")', hint: CLIENT_CERT_HINT}
  }
  const alert = /alert (bad certificate|unsupported certificate|certificate unknown|access denied|decrypt error)/i.exec(text)
  if (alert) return {problem: `the server refused the client certificate (TLS alert "${alert[1].toLowerCase()}")`, hint: CLIENT_CERT_HINT}
  if (/alert handshake failure|ALERT_HANDSHAKE_FAILURE/i.test(text)) {
    return {
      problem: 'the server refused the handshake (TLS alert "handshake failure": no protocol or cipher in common, or a client certificate it wants)',
      hint: 'Check the TLS settings of the server, and tls.cert / tls.key of the profile.',
    }
  }
  if (/alert protocol version|UNSUPPORTED_PROTOCOL|ALERT_PROTOCOL_VERSION/i.test(text)) {
    return {
      problem: 'the server and cg have no TLS version in common (TLS alert "protocol version")',
      hint: 'cg speaks TLS 1.2 and 1.3: enable one of them on the server.',
    }
  }
  // the client's own files, refused by node before any handshake
  if (/KEY_VALUES_MISMATCH|key values mismatch/i.test(text)) {
    return {problem: 'tls.key is not the private key of the certificate in tls.cert', hint: 'Give the key file that belongs to tls.cert.'}
  }
  if (/bad decrypt|BAD_DECRYPT|bad password read|interrupted or cancelled/i.test(text)) {
    return {problem: 'cannot decrypt tls.key: tls.passphrase is missing or wrong', hint: 'Set tls.passphrase to the passphrase of the key file.'}
  }
  if (/NO_START_LINE|no start line|PEM routines|ASN1|bad base64|unsupported/i.test(text) && /PEM|ASN1|DECODER|x509|key/i.test(text)) {
    return {
      problem: `tls.ca, tls.cert or tls.key is not a PEM file cg can read (${tlsReason(text)})`,
      hint: 'Give PEM files (-----BEGIN CERTIFICATE----- / -----BEGIN PRIVATE KEY-----).',
    }
  }
  return undefined
}

/**
 * The CgError (exit 69) of a TLS failure describeTlsError() knows, naming `where` ("Redis at host:port"), on
 * every broker. With `otherwise` (the hint for the rest), an error that only looks like TLS (an OpenSSL
 * reason, "certificate", "SSL") is one too, worded by its OpenSSL reason.
 */
export function tlsFailure(where: string, err: unknown, clientCert?: Buffer | string | null, otherwise?: string): CgError | undefined {
  const p = describeTlsError(err, clientCert)
  if (p) return new CgError('unreachable', `TLS handshake with ${where} failed: ${p.problem}`, p.hint, {cause: err})
  if (otherwise && /ERR_SSL|SSL routines|certificate|self[- ]signed|\bTLS\b|\bSSL\b|EPROTO/i.test(errorText(err))) {
    const reason = tlsReason(String((err as Error)?.message ?? err).trim())
    return new CgError('unreachable', `TLS handshake with ${where} failed${reason ? `: ${reason}` : ''}`, otherwise, {cause: err})
  }
  return undefined
}

/** The tls.cert of a connection's TLS options as describeTlsError() takes it: null when they carry none. */
export function clientCertOf(tls: unknown): Buffer | string | null {
  const cert = tls && typeof tls === 'object' ? (tls as {cert?: unknown}).cert : undefined
  return Buffer.isBuffer(cert) || typeof cert === 'string' ? cert : null
}

/**
 * node's TLS error code anywhere in a wrapped error (AggregateError, cause: a client library's "metadata failed"
 * around the socket's error), else the first code found.
 */
function tlsCode(e: unknown): string {
  return findTlsError(e)?.code ?? firstCode(e)
}

function firstCode(e: unknown, depth = 0): string {
  if (!e || depth > 5) return ''
  const x = e as {code?: unknown; errors?: unknown[]; cause?: unknown}
  if (typeof x.code === 'string' && x.code) return x.code
  for (const inner of x.errors ?? []) {
    const c = firstCode(inner, depth + 1)
    if (c) return c
  }
  return firstCode(x.cause, depth + 1)
}

/** ": valid until 2020-01-02" from the certificate node attaches to some errors, when it is there */
function validity(err: unknown): string {
  const to = findTlsError(err)?.cert?.valid_to
  const day = to ? new Date(to) : undefined
  return day && !Number.isNaN(day.getTime()) ? `: valid until ${day.toISOString().slice(0, 10)}` : ''
}

/** The TLS alert a server sends about the client's certificate, in OpenSSL's words ("certificate required"). */
function clientAlert(text: string): string | undefined {
  const m =
    /alert (bad certificate|certificate required|certificate unknown|certificate expired|unsupported certificate|certificate revoked|unknown ca|handshake failure)/i.exec(
      text,
    ) ??
    /ALERT_(BAD_CERTIFICATE|CERTIFICATE_REQUIRED|CERTIFICATE_UNKNOWN|CERTIFICATE_EXPIRED|UNSUPPORTED_CERTIFICATE|CERTIFICATE_REVOKED|UNKNOWN_CA|HANDSHAKE_FAILURE)/.exec(
      text,
    )
  return m?.[1].toLowerCase().replace(/_/g, ' ')
}

/**
 * One TLS handshake with the connection's own options, to learn why an attempt failed without saying so:
 * the TLS failure it meets (a failed check of the server's certificate, or the server's alert about the
 * client's, which TLS 1.3 sends after the client's side of the handshake is done: so this waits `waitMs`
 * after it for an alert), or undefined when the handshake is accepted or the server cannot be reached.
 */
export function handshakeError(host: string, port: number, tls: ConnectionOptions, waitMs: number): Promise<unknown> {
  return new Promise((resolve) => {
    let socket: ReturnType<typeof connect>
    try {
      socket = connect({...tls, host, port})
    } catch (error) {
      return resolve(error) // a tls.key that does not fit tls.cert, a wrong passphrase...
    }
    const done = (answer: unknown) => {
      clearTimeout(timer)
      socket.destroy()
      resolve(answer)
    }
    let timer = setTimeout(() => done(undefined), Math.max(waitMs, 1000) * 3)
    timer.unref()
    socket.once('secureConnect', () => {
      clearTimeout(timer)
      timer = setTimeout(() => done(undefined), waitMs)
      timer.unref()
    })
    socket.once('error', (e) => done(e))
    socket.once('data', () => done(undefined))
    socket.once('close', () => done(undefined))
  })
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

/**
 * The error of a plain-text URL (redis://, kafka://, amqp://) pointed at a TLS-only listener, which resets
 * or closes the connection on the first plain-text bytes: exit 69, one line, naming the TLS scheme.
 */
export function tlsOnlyError(t: {host: string; port: number; secure: string}, cause?: unknown): CgError {
  const host = t.host.includes(':') ? `[${t.host}]` : t.host
  return new CgError(
    'unreachable',
    `${host}:${t.port} speaks TLS only: a plain-text connection is refused there`,
    `Use ${t.secure}:// (with tls.ca, and tls.cert / tls.key if the server wants a client certificate).`,
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
    // a certificate problem the error names: the caller words it (tlsFailure) with its own name for the broker
    if (describeTlsError(error)) throw error
    const probe = await probeTls(target.host, target.port, silence)
    if (probe === 'plain') throw notTlsError(target, error)
    if (probe === 'tls' && target.tls) {
      const host = target.host.includes(':') ? `[${target.host}]` : target.host
      const where = `${target.broker ? `${target.broker} at ` : ''}${host}:${target.port}`
      const found = tlsFailure(where, await handshakeError(target.host, target.port, target.tls, Math.min(1000, Math.max(200, timeoutMs / 4))))
      if (found) throw found
    }
    throw error
  } finally {
    clearTimeout(timer)
  }
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
  if (typeof x.code === 'string' && /^(ERR_SSL_|ERR_TLS_|CERT_|UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO|INVALID_PURPOSE)/.test(x.code)) return x
  for (const inner of x.errors ?? []) {
    const found = findTlsError(inner, depth + 1)
    if (found) return found
  }
  return findTlsError(x.cause, depth + 1)
}

/** The day a PEM certificate expired, when it has (undefined when still valid or unreadable). */
function certExpiry(pem: Buffer | string): string | undefined {
  try {
    const end = new Date(new X509Certificate(pem).validTo)
    return end.getTime() < Date.now() ? end.toISOString().slice(0, 10) : undefined
  } catch {
    return undefined
  }
}
