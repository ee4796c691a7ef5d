import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'
import type {Admin, Consumer, Producer} from '@platformatic/kafka'
import type {Profile} from '../../profiles/resolve.js'
import type {ConnectOptions, ServerInfo} from '../../core/driver.js'
import {kafkaClientOptions} from './kafka-options.js'
import {kafkaError, watchTlsErrors} from './kafka-errors.js'
import type {KafkaAdapter, KafkaClientOptions} from './kafka-types.js'

type Lib = typeof import('@platformatic/kafka')
let lib: Lib | undefined

/**
 * @platformatic/kafka, imported on first use (never for `cg --help`): from the built CLI, its own bundle
 * dist/kafka.mjs beside dist/cg.cjs (see scripts/build.mjs); from sources,
 * the package.
 */
export async function kafkaLib(): Promise<Lib> {
  if (lib) return lib
  // bin/run.js on Node 20 compiles the bundle without a dynamic-import hook and lends its own import().
  const load = (globalThis as {__cgImport?: (s: string) => Promise<unknown>}).__cgImport ?? ((s: string) => import(s))
  const bundle = typeof __dirname === 'string' ? join(__dirname, 'kafka.mjs') : null
  if (bundle && existsSync(bundle)) lib = (await load(pathToFileURL(bundle).href)) as Lib
  else lib = await import('@platformatic/kafka')
  return lib
}

export class PlatformaticKafkaAdapter implements KafkaAdapter {
  readonly broker = 'kafka' as const
  private adminClient?: Admin
  /** closed in reverse order by close(); consumers and producers leave at once (force) */
  private readonly clients: Array<() => Promise<void>> = []

  private constructor(
    readonly options: KafkaClientOptions,
    readonly profile: Profile,
  ) {}

  static async connect(profile: Profile, opts: ConnectOptions): Promise<PlatformaticKafkaAdapter> {
    const options = kafkaClientOptions(profile, opts.timeoutMs)
    if (options.tls) watchTlsErrors()
    return new PlatformaticKafkaAdapter(options, profile)
  }

  async admin(): Promise<Admin> {
    if (!this.adminClient) {
      const {Admin} = await kafkaLib()
      this.adminClient = new Admin({...this.options})
      const a = this.adminClient
      this.clients.push(() => a.close())
    }
    return this.adminClient
  }

  async producer(extra: Record<string, unknown> = {}): Promise<Producer<Buffer, Buffer, Buffer, Buffer>> {
    const {Producer} = await kafkaLib()
    const p = new Producer<Buffer, Buffer, Buffer, Buffer>({...this.options, ...extra})
    this.clients.push(() => new Promise<void>((resolve, reject) => p.close(true, (e) => (e ? reject(e) : resolve()))))
    return p
  }

  async consumer(extra: Record<string, unknown> & {groupId: string}): Promise<Consumer<Buffer, Buffer, Buffer, Buffer>> {
    const {Consumer} = await kafkaLib()
    const c = new Consumer<Buffer, Buffer, Buffer, Buffer>({...this.options, ...extra})
    this.clients.push(() => new Promise<void>((resolve, reject) => c.close(true, (e) => (e ? reject(e) : resolve()))))
    return c
  }

  async ping(): Promise<ServerInfo> {
    const started = Date.now()
    try {
      const admin = await this.admin()
      const meta = await admin.metadata({topics: []})
      return {broker: 'kafka', version: null, mode: `${meta.brokers.size} broker(s), cluster ${meta.id}`, latencyMs: Date.now() - started}
    } catch (err) {
      throw kafkaError(err, this.options)
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.clients.reverse().map((close) => close()))
  }
}
