import {Command, Flags, type Interfaces} from '@oclif/core'
import type {BrokerAdapter, Capabilities} from './brokers/types.js'
import {CgError, EXIT_CODES, usage} from './errors/cg-error.js'
import {toCgError} from './errors/error-map.js'
import {warn, setVerbose, debug} from './output/log.js'
import {render, renderError, type HumanRenderer} from './output/render.js'
import {resolveProfile, type Profile} from './profiles/resolve.js'

export type CgFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof CgCommand)['baseFlags'] & T['flags']>
export type CgArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

/**
 * Global flags, profile -> adapter, rendering and error -> exit code, for every command.
 * A command parses, calls one service with `this.adapter()`, and hands the result to `this.output()`.
 */
export abstract class CgCommand<T extends typeof Command> extends Command {
  static override baseFlags = {
    profile: Flags.string({char: 'p', summary: 'Profile to use (see cg profiles list).', helpGroup: 'GLOBAL'}),
    url: Flags.string({summary: 'Broker URL; the scheme picks the broker (redis://, rediss://, kafka://, amqp://).', helpGroup: 'GLOBAL'}),
    json: Flags.boolean({summary: 'Print one JSON document on stdout.', helpGroup: 'GLOBAL'}),
    timeout: Flags.integer({summary: 'Connect and command timeout in ms.', default: 10000, min: 1, helpGroup: 'GLOBAL'}),
    config: Flags.string({summary: 'Profiles file (default: $CG_CONFIG, .cg.yaml, ~/.config/cg/config.yaml).', helpGroup: 'GLOBAL'}),
    verbose: Flags.boolean({summary: 'Log broker calls and show stack traces on stderr.', helpGroup: 'GLOBAL'}),
  }

  protected flags!: CgFlags<T>
  protected args!: CgArgs<T>
  private cachedProfile?: Profile
  private openAdapter?: BrokerAdapter
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

  protected async adapter(need?: keyof Capabilities, what?: string): Promise<BrokerAdapter> {
    if (!this.openAdapter) {
      const profile = await this.profile()
      debug(`profile ${profile.name ?? '(none)'} from ${profile.source}: ${profile.broker} ${profile.url}`)
      const {openAdapter} = await import('./brokers/open-adapter.js')
      this.openAdapter = await openAdapter(profile, {timeoutMs: this.flags.timeout})
    }
    if (need && !this.openAdapter.capabilities[need]) {
      throw new CgError('unsupported', `${what ?? need} is not possible on ${this.openAdapter.broker}`, 'See `cg --help` and the README for what each broker supports.')
    }
    return this.openAdapter
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
      warn(`Error: ${stop.message}` + (stop.hint ? `\nHint: ${stop.hint}` : ''))
    } else if ((report.failed ?? 0) > 0) process.exitCode = 3
  }

  override async catch(err: Error & {exitCode?: number}): Promise<void> {
    const e = toCgError(err)
    process.exitCode = e.exitCode
    await renderError(e, {json: this.jsonMode, verbose: this.verboseMode})
  }

  override async finally(err: Error | undefined): Promise<void> {
    if (this.openAdapter) await this.openAdapter.close().catch(() => undefined)
    await super.finally(err)
    // A broker socket that fails to close must not keep the process alive after the answer is out.
    setTimeout(() => process.exit(), 500).unref()
  }
}
