import type {ChalkInstance} from 'chalk'
import type {CgError} from '../errors/cg-error.js'
import {redact} from '../profiles/redact.js'
import {escapeControl} from './escape.js'
import {writeJson} from './json.js'
import {Ui} from './ui.js'

export type HumanRenderer<T> = (data: T, ui: Ui) => Promise<void> | void

export interface RenderOptions {
  json: boolean
}

/** The one place that chooses between JSON and human output. */
export async function render<T>(data: T, human: HumanRenderer<T>, opts: RenderOptions): Promise<void> {
  if (opts.json) return writeJson(data)
  const ui = new Ui(await colors())
  await human(data, ui)
  await ui.flush()
}

export async function renderError(err: CgError, opts: RenderOptions & {verbose: boolean}): Promise<void> {
  const message = redact(err.message)
  const hint = err.hint ? redact(err.hint) : undefined
  if (opts.json) {
    process.stdout.write(JSON.stringify({error: {code: err.code, message, hint: hint ?? null}}, null, 2) + '\n')
  }
  const c = await colors(process.stderr)
  if (!opts.json || opts.verbose) {
    // one line each, whatever the names in them hold
    process.stderr.write(`${c.red('Error:')} ${escapeControl(message)}\n`)
    if (hint) process.stderr.write(`${c.dim('Hint:')} ${escapeControl(hint)}\n`)
  }
  if (opts.verbose && err.cause instanceof Error && err.cause.stack) process.stderr.write(redact(err.cause.stack) + '\n')
  else if (opts.verbose && err.stack) process.stderr.write(redact(err.stack) + '\n')
}

/** Colors follow the terminal: off when the stream is not a TTY or NO_COLOR is set. */
export async function colors(stream: NodeJS.WriteStream = process.stdout): Promise<ChalkInstance> {
  const on = Boolean(stream.isTTY) && !('NO_COLOR' in process.env)
  if (!on) return NO_COLORS
  const {Chalk} = await import('chalk')
  return new Chalk({level: 1})
}

/**
 * Chalk at level 0 without loading chalk (its styles and their getters, ~0.7 ms at startup): every style (and
 * chain of styles) is the text as chalk at level 0 gives it, its arguments joined by spaces. cg calls styles
 * by name only (no hex, rgb or ansi256 builders).
 */
const plain = (...args: unknown[]): string => (args.length === 1 ? `${args[0]}` : args.join(' '))
const NO_COLORS: ChalkInstance = new Proxy(plain, {
  // not a thenable (it is awaited), and no symbol-keyed styles
  get: (_, key) => (key === 'level' ? 0 : key === 'then' || typeof key === 'symbol' ? undefined : NO_COLORS),
}) as unknown as ChalkInstance
