// The two faces of --watch. On a terminal: a screen redrawn in place (the alternate screen, as top and watch
// use), the worst groups first, as many as fit, with lag, time behind, rates, a sparkline of the lag and the
// time to drain; `q` or Ctrl-C leave it with the terminal as it was. Otherwise: JSON Lines, one document per
// sample (the one exception to "one JSON document on stdout").
import type {ChalkInstance} from 'chalk'
import type {BrokerKind} from '../core/broker.js'
import type {GroupStatus} from '../core/results.js'
import type {CgError} from '../errors/cg-error.js'
import {redact} from '../profiles/redact.js'
import {fmtRate} from '../services/check.js'
import type {GroupTrend, StatusSeries} from '../services/status-series.js'
import type {WatchPresenter} from '../services/watch.js'
import {groupLabel} from './check-format.js'
import {escapeControl} from './escape.js'
import {duration} from './ui.js'

const SPARKS = '▁▂▃▄▅▆▇█'

/** Lag over the samples as block characters, scaled between its own lowest and highest value. */
export function sparkline(values: Array<number | null>, width: number): string {
  const v = values.slice(-width)
  const known = v.filter((x): x is number => x !== null)
  if (known.length === 0) return ''
  const lo = Math.min(...known)
  const hi = Math.max(...known)
  return v.map((x) => (x === null ? ' ' : SPARKS[hi === lo ? (hi === 0 ? 0 : 3) : Math.round(((x - lo) / (hi - lo)) * (SPARKS.length - 1))])).join('')
}

type Condition = 'stalled' | 'behind' | 'draining' | 'caught-up' | 'unknown'

function condition(g: GroupStatus, t: GroupTrend): Condition {
  if (t.stalled) return 'stalled'
  if (t.fallingBehind) return 'behind'
  if (g.lag === 0) return 'caught-up'
  if (t.drainMs !== null) return 'draining'
  return 'unknown'
}

const ORDER: Record<Condition, number> = {stalled: 0, behind: 1, unknown: 2, draining: 3, 'caught-up': 4}

/** The DRAIN column: the condition in words, or how long draining takes at the current rate. */
function drainText(condition: Condition, t: GroupTrend, samples: number): string {
  if (condition === 'draining') return `drains in ${duration(t.drainMs)}`
  if (condition === 'unknown') return samples < 2 ? '...' : '-'
  return {stalled: 'stalled', behind: 'falling behind', 'caught-up': 'caught up'}[condition]
}

/** Worst first: stalled, falling behind, then the oldest waiting record, then the most records waiting. */
export function worstFirst(rows: Array<{group: GroupStatus; trend: GroupTrend}>) {
  return rows
    .map((r) => ({...r, condition: condition(r.group, r.trend)}))
    .sort(
      (a, b) =>
        ORDER[a.condition] - ORDER[b.condition] ||
        (b.group.timeLagMs ?? -1) - (a.group.timeLagMs ?? -1) ||
        (b.group.lag ?? -1) - (a.group.lag ?? -1) ||
        a.group.group.localeCompare(b.group.group),
    )
}

/** One JSON document per sample, one per line. */
export function jsonLinesPresenter(out: NodeJS.WritableStream = process.stdout): WatchPresenter {
  const write = (doc: unknown) => new Promise<void>((resolve) => (out.write(`${JSON.stringify(doc)}\n`) ? resolve() : out.once('drain', resolve)))
  return {
    async sample(series) {
      const latest = series.latest
      if (!latest) return
      await write({
        broker: latest.broker,
        takenAt: latest.takenAt,
        groups: series.trends().map(({group, trend}) => ({
          ...group,
          consumeRate: trend.consumeRate,
          produceRate: trend.produceRate,
          drainMs: trend.drainMs,
          fallingBehind: trend.fallingBehind,
          stalled: trend.stalled,
        })),
      })
    },
    async failed(error, at) {
      await write({takenAt: at, error: {code: error.code, message: redact(error.message), hint: error.hint ?? null}})
    },
  }
}

export interface ScreenOptions {
  chalk: ChalkInstance
  /** the first line: what is watched */
  title: string
  broker: BrokerKind
  intervalMs: number
  out?: NodeJS.WriteStream
}

/** The live screen; `enter()` takes the terminal, `leave()` gives it back as it was. */
export class WatchScreen implements WatchPresenter {
  private readonly out: NodeJS.WriteStream
  private lastError: string | null = null
  private series: StatusSeries | null = null
  constructor(private readonly opts: ScreenOptions) {
    this.out = opts.out ?? process.stdout
  }

  private keys: ((data: Buffer) => void) | null = null

  /** Takes the terminal: the alternate screen, no cursor, keys read one by one (`q` or Ctrl-C calls quit). */
  enter(quit: () => void): void {
    this.out.write('\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J')
    this.out.on('resize', this.redraw)
    const stdin = process.stdin
    if (stdin.isTTY) {
      this.keys = (data: Buffer) => {
        const k = data.toString('latin1')
        if (k === 'q' || k === 'Q' || k === '\x03' || k === '\x1b') quit()
      }
      stdin.setRawMode(true)
      stdin.on('data', this.keys)
      stdin.resume()
    }
  }

