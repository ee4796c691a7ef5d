// --watch: a status sample every interval until Ctrl-C or `q`, each handed to a presenter (the live screen on
// a terminal, JSON Lines otherwise). A failed sample (the broker went away) is reported and the next one
// tries again on a new connection; the watch itself never ends on it.
import type {StatusResult} from '../core/results.js'
import {type CgError, usage} from '../errors/cg-error.js'
import {StatusSeries} from './status-series.js'
import {parseSpan} from './time.js'
import {sleep} from './wait.js'

export interface WatchPresenter {
  /** a sample is in: the series holds it and the ones before */
  sample(series: StatusSeries): Promise<void>
  /** a sample failed; the watch goes on */
  failed(error: CgError, at: number): Promise<void>
}

export interface WatchOptions {
  intervalMs: number
  /** one sample; throws when the broker does not answer */
  sample(): Promise<StatusResult>
  /** after a failed sample: drop the connection so the next one makes a new one */
  reset(): Promise<void>
  toCgError(error: unknown): CgError
  presenter: WatchPresenter
  /** ends the watch (Ctrl-C, `q`) */
  signal: AbortSignal
  /** samples kept for rates and the sparkline */
  keep?: number
}

/** --interval: at least 100 ms, default 2 s. */
export function parseInterval(text: string | undefined): number {
  const ms = parseSpan(text ?? '2s', '--interval')
  if (ms < 100) throw usage(`--interval ${text} is shorter than 100 ms`, 'Sample at most ten times a second, e.g. --interval 2s.')
  return ms
}

export async function runWatch(opts: WatchOptions): Promise<void> {
  const series = new StatusSeries(opts.keep ?? 60)
  while (!opts.signal.aborted) {
    const started = Date.now()
    try {
      series.add(await opts.sample())
      if (opts.signal.aborted) break
      await opts.presenter.sample(series)
    } catch (error) {
      if (opts.signal.aborted) break
      const e = opts.toCgError(error)
      // bad input, or a group named that does not exist, is not an outage: it ends the watch like any command
      if (e.fromInput || e.code === 'not_found') throw e
      await opts.presenter.failed(e, Date.now())
      await opts.reset()
    }
    await sleep(Math.max(0, opts.intervalMs - (Date.now() - started)), opts.signal)
  }
}
