import type {Writable} from 'node:stream'

/** Writes with back-pressure so results of any size go out in bounded memory. */
export class Writer {
  private buffer = ''
  constructor(private readonly stream: Writable = process.stdout, private readonly highWater = 64 * 1024) {}

  /** Buffers the text; returns a promise only when the buffer was flushed (await it then). */
  write(text: string): Promise<void> | undefined {
    this.buffer += text
    return this.buffer.length >= this.highWater ? this.flush() : undefined
  }

  async flush(): Promise<void> {
    if (!this.buffer) return
    const chunk = this.buffer
    this.buffer = ''
    if (!this.stream.write(chunk)) {
      await new Promise<void>((resolve, reject) => {
        const onDrain = () => { cleanup(); resolve() }
        const onError = (e: Error) => { cleanup(); reject(e) }
        const cleanup = () => { this.stream.off('drain', onDrain); this.stream.off('error', onError) }
        this.stream.on('drain', onDrain)
        this.stream.on('error', onError)
      })
    }
  }
}

export function isAsyncIterable(v: unknown): v is AsyncIterable<unknown> {
  return v !== null && typeof v === 'object' && typeof (v as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function'
}