  /** Gives the terminal back as it was. */
  leave(): void {
    this.out.off('resize', this.redraw)
    if (this.keys) {
      process.stdin.off('data', this.keys)
      process.stdin.setRawMode(false)
      process.stdin.pause()
      this.keys = null
    }
    this.out.write('\x1b[?25h\x1b[?1049l')
  }

  private readonly redraw = () => {
    if (this.series) this.draw(this.series)
  }

  async sample(series: StatusSeries): Promise<void> {
    this.lastError = null
    this.series = series
    this.draw(series)
  }

  async failed(error: CgError, at: number): Promise<void> {
    this.lastError = `${clock(at)} ${redact(error.message)} (trying again every ${duration(this.opts.intervalMs)})`
    if (this.series) this.draw(this.series)
    else this.paint([this.header(), '', this.opts.chalk.red(escapeControl(this.lastError))])
  }

  private header(): string {
    const c = this.opts.chalk
    const at = this.series?.latest ? clock(this.series.latest.takenAt) : '--:--:--'
    return `${c.bold(escapeControl(this.opts.title))}  ${c.dim(`every ${duration(this.opts.intervalMs)}  ${at}  q to quit`)}`
  }

  draw(series: StatusSeries): void {
    const c = this.opts.chalk
    const cols = this.out.columns || 100
    const rows = this.out.rows || 30
    const ranked = worstFirst(series.trends())
    const spark = Math.max(4, Math.min(20, series.size))
    const table = ranked.map(({group: g, trend: t, condition}) => [
      groupLabel(this.opts.broker, g),
      g.lag === null ? '?' : String(g.lag),
      g.timeLagMs !== null ? (duration(g.timeLagMs) ?? '-') : g.lag === 0 ? '-' : g.timeLagNote ? 'unknown' : '?',
      t.consumeRate === null ? '-' : fmtRate(t.consumeRate),
      t.produceRate === null ? '-' : fmtRate(t.produceRate),
      sparkline(t.lagSeries, spark),
      drainText(condition, t, series.size),
      condition,
    ])
    const head = ['GROUP', 'LAG', 'BEHIND', 'OUT/S', 'IN/S', 'LAG TREND', 'DRAIN']
    const right = [false, true, true, true, true, false, false]
    const room = Math.max(1, rows - 4 - (this.lastError ? 1 : 0))
    const shown = table.slice(0, ranked.length > room ? room - 1 : room)
    const widths = head.map((h, i) => Math.max(h.length, ...shown.map((r) => escapeControl(r[i]).length)))
    widths[0] = Math.min(widths[0], Math.max(12, cols - widths.slice(1).reduce((a, b) => a + b + 2, 0)))
    const fmt = (cells: string[]) =>
      cells
        .slice(0, head.length)
        .map((v, i) => {
          const text = escapeControl(v)
          const cut = text.length > widths[i] ? `${text.slice(0, widths[i] - 1)}…` : text
          return right[i] ? cut.padStart(widths[i]) : cut.padEnd(widths[i])
        })
        .join('  ')
        .trimEnd()
    const color: Record<Condition, (s: string) => string> = {stalled: c.red, behind: c.yellow, draining: c.green, 'caught-up': c.green, unknown: (s) => s}
    const lines = [this.header(), `${ranked.length} group${ranked.length === 1 ? '' : 's'}, worst first`, c.bold(fmt(head))]
    for (const r of shown) lines.push(color[r[7] as Condition](fmt(r)))
    if (shown.length < table.length) lines.push(c.dim(`... ${table.length - shown.length} more groups not shown (the rest are better off)`))
    if (this.lastError) lines.push(c.red(escapeControl(this.lastError)))
    this.paint(lines)
  }

  private paint(lines: string[]): void {
    const cols = this.out.columns || 100
    // home, each line cleared to its end, the rest of the screen cleared: no flicker, no leftovers
    this.out.write(`\x1b[H${lines.map((l) => `${clip(redact(l), cols)}\x1b[K`).join('\n')}\x1b[J`)
  }
}

/** A line cut to the terminal's width, counting visible characters only (escape sequences are free). */
function clip(line: string, cols: number): string {
  let visible = 0
  let out = ''
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\x1b') {
      const m = /^\x1b\[[0-9;?]*[A-Za-z]/.exec(line.slice(i))
      if (m) {
        out += m[0]
        i += m[0].length - 1
        continue
      }
    }
    if (visible >= cols) continue
    out += line[i]
    visible++
  }
  return out
}

/** Local time of day, 24 h: 14:03:27. */
function clock(ms: number): string {
  return new Date(ms).toTimeString().slice(0, 8)
}
