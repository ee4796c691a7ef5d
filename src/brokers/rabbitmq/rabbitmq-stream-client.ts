// The stream protocol's client (rabbitmq-stream-js-client), imported on first use: only commands that read
// or move a stream queue's stored offsets load it. RabbitMQ 3.9 and 3.10 know neither ExchangeCommandVersions
// nor StreamStats (both 3.11): the client sends the first on every connection and a 3.10 node closes the
// connection on it, so for a node older than 3.11 that exchange is skipped (the client then speaks version 1
// of every command, which is all 3.10 has). StreamStats is never sent.
import {CgError} from '../../errors/cg-error.js'
import type {RabbitOptions} from './rabbitmq-types.js'

type StreamLib = typeof import('rabbitmq-stream-js-client')
export type StreamClient = import('rabbitmq-stream-js-client').Client

let loaded: StreamLib | undefined

/** The client library, with the pre-3.11 handshake fix applied once. */
export async function streamLib(): Promise<StreamLib> {
  if (loaded) return loaded
  const mod = (await import('rabbitmq-stream-js-client')) as StreamLib & {default?: StreamLib}
  loaded = mod.default ?? mod
  type Conn = {peerProperties?: {version?: string}; exchangeCommandVersions(): Promise<boolean>}
  const connMod = (await import('rabbitmq-stream-js-client/dist/connection.js')) as unknown as {
    Connection?: {prototype: Conn}
    default?: {Connection: {prototype: Conn}}
  }
  const Connection = (connMod.Connection ?? connMod.default?.Connection) as {prototype: Conn}
  const exchange = Connection.prototype.exchangeCommandVersions
  Connection.prototype.exchangeCommandVersions = function (this: Conn) {
    return before311(this.peerProperties?.version) ? Promise.resolve(true) : exchange.call(this)
  }
  return loaded
}

/** a server version older than 3.11 (null or unreadable: not older) */
export function before311(version: string | undefined): boolean {
  const m = /^(\d+)\.(\d+)\./.exec(version ?? '')
  return m !== null && (Number(m[1]) < 3 || (Number(m[1]) === 3 && Number(m[2]) < 11))
}

/** The stream port: the profile's `streamPort`, else 5552 (the plugin's default). */
export function streamPort(o: RabbitOptions): number {
  return o.streamPort ?? 5552
}

/** A stream-protocol connection to the AMQP URL's host (same user, password and vhost). */
export async function connectStream(o: RabbitOptions, connectionName: string): Promise<StreamClient> {
  const lib = await streamLib()
  const u = new URL(o.amqpUrl)
  const host = u.hostname.replace(/^\[|\]$/g, '')
  const port = streamPort(o)
  const connecting = lib.connect(
    {hostname: host, port, username: o.username, password: o.password, vhost: o.vhost, connectionName, socketTimeout: o.timeoutMs},
    quietLogger,
  )
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), o.timeoutMs)
  })
  try {
    return await Promise.race([connecting, deadline])
  } catch (err) {
    const msg = (err as Error)?.message ?? String(err)
    if (/auth|sasl|credential/i.test(msg))
      throw new CgError('auth', `RabbitMQ refused the stream login of user ${o.username} at ${host}:${port}`, "Check the profile's username and password.", {
        cause: err,
      })
    throw new CgError(
      'unreachable',
      `cannot reach the RabbitMQ stream protocol at ${host}:${port} (${msg})`,
      'Enable the stream plugin (rabbitmq-plugins enable rabbitmq_stream) or set `streamPort:` in the profile.',
      {cause: err},
    )
  } finally {
    clearTimeout(timer)
  }
}

const nothing = (): void => undefined
const quietLogger = {debug: nothing, info: nothing, error: nothing, warn: nothing}
