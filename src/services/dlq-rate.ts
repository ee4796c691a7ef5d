/** Batch size for bulk DLQ work: large without a rate; about a tenth of a second's worth with one. */
export function batchSize(rate: number | null, max = 1000): number {
  if (rate === null) return max
  return Math.max(1, Math.min(max, Math.ceil(rate / 10)))
}

/**
 * A token bucket: `take(n)` waits until n tokens are there. It holds at most one batch's worth, so a
 * pause never turns into a burst. Resolves early (returning false) when the signal aborts.
 */
export class TokenBucket {
  private tokens: number
  private last = performance.now()
  constructor(private readonly rate: number, private readonly capacity: number) {
    this.tokens = capacity
  }

  async take(n: number, signal?: AbortSignal): Promise<boolean> {
    for (;;) {
      const now = performance.now()
      this.tokens = Math.min(Math.max(this.capacity, n), this.tokens + ((now - this.last) / 1000) * this.rate)
      this.last = now
      if (this.tokens >= n) {
        this.tokens -= n
        return true
      }
      if (signal?.aborted) return false
      const waitMs = Math.max(1, ((n - this.tokens) / this.rate) * 1000)
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, waitMs)
        function done() {
          clearTimeout(t)
          signal?.removeEventListener('abort', done)
          resolve()
        }
        signal?.addEventListener('abort', done, {once: true})
      })
    }
  }
}

/**
 * Bulk DLQ work in rate-sized batches: items are gathered, and each full batch waits for its tokens,
 * runs, and counts toward the progress display. One mechanism for move and replay alike.
 */
export class RateLimitedBatches<I, O> {
  readonly size: number
  private items: I[] = []
  private readonly bucket: TokenBucket | null

  constructor(
    private readonly opts: {rate: number | null; signal: AbortSignal; progress?: {add(n: number): void}},
    private readonly run: (items: I[]) => Promise<O[]>,
  ) {
    this.size = batchSize(opts.rate)
    this.bucket = opts.rate ? new TokenBucket(opts.rate, this.size) : null
  }

  /** Adds an item; true when the batch is full and should be flushed. */
  push(item: I): boolean {
    this.items.push(item)
    return this.items.length >= this.size
  }

  /** Runs the gathered batch: its outcomes, or null when Ctrl-C came while it waited for the rate. */
  async flush(): Promise<O[] | null> {
    const items = this.items
    this.items = []
    if (!items.length) return []
    if (this.bucket && !(await this.bucket.take(items.length, this.opts.signal))) return null
    const outcomes = await this.run(items)
    this.opts.progress?.add(outcomes.length)
    return outcomes
  }

  /** Items gathered but not sent yet. */
  get waiting(): number {
    return this.items.length
  }
}
