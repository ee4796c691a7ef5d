import {sleep} from './wait.js'

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
  constructor(
    private readonly rate: number,
    private readonly capacity: number,
  ) {
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
      await sleep(waitMs, signal)
    }
  }
}
