// What every raw baseline shares: one ioredis client set up like cg's (RESP2), and buffered stdout.
import {Redis} from 'ioredis'

export async function client(url) {
  const r = new Redis(url, {protocol: 2, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null})
  await r.connect()
  return r
}

/** Writes to stdout in 64 KB chunks, waiting for drain (the same buffering cg's JSON writer does). */
export function stdoutWriter() {
  let buf = ''
  const flush = async () => {
    if (!buf) return
    const chunk = buf
    buf = ''
    if (!process.stdout.write(chunk)) await new Promise((resolve) => process.stdout.once('drain', resolve))
  }
  return {
    async write(s) {
      buf += s
      if (buf.length >= 65536) await flush()
    },
    flush,
  }
}

export function fail(error) {
  process.stderr.write(String(error?.stack ?? error) + '\n')
  process.exit(1)
}
