import type {ChalkInstance} from 'chalk'
import type {Rows} from '../core/results.js'
import {redact} from '../profiles/redact.js'
import {markedStyles, safeLine, type Colors} from './escape.js'
import {Writer} from './writer.js'

export interface Column<R> {
  header: string
  /** the cell text; null and undefined print as the column's `empty` (default "-") */
  get: (row: R) => unknown
  align?: 'left' | 'right'
  empty?: string
}

/**
 * What a command's human renderer may use. Everything goes to stdout, redacted, with control characters
 * escaped (a name cannot move the cursor, recolor or clear the screen); `color` styles survive that.
 */
export class Ui {
  private readonly writer: Writer
  readonly color: Colors
  constructor(
    private readonly chalk: ChalkInstance,
    stream: NodeJS.WritableStream = process.stdout,
  ) {
    this.writer = new Writer(stream as never)
    this.color = markedStyles(chalk)
  }

  async line(text = ''): Promise<void> {
    await this.raw(safeLine(text))
  }

  /** text already made safe here */
  private async raw(text: string): Promise<void> {
    await this.writer.write(redact(text) + '\n')
  }

  /** "key: value" lines, aligned. */
  async kv(pairs: Array<[string, unknown]>): Promise<void> {
    const keys = pairs.map(([k]) => safeLine(k))
    const width = Math.max(...keys.map((k) => k.length))
    for (const [i, [, v]] of pairs.entries()) await this.raw(`${this.chalk.dim(keys[i].padEnd(width))}  ${cell(v)}`)
  }

  /** A table of rows already in memory: the same style as rows(). */
  async table<R>(columns: Array<Column<R>>, rows: R[], emptyText = '(none)'): Promise<void> {
    await this.rows(columns, rows, emptyText)
  }

  /**
   * The one table style of cg: plain columns separated by two spaces, a bold header on a terminal, no boxes,
   * so a table reads the same in a terminal and in grep/awk. Rows of any number, written as they come
   * (bounded memory).
   * Widths are taken from the first page of rows. With `max`, only the first `max` rows are printed,
   * plus any later row that `notable` picks (failures, say); the rest are counted in a closing line.
   */
  async rows<R>(columns: Array<Column<R>>, rows: Rows<R>, emptyText = '(none)', opts: {max?: number; notable?: (row: R) => boolean} = {}): Promise<number> {
    const max = opts.max ?? Number.POSITIVE_INFINITY
    let widths: number[] | undefined
    let page: string[][] = []
    let count = 0
    let hidden = 0
    const flush = async () => {
      if (!widths) {
        widths = columns.map((c, i) => Math.max(c.header.length, ...page.map((r) => r[i].length)))
        await this.raw(
          this.chalk.bold(
            columns
              .map((c, i) => pad(c.header, widths![i], c.align))
              .join('  ')
              .trimEnd(),
          ),
        )
      }
      for (const r of page)
        await this.raw(
          columns
            .map((c, i) => pad(r[i], widths![i], c.align))
            .join('  ')
            .trimEnd(),
        )
      page = []
    }
    for await (const r of rows) {
      count++
      if (count > max && !opts.notable?.(r)) {
        hidden++
        continue
      }
      page.push(columns.map((c) => cell(c.get(r), c.empty)))
      if (page.length >= 500 || count === max) await flush()
    }
    if (page.length) await flush()
    if (count === 0) await this.line(this.color.dim(emptyText))
    if (hidden) await this.line(this.color.dim(`(${hidden} more not shown; --json lists every one)`))
    return count
  }

  async flush(): Promise<void> {
    await this.writer.flush()
  }
}

function pad(s: string, width: number, align?: 'left' | 'right'): string {
  return align === 'right' ? s.padStart(width) : s.padEnd(width)
}

/** A value as table text, control characters escaped. */
export function cell(v: unknown, empty = '-'): string {
  if (v === null || v === undefined) return empty
  if (Array.isArray(v)) return v.map((x) => cell(x)).join(', ')
  return safeLine(typeof v === 'object' ? JSON.stringify(v) : String(v))
}

/** 1234567 ms -> "20m34s"; null stays null so the table prints the column's empty text. */
export function duration(ms: number | null | undefined): string | null {
  if (ms === null || ms === undefined || ms < 0) return null
  if (ms < 1000) return `${ms}ms`
  let s = Math.floor(ms / 1000)
  const d = Math.floor(s / 86400)
  s -= d * 86400
  const h = Math.floor(s / 3600)
  s -= h * 3600
  const m = Math.floor(s / 60)
  s -= m * 60
  if (d) return `${d}d${h}h`
  if (h) return `${h}h${m}m`
  if (m) return `${m}m${s}s`
  return `${s}s`
}
