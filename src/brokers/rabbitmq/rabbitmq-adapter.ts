import type {Channel, ChannelModel, ConfirmChannel} from 'amqplib'
import {CgError} from '../../errors/cg-error.js'
import type {ConnectOptions, ServerInfo} from '../../core/driver.js'
import type {Profile} from '../../profiles/resolve.js'
import {clientCertOf, tlsFailure, withTlsCheck} from '../tls-check.js'
import {managementApi} from './rabbitmq-management.js'
import {rabbitOptions} from './rabbitmq-options.js'
import type {StreamClient} from './rabbitmq-stream-client.js'
import type {ManagementApi, RabbitAdapter, RabbitOptions} from './rabbitmq-types.js'

type Amqp = typeof import('amqplib')
let amqplib: Amqp | undefined
async function lib(): Promise<Amqp> {
  if (!amqplib) {
    const mod = (await import('amqplib')) as Amqp & {default?: Amqp}
    amqplib = mod.default ?? mod
  }
  return amqplib
}

export class AmqpRabbitAdapter implements RabbitAdapter {
  readonly broker = 'rabbitmq' as const
  private conn?: Promise<ChannelModel>
  private api?: ManagementApi
  private version?: Promise<string>
  private stream?: Promise<StreamClient>
  /** the client-provided name of this run's AMQP connection (so cg can tell its own connection apart) */
  readonly connectionName = `cg pid ${process.pid} ${Math.random().toString(36).slice(2, 8)}`

  private constructor(readonly options: RabbitOptions) {}

  static async connect(profile: Profile, opts: ConnectOptions): Promise<AmqpRabbitAdapter> {
    return new AmqpRabbitAdapter(rabbitOptions(profile, opts.timeoutMs))
  }

  connection(): Promise<ChannelModel> {
    this.conn ??= (async () => {
      const amqp = await lib()
      try {
        const u = new URL(this.options.amqpUrl)
        const tls =
          u.protocol === 'amqps:'
            ? {host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port), plain: 'amqp', broker: 'RabbitMQ', tls: this.options.tls}
            : null
        const connecting = amqp.connect(this.options.amqpUrl, {
          timeout: this.options.timeoutMs,
          noDelay: true,
          ...(this.options.tls ?? {}),
          clientProperties: {connection_name: this.connectionName},
        })
        const c = await withTlsCheck(connecting, tls, this.options.timeoutMs)
        c.on('error', () => undefined)
        coalesceFrames(c)
        return c
      } catch (err) {
        // connection.open refused: the vhost is missing or the user may not use it (amqplib drops the reason)
        if (/Expected ConnectionOpenOk; got <ConnectionClose/.test((err as Error)?.message ?? '')) throw await this.vhostRefusal(err)
        throw amqpError(err, this.options)
      }
    })()
    return this.conn
  }

  private async vhostRefusal(err: unknown): Promise<CgError> {
    const o = this.options
    const exists = await this.management()
      .get(`vhosts/${encodeURIComponent(o.vhost)}`)
      .then(
        () => true,
        (e: unknown) => (e instanceof CgError && e.code === 'not_found' ? false : null),
      )
    if (exists === false) return new CgError('not_found', `vhost ${o.vhost} not found`, 'Check the vhost in the URL or profile (`vhost:`).', {cause: err})
    return new CgError(
      'refused',
      `user ${o.username} has no access to vhost ${o.vhost}${exists === null ? ' (or the vhost does not exist)' : ''}`,
      'Grant the user permissions on the vhost (rabbitmqctl set_permissions -p VHOST USER ".*" ".*" ".*").',
      {cause: err},
    )
  }

  async channel(): Promise<Channel> {
    const ch = await (await this.connection()).createChannel()
    ch.on('error', () => undefined)
    return ch
  }

  async confirmChannel(): Promise<ConfirmChannel> {
    const ch = await (await this.connection()).createConfirmChannel()
    ch.on('error', () => undefined)
    return ch
  }

  streamClient(): Promise<StreamClient> {
    this.stream ??= import('./rabbitmq-stream-client.js').then((m) => m.connectStream(this.options, this.connectionName))
    return this.stream
  }

  management(): ManagementApi {
    this.api ??= managementApi(this.options)
    return this.api
  }

  serverVersion(): Promise<string> {
    this.version ??= this.management()
      .get<{rabbitmq_version?: string}>('overview')
      .then((o) => o.rabbitmq_version ?? 'unknown')
    return this.version
  }

  async ping(): Promise<ServerInfo> {
    const started = Date.now()
    await this.connection()
    const version = await this.serverVersion()
    return {broker: 'rabbitmq', version, mode: `vhost ${this.options.vhost}`, latencyMs: Date.now() - started}
  }

  async close(): Promise<void> {
    if (this.stream) {
      const s = await this.stream.catch(() => undefined)
      // the stream client's close waits for the broker's reply: bounded, so a run never hangs on it
      let timer: NodeJS.Timeout | undefined
      const limit = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.options.timeoutMs)
      })
      await Promise.race([s?.close().catch(() => undefined), limit])
      clearTimeout(timer)
    }
    if (!this.conn) return
    const c = await this.conn.catch(() => undefined)
    await c?.close().catch(() => undefined)
  }
}

