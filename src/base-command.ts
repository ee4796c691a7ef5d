import {Command, Flags, type Interfaces} from '@oclif/core'
import type {KafkaAdapter} from './brokers/kafka/kafka-types.js'
import type {AnyAdapter} from './brokers/open-adapter.js'
import type {RabbitAdapter} from './brokers/rabbitmq/rabbitmq-types.js'
import type {BrokerAdapter, Capabilities} from './brokers/types.js'
import {CgError, EXIT_CODES, usage} from './errors/cg-error.js'
import {toCgError} from './errors/error-map.js'
import {warn, setVerbose, debug} from './output/log.js'
import {render, renderError, type HumanRenderer} from './output/render.js'
import {keepWorkingWhenOutputCloses, OutputClosedError, outputClosed} from './output/writer.js'
import {resolveProfile, URL_SCHEMES_TEXT, type BrokerKind, type Profile} from './profiles/resolve.js'
import type {VariantContext} from './variants/types.js'

export type CgFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof CgCommand)['baseFlags'] & T['flags']>
export type CgArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

/**
 * Global flags, profile -> adapter, rendering and error -> exit code, for every command.
 * A command parses, calls one service with `this.adapter()`, and hands the result to `this.output()`.
 */
export abstract class CgCommand<T extends typeof Command> extends Command {
  static override baseFlags = {
    profile: Flags.string({char: 'p', summary: 'Profile to use (see cg profiles list).', helpGroup: 'GLOBAL'}),
    url: Flags.string({summary: `Broker URL; its scheme picks the broker: ${URL_SCHEMES_TEXT} (the s forms use TLS).`, helpGroup: 'GLOBAL'}),
    json: Flags.boolean({summary: 'Print one JSON document on stdout.', helpGroup: 'GLOBAL'}),
    // a Node timer holds at most 2^31 - 1 ms: above, it fires at once (with a warning)
    timeout: Flags.integer({summary: 'Connect and command timeout in ms.', default: 10000, min: 1, max: 2_147_483_647, helpGroup: 'GLOBAL'}),
    config: Flags.string({summary: 'Profiles file (default: $CG_CONFIG, .cg.yaml, ~/.config/cg/config.yaml).', helpGroup: 'GLOBAL'}),
    verbose: Flags.boolean({summary: 'Log broker calls and show stack traces on stderr.', helpGroup: 'GLOBAL'}),
  }

  protected flags!: CgFlags<T>
  protected args!: CgArgs<T>
  private cachedProfile?: Profile
  private openAdapter?: AnyAdapter
  /** aborted on the first Ctrl-C: long work stops between atomic steps and reports what it did */
  protected readonly abort = new AbortController()
  private jsonMode = process.argv.includes('--json')
  private verboseMode = process.argv.includes('--verbose')

