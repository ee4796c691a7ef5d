import type {Writable} from 'node:stream'

/** Writes with back-pressure so results of any size go out in bounded memory. */
export class Writer {
  private buffer = ''
  constructor(private readonly stream: Writable = process.stdout, private readonly highWater = 64 * 1024) {}

  async write(text: string): Promise<void> {
    this.buffer += text
    if (this.buffer.length >= this.highWater) await this.flush()
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
