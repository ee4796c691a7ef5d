import {Args, Command, Flags, type Interfaces} from '@oclif/core'
import {brokerEntry} from './brokers/registry.js'
import {BROKER_LABEL, type BrokerKind} from './core/broker.js'
import type {Connection, DriverModule, ServerInfo} from './core/driver.js'
import {opName, type Operation} from './core/operations.js'
import type {FlagBrokers, OpFlags, Request, RunContext, StatusFlags} from './core/requests.js'
import type {BulkEnd, GroupStatus, OpResults} from './core/results.js'
import {CgError, EXIT_CODES, usage} from './errors/cg-error.js'
import {toCgError} from './errors/error-map.js'
import {debug, setVerbose, warn} from './output/log.js'
import {keepWorkingWhenOutputCloses, OutputClosedError, outputClosed} from './output/writer.js'
import {progress} from './output/progress.js'
import {colors, render, renderError} from './output/render.js'
import {redact} from './profiles/redact.js'
import type {HumanView} from './output/view-types.js'
import {warning} from './output/wording.js'
import {resolveProfile, URL_SCHEMES_TEXT, type Profile} from './profiles/resolve.js'

export type CgFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof CgCommand)['baseFlags'] & T['flags']>
export type CgArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

/** Marks a flag as meaningful on these brokers only; given on another it is refused (exit 2) by CgCommand. */
export function only<F extends object>(brokers: FlagBrokers, flag: F): F {
  return Object.assign(flag, {brokers})
}

/** The scope of a status read (cg check, cg metrics): one group in the broker's terms, or every group. */
export const STATUS_SCOPE_ARGS = {
  first: Args.string({description: 'Redis: STREAM (with GROUP) or GROUP; Kafka: GROUP; RabbitMQ: QUEUE. Default: every group.'}),
  second: Args.string({description: 'Redis: GROUP when the first is STREAM.'}),
}

/**
 * Global flags, profile -> driver, the capability gate, foreign-flag refusal, rendering and error -> exit
 * code, for every command. A command declares its flags and arguments and makes one call: `this.call(op)`.
 */
export abstract class CgCommand<T extends typeof Command> extends Command {
  static override baseFlags = {
    profile: Flags.string({char: 'p', summary: 'Profile to use (see cg profiles list).', helpGroup: 'GLOBAL'}),
    url: Flags.string({summary: `Broker URL; the scheme picks the broker: ${URL_SCHEMES_TEXT}.`, helpGroup: 'GLOBAL'}),
    json: Flags.boolean({summary: 'Print one JSON document on stdout.', helpGroup: 'GLOBAL'}),
    // a Node timer holds at most 2^31 - 1 ms: above, it fires at once (with a warning)
    timeout: Flags.integer({summary: 'Connect and command timeout in ms.', default: 10000, min: 1, max: 2_147_483_647, helpGroup: 'GLOBAL'}),
    config: Flags.string({summary: 'Profiles file (default: $CG_CONFIG, .cg.yaml, ~/.config/cg/config.yaml).', helpGroup: 'GLOBAL'}),
    verbose: Flags.boolean({summary: 'Log broker calls and show stack traces on stderr.', helpGroup: 'GLOBAL'}),
  }

  protected flags!: CgFlags<T>
  protected args!: CgArgs<T>
  /** the positional arguments as given, in order */
  private argv_: string[] = []
  /** the flags given on the command line (not from defaults) */
  private given = new Set<string>()
  private cachedProfile?: Profile
  private conn?: Connection
  /** aborted on the first Ctrl-C: long work stops between atomic steps and reports what it did */
  protected readonly abort = new AbortController()
  private jsonMode = process.argv.includes('--json')
  private verboseMode = process.argv.includes('--verbose')

