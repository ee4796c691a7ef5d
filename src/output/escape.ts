import type {ChalkInstance} from 'chalk'

// Names and values come from the broker and from whoever named things there: a stream called
// "\x1b[2J..." must not clear the operator's screen, and a newline in a group name must not break a
// one-line error. Everything human-readable that cg prints passes through escapeControl (JSON escapes
// on its own).

const CONTROL = /[\x00-\x1f\x7f-\x9f]/g
const NAMED: Record<string, string> = {'\n': '\\n', '\r': '\\r', '\t': '\\t'}

/** Control characters (C0, DEL, C1) as visible escapes: "\n", "\t", "\x1b". */
export function escapeControl(text: string): string {
  CONTROL.lastIndex = 0
  if (!CONTROL.test(text)) return text
  return text.replace(CONTROL, (c) => NAMED[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
}

// cg's own colors must survive the escaping of what they wrap: a style writes its escape codes under a
// marker that no broker data can contain (random per process), and restoreStyles() turns them back.
const MARK = `\u{E000}${Math.random().toString(36).slice(2, 10)}\u{E001}`

export const STYLES = ['bold', 'dim', 'italic', 'underline', 'red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'gray'] as const
export type Colors = Record<(typeof STYLES)[number], (text: string) => string>

/** Styles for renderers: the text is escaped first, then styled under the marker. */
export function markedStyles(chalk: ChalkInstance): Colors {
  const out = {} as Colors
  for (const s of STYLES) out[s] = (text: string) => chalk[s](escapeControl(String(text))).replaceAll('\x1b', MARK)
  return out
}

/** A renderer's line: data escaped, cg's own styles restored. */
export function safeLine(text: string): string {
  return escapeControl(text).replaceAll(MARK, '\x1b')
}
