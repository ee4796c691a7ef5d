import {CgError} from '../errors/cg-error.js'

/** Waits `ms`, or less when the signal aborts first (Ctrl-C): the caller then checks `signal.aborted`. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const t = setTimeout(done, ms)
    function done() {
      clearTimeout(t)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, {once: true})
  })
}

/**
 * The work's answer, or `timedOut()`'s error once `ms` have passed: a bound on steps that have none of their
 * own. By default a timeout error (exit 69) saying the broker did not answer.
 */
export async function withDeadline<T>(work: Promise<T>, ms: number, timedOut: () => Error = () => brokerSilent(ms)): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timedOut()), ms)
  })
  try {
    return await Promise.race([work, deadline])
  } finally {
    clearTimeout(timer)
  }
}

function brokerSilent(ms: number): CgError {
  return new CgError('timeout', `the broker did not answer within ${ms} ms`, 'Check that the broker is up and reachable, or raise --timeout.')
}