/** An amqplib error as a CgError with the exit code of the spec. */
export function amqpError(err: unknown, o: RabbitOptions): CgError {
  if (err instanceof CgError) return err
  const e = err as Error & {code?: string | number}
  const msg = e?.message ?? String(err)
  // a certificate problem (the server's, or the server's verdict on the client's) in plain words
  const tls = o.amqpUrl.startsWith('amqps:')
    ? tlsFailure(
        `RabbitMQ at ${o.amqpShown}`,
        err,
        clientCertOf(o.tls),
        'Check tls.ca / tls.servername in the profile, or use amqp:// for a plain-text listener.',
      )
    : undefined
  if (tls) return tls
  if (/ACCESS_REFUSED|403|auth|PLAIN login refused|ACCESS-REFUSED/i.test(msg)) {
    return new CgError(
      'auth',
      `RabbitMQ refused the login of user ${o.username} at ${o.amqpShown}`,
      "Check the profile's username and password (and the user's permissions on the vhost).",
      {cause: err},
    )
  }
  if (/530/.test(msg) && /access to vhost .* refused/i.test(msg)) {
    return new CgError(
      'refused',
      `user ${o.username} has no access to vhost ${o.vhost}`,
      'Grant the user permissions on the vhost (rabbitmqctl set_permissions -p VHOST USER ".*" ".*" ".*").',
      {cause: err},
    )
  }
  if (/NOT_ALLOWED|vhost/i.test(msg) && /530/.test(msg)) {
    return new CgError('not_found', `vhost ${o.vhost} not found or not allowed for ${o.username}`, 'Check the vhost in the URL or profile (`vhost:`).', {
      cause: err,
    })
  }
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ECONNRESET|ETIMEDOUT|timeout|socket|closed/i.test(msg + ' ' + String(e?.code ?? ''))) {
    return new CgError(
      'unreachable',
      `cannot reach RabbitMQ at ${o.amqpShown}`,
      "Check that the broker is running and the profile's url (amqp://user:pass@host:5672/vhost).",
      {cause: err},
    )
  }
  return new CgError('unexpected', msg, undefined, {cause: err})
}

/**
 * Coalesces the frames amqplib writes in one pass of its connection muxer (publishes, acks from every
 * channel) into one socket write: amqplib writes every frame on its own, which costs a syscall (and a
 * packet) per frame. The muxer drains the channels' buffers in a setImmediate of its own, so the socket
 * is corked for exactly that pass and uncorked (one writev) at its end. Left alone when amqplib's
 * internals are not the expected ones.
 */
function coalesceFrames(model: ChannelModel): void {
  type Muxer = {_readIncoming?: () => void}
  type Sock = {cork?: () => void; uncork?: () => void}
  const c = (model as unknown as {connection?: {muxer?: Muxer; stream?: Sock}}).connection
  const mux = c?.muxer
  const sock = c?.stream
  if (!mux || typeof mux._readIncoming !== 'function' || !sock?.cork || !sock.uncork) return
  const pass = mux._readIncoming.bind(mux)
  mux._readIncoming = () => {
    sock.cork!()
    try {
      pass()
    } finally {
      sock.uncork!()
    }
  }
}
