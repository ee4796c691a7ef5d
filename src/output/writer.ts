import type {Writable} from 'node:stream'

// `cg ... | head`: once the reader of stdout has gone (EPIPE), nothing more is written. A read stops
// there, and the command ends quietly with exit 0 (see outputClosed); a repair whose report was being
// written finishes its work first (keepWorkingWhenOutputCloses), so a pipe never leaves it half done.
let closed = false
let keepWorking = false
let guarded = false

/** True once stdout's reader has gone. */
export function outputClosed(): boolean {
  return closed
}

export function keepWorkingWhenOutputCloses(on: boolean): void {
  keepWorking = on
}

/** The error a write after the reader left stops the command with; the command ends with exit 0. */
export class OutputClosedError extends Error {
  readonly code = 'EPIPE'
  constructor() {
    super('output closed')
  }
}

function guardPipes(): void {
  if (guarded) return
  guarded = true
  // without a listener an EPIPE would be an uncaught exception with a stack trace
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') closed = true
  })
  process.stderr.on('error', () => undefined)
}

/** Writes with back-pressure so results of any size go out in bounded memory. */
export class Writer {
  private buffer = ''
  constructor(
    private readonly stream: Writable = process.stdout,
    private readonly highWater = 64 * 1024,
  ) {
    if (stream === process.stdout) guardPipes()
  }

  /** Buffers the text; returns a promise only when the buffer was flushed (await it then). */
  write(text: string): Promise<void> | undefined {
    this.buffer += text
    return this.buffer.length >= this.highWater ? this.flush() : undefined
  }

  async flush(): Promise<void> {
    if (!this.buffer) return
    const chunk = this.buffer
    this.buffer = ''
    if (this.stream === process.stdout && closed) {
      if (keepWorking) return
      throw new OutputClosedError()
    }
    if (!this.stream.write(chunk)) {
      await new Promise<void>((resolve, reject) => {
        const onDrain = () => {
          cleanup()
          resolve()
        }
        // a stream destroyed without an error event would never drain
        const onClose = () => onError(Object.assign(new Error('output closed'), {code: 'EPIPE'}))
        const onError = (e: NodeJS.ErrnoException) => {
          cleanup()
          if (this.stream === process.stdout && e.code === 'EPIPE') {
            closed = true
            if (keepWorking) return resolve()
            return reject(new OutputClosedError())
          }
          reject(e)
        }
        const cleanup = () => {
          this.stream.off('drain', onDrain)
          this.stream.off('error', onError)
          this.stream.off('close', onClose)
        }
        this.stream.on('drain', onDrain)
        this.stream.on('error', onError)
        this.stream.on('close', onClose)
      })
    }
  }
}

export function isAsyncIterable(v: unknown): v is AsyncIterable<unknown> {
  return v !== null && typeof v === 'object' && typeof (v as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function'
}
