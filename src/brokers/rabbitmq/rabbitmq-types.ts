import type {TlsSettings} from '../../profiles/tls-file.js'
// The RabbitMQ connection of a run: an AMQP connection (amqplib) and the management HTTP API, both opened
// on first use. Each area (inspection, repair, DLQ) has its own files in this folder, taking the adapter.
import type {ChannelModel, Channel, ConfirmChannel} from 'amqplib'
import type {Connection} from '../../core/driver.js'

export interface RabbitOptions {
  /** amqp(s)://user:pass@host:port/vhost, as amqplib takes it (secrets included: never print) */
  amqpUrl: string
  /** the AMQP URL with the password masked, for messages */
  amqpShown: string
  /** http(s)://host:15672, no trailing slash: from the profile's `management:` or derived from the AMQP host */
  managementUrl: string
  /** every management URL of the profile (a cluster's nodes), in order: managementUrl is the first */
  managementUrls: string[]
  vhost: string
  username: string
  password: string
  /** node:tls options for amqps:// and https:// */
  tls?: TlsSettings
  timeoutMs: number
  /** the stream protocol's port (profile `streamPort:`), else 5552 */
  streamPort?: number
}

export interface ManagementApi {
  /** GET /api/<path>; not_found (5) on 404, auth (69) on 401, refused (4) on 403 */
  get<T = unknown>(path: string, query?: Record<string, string | number | boolean>): Promise<T>
  /** DELETE /api/<path>, with optional headers (X-Reason) */
  delete(path: string, headers?: Record<string, string>): Promise<void>
  /** POST /api/<path> with a JSON body */
  post<T = unknown>(path: string, body: unknown): Promise<T>
  /** PUT /api/<path> with a JSON body */
  put(path: string, body: unknown): Promise<void>
}

export interface RabbitAdapter extends Connection {
  readonly broker: 'rabbitmq'
  readonly options: RabbitOptions
  /** the client-provided name of this run's own AMQP connection (never closed by claim / consumer delete) */
  readonly connectionName: string
  /** the one AMQP connection of this run */
  connection(): Promise<ChannelModel>
  /** a new plain channel on that connection (a failed passive declare closes a channel: use a fresh one) */
  channel(): Promise<Channel>
  /** a new confirm channel on that connection */
  confirmChannel(): Promise<ConfirmChannel>
  management(): ManagementApi
  /** a stream-protocol client on the AMQP host (opened on first use, closed with the adapter) */
  streamClient(): Promise<import('./rabbitmq-stream-client.js').StreamClient>
  /** server version from /api/overview (cached), e.g. "3.10.8" */
  serverVersion(): Promise<string>
}
