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