  override async init(): Promise<void> {
    await super.init()
    const {args, flags} = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (this.ctor as unknown as typeof CgCommand).baseFlags,
      args: this.ctor.args,
      strict: this.ctor.strict,
    })
    this.flags = flags as CgFlags<T>
    this.args = args as CgArgs<T>
    this.jsonMode = Boolean(this.flags.json)
    this.verboseMode = Boolean(this.flags.verbose)
    setVerbose(this.verboseMode)
    // a repair (a command with --dry-run, not given) finishes its work even when its reader has gone
    keepWorkingWhenOutputCloses('dry-run' in (this.ctor.flags ?? {}) && !(this.flags as {'dry-run'?: boolean})['dry-run'])
    let interrupts = 0
    process.on('SIGINT', () => {
      interrupts++
      if (interrupts > 1) process.exit(130)
      warn('interrupted: finishing the current step (Ctrl-C again to quit now)')
      this.abort.abort()
    })
  }

  /** The profile picked by flags > CG_PROFILE / CG_URL > the file's default > the built-in local Redis. */
  protected async profile(): Promise<Profile> {
    this.cachedProfile ??= await resolveProfile({
      profileFlag: this.flags.profile,
      urlFlag: this.flags.url,
      configFlag: this.flags.config,
      warn,
    })
    return this.cachedProfile
  }

  /** The adapter of the profile's broker, whatever it is (profiles test). */
  protected async anyAdapter(): Promise<AnyAdapter> {
    if (!this.openAdapter) {
      const profile = await this.profile()
      debug(`profile ${profile.name ?? '(none)'} from ${profile.source}: ${profile.broker} ${profile.url}`)
      const {openAdapter} = await import('./brokers/open-adapter.js')
      this.openAdapter = await openAdapter(profile, {timeoutMs: this.flags.timeout})
    }
    return this.openAdapter
  }

  /** The Redis Streams adapter; refused (exit 4) when this capability is missing. */
  protected async adapter(need?: keyof Capabilities, what?: string): Promise<BrokerAdapter> {
    const adapter = await this.anyAdapter()
    if (adapter.broker !== 'redis' || (need && !adapter.capabilities[need])) {
      throw new CgError('unsupported', `${what ?? need ?? this.id} is not possible on ${adapter.broker}`, 'See `cg --help` and the README for what each broker supports.')
    }
    return adapter
  }

  private async typedAdapter<B extends BrokerKind>(broker: B): Promise<Extract<AnyAdapter, {broker: B}>> {
    const adapter = await this.anyAdapter()
    if (adapter.broker !== broker) throw new CgError('unexpected', `expected a ${broker} adapter, have ${adapter.broker}`)
    return adapter as Extract<AnyAdapter, {broker: B}>
  }

  /**
   * Runs the command's Kafka or RabbitMQ variant (src/variants/) when the profile is not Redis; true when
   * it did. A command the broker has no meaning for is refused with exit 4 and what to use instead.
   * Every command but `profiles *` starts with `if (await this.variant()) return`.
   */
  protected async variant(): Promise<boolean> {
    const broker = (await this.profile()).broker
    if (broker === 'redis') return false
    const {loadVariant, whyNot} = await import('./variants/index.js')
    const run = await loadVariant(broker, this.id ?? '')
    const name = (this.id ?? '').replace(/:/g, ' ')
    if (!run) throw new CgError('unsupported', `${name} is not possible on ${broker}`, whyNot(broker, this.id ?? ''))
    await run(this.variantContext())
    return true
  }

  private variantContext(): VariantContext {
    return {
      id: this.id ?? '',
      args: this.args as Record<string, string | undefined>,
      flags: this.flags as Record<string, unknown>,
      signal: this.abort.signal,
      json: this.jsonMode,
      profile: () => this.profile(),
      kafka: () => this.typedAdapter('kafka') as Promise<KafkaAdapter>,
      rabbitmq: () => this.typedAdapter('rabbitmq') as Promise<RabbitAdapter>,
      output: (data, human) => this.output(data, human),
      exitFor: (report) => this.exitFor(report),
    }
  }

  /** An argument, else the profile's default for it, else a usage error. */
  protected async orProfile(value: string | undefined, key: 'stream' | 'group' | 'consumer', label = key.toUpperCase()): Promise<string> {
    if (value !== undefined && value !== '') return value
    const fromProfile = (await this.profile())[key]
    if (fromProfile) return fromProfile
    throw usage(`missing ${label}`, `Give ${label} on the command line, or set \`${key}:\` in the profile.`)
  }

  protected async output<R>(data: R, human: HumanRenderer<R>): Promise<void> {
    await render(data, human, {json: this.jsonMode})
  }

  /**
   * Exit 3 when some items failed, 130 when interrupted; the report itself has been printed.
   * A run stopped by a lost broker (`stoppedBy`) exits with that error's code (69) and says so on stderr.
   */
  protected exitFor(report: {failed?: number; interrupted?: boolean; stoppedBy?: unknown}): void {
    const stop = report.stoppedBy instanceof CgError && report.stoppedBy.exitCode === EXIT_CODES.unreachable ? report.stoppedBy : null
    if (report.interrupted) process.exitCode = 130
    else if (stop) {
      process.exitCode = stop.exitCode
      warn(`Error: ${stop.message}`)
      if (stop.hint) warn(`Hint: ${stop.hint}`)
    } else if ((report.failed ?? 0) > 0) process.exitCode = 3
  }

  override async catch(err: Error & {exitCode?: number}): Promise<void> {
    // `cg ... | head`: the reader had enough; end quietly, as a finished command
    if (err instanceof OutputClosedError || (outputClosed() && (err as {code?: string}).code === 'EPIPE')) {
      process.exitCode = 0
      return
    }
    const e = toCgError(err)
    process.exitCode = e.exitCode
    await renderError(e, {json: this.jsonMode, verbose: this.verboseMode})
  }

  override async finally(err: Error | undefined): Promise<void> {
    if (this.openAdapter) await this.openAdapter.close().catch(() => undefined)
    await super.finally(err)
    if (outputClosed()) {
      // oclif then waits for a drain of stdout that never comes once its reader has gone: end here
      process.exitCode ??= 0
      setTimeout(() => process.exit(), 0)
      return
    }
    // A broker socket that fails to close must not keep the process alive after the answer is out.
    setTimeout(() => process.exit(), 500).unref()
  }
}