  override async init(): Promise<void> {
    await super.init()
    const {args, flags, raw} = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (this.ctor as unknown as typeof CgCommand).baseFlags,
      args: this.ctor.args,
      strict: this.ctor.strict,
    })
    this.flags = flags as CgFlags<T>
    this.args = args as CgArgs<T>
    this.argv_ = raw.filter((t) => t.type === 'arg').map((t) => t.input)
    this.given = new Set(raw.filter((t) => t.type === 'flag').map((t) => t.flag))
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

  /**
   * The command's one call: refuses flags of other brokers (exit 2) and operations the broker lacks (exit 4,
   * before connecting), runs the operation on the profile's driver, renders the result, and sets the exit
   * code a bulk run ended with.
   */
  protected async call<O extends Operation>(op: O, flags: OpFlags[O]): Promise<OpResults[O]> {
    const result = await this.fetch(op, flags)
    const views = this.jsonMode ? {} : await brokerEntry((await this.profile()).broker).views()
    await render(result, (views[op] ?? noView(op)) as HumanView<OpResults[O]>, {json: this.jsonMode})
    this.exitFor(result as {totals?: Partial<BulkEnd>})
    return result
  }

  /** What call() does before rendering: the operation's result, for a command that presents it its own way. */
  protected async fetch<O extends Operation>(op: O, flags: OpFlags[O], args: readonly string[] = this.argv_): Promise<OpResults[O]> {
    const profile = await this.profile()
    const entry = brokerEntry(profile.broker)
    this.refuseForeignFlags(profile.broker)
    const module = await entry.driver()
    const handler = module.ops[op] as ((conn: Connection, req: Request<OpFlags[O]>) => Promise<OpResults[O]>) | undefined
    if (!handler) {
      throw new CgError(
        'unsupported',
        `${opName(op)} is not possible on ${BROKER_LABEL[profile.broker]}`,
        module.refusals[op] ?? 'See cg --help for what each broker supports.',
      )
    }
    const req = {args, flags, profile, run: this.runContext()}
    // names the broker cannot hold (a Kafka topic name, an AMQP name over 255 bytes) are refused before any call
    module.checkNames?.(op, req as unknown as Request<Record<string, unknown>>)
    const conn = await this.connect(module, profile)
    return handler(conn, req)
  }

  /** Closes the broker connection; the next fetch() opens a new one (a long-running command after a broker loss). */
  protected async disconnect(): Promise<void> {
    const conn = this.conn
    this.conn = undefined
    await conn?.close().catch(() => undefined)
  }

  /**
   * --watch of cg lag and cg groups: the status read of `args` (the status scope: [STREAM] GROUP, GROUP,
   * QUEUE, or none) every interval, rows kept by `keep`, as a live screen on a terminal, else JSON Lines.
   */
  protected async watch(opts: {flags: StatusFlags; args: string[]; interval?: string; keep?: (g: GroupStatus) => boolean; title: string}): Promise<void> {
    const {parseInterval, runWatch} = await import('./services/watch.js')
    const {jsonLinesPresenter, WatchScreen} = await import('./output/watch-screen.js')
    const intervalMs = parseInterval(opts.interval)
    const profile = await this.profile()
    const keep = opts.keep
    const sample = async () => {
      const r = await this.fetch('status', opts.flags, opts.args)
      return keep ? {...r, groups: r.groups.filter(keep)} : r
    }
    const common = {intervalMs, sample, reset: () => this.disconnect(), toCgError, signal: this.abort.signal}
    if (this.jsonMode || !process.stdout.isTTY) {
      await runWatch({...common, presenter: jsonLinesPresenter()})
      return
    }
    const chalk = await colors()
    const screen = new WatchScreen({chalk, title: `${opts.title}  ${BROKER_LABEL[profile.broker]} ${redact(profile.url)}`, broker: profile.broker, intervalMs})
    screen.enter(() => this.abort.abort())
    try {
      await runWatch({...common, presenter: screen})
    } finally {
      screen.leave()
    }
  }

  /** Connects to the profile's broker and asks it who it is (profiles test). */
  protected async ping(): Promise<ServerInfo> {
    const profile = await this.profile()
    return (await this.connect(await brokerEntry(profile.broker).driver(), profile)).ping()
  }

  private async connect(module: DriverModule, profile: Profile): Promise<Connection> {
    if (!this.conn) {
      debug(`profile ${profile.name ?? '(none)'} from ${profile.source}: ${profile.broker} ${profile.url}`)
      this.conn = await module.connect(profile, {timeoutMs: this.flags.timeout, debug})
    }
    return this.conn
  }

  private runContext(): RunContext {
    return {signal: this.abort.signal, progress: (label, total) => progress(label, total), warn: (m) => warn(warning(m)), debug}
  }

  /** A flag given on the command line that means nothing on this broker is a usage error, never ignored. */
  private refuseForeignFlags(broker: BrokerKind): void {
    const declared = this.ctor.flags as Record<string, {brokers?: FlagBrokers}> | undefined
    for (const name of this.given) {
      const brokers = declared?.[name]?.brokers
      if (!brokers || brokers.includes(broker)) continue
      const on = brokers.map((b) => BROKER_LABEL[b]).join(' and ')
      throw usage(
        `--${name} is for ${on}; it means nothing on ${BROKER_LABEL[broker]}`,
        `Leave --${name} out, or pick a ${on} profile or --url. See cg ${opName(this.id as Operation)} --help.`,
      )
    }
  }

  protected async output<R>(data: R, human: HumanView<R>): Promise<void> {
    await render(data, human, {json: this.jsonMode})
  }

  /**
   * 130 when interrupted; when an error ended a bulk run early, that error's own exit code (69 the broker was
   * lost, 4 refused, ...), said on stderr; 3 when some items failed or the error was unexpected. The report
   * itself has been printed.
   */
  private exitFor(result: {totals?: Partial<BulkEnd>}): void {
    const t = result.totals
    if (!t) return
    if (t.interrupted) process.exitCode = 130
    else if (t.errorCode && t.errorCode !== 'unexpected' && EXIT_CODES[t.errorCode] > 3) {
      process.exitCode = EXIT_CODES[t.errorCode]
      warn(`Error: ${t.error}`)
      if (t.errorCode === 'unreachable' || t.errorCode === 'timeout') warn(`Hint: ${RESUME_HINT}`)
    } else if ((t.failed ?? 0) > 0 || t.error) process.exitCode = 3
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
    if (this.conn) await this.conn.close().catch(() => undefined)
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

/** What to do when the broker went away in the middle of a repair: every bulk run resumes where it stopped. */
const RESUME_HINT =
  'The report above holds what was done. Run the same command again once the broker answers (behind Redis Sentinel or in a cluster, after the failover): it resumes where this run stopped, and nothing done is done twice.'

function noView(op: Operation): HumanView {
  return (data, ui) => ui.line(`${opName(op)}: ${JSON.stringify(data)}`)
}
