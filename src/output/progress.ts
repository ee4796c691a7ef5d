import {escapeControl} from './escape.js'

/**
 * Progress for long work on stderr, only when stderr is a terminal (scripts and pipes see nothing).
 */
export interface Progress {
  add(n: number): void
  done(): void
}

export function progress(labelIn: string, total?: number | null, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return {add() {}, done() {}}
  const label = escapeControl(labelIn)
  let count = 0
  let last = 0
  const started = Date.now()
  const draw = () => {
    const secs = (Date.now() - started) / 1000
    const rate = secs > 0 ? Math.round(count / secs) : 0
    const of = total ? `/${total} (${Math.floor((count / total) * 100)}%)` : ''
    stream.write(`\r\x1b[K${label}: ${count}${of}  ${rate}/s`)
  }
  return {
    add(n) {
      count += n
      const now = Date.now()
      if (now - last > 100) {
        last = now
        draw()
      }
    },
    done() {
      draw()
      stream.write('\n')
    },
  }
}
