// A command's whole output reaches a reader that is slower than cg. A run ends as soon as its command has
// finished (bin/run.js), and stdout to a socket is written asynchronously: what is still queued when the
// command finishes must go out before the process ends. Here the reader is slow all along, on a report much
// larger than the socket's buffer.
import {spawn} from 'node:child_process'
import {describe, expect, it} from 'vitest'
import {BIN, cgEnv} from '../../helpers/cli.js'
import {redis, REDIS_URL, seedGroup, useRedis} from '../../helpers/redis.js'

const N = 10_000

describe('output to a slow reader', () => {
  const db = useRedis(redis)

  it(`cg pending --json of ${N} entries, read slowly: one whole JSON document, every entry`, async () => {
    const s = db.key('slow-reader')
    await seedGroup(db.r, s, 'g', N)
    const child = spawn(process.execPath, [BIN, 'pending', s, 'g', '--count', String(N), '--json', '--url', REDIS_URL], {
      cwd: '/tmp',
      env: cgEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += d))
    // the reader takes a break after each chunk it reads: the socket stays full, so cg's last writes queue
    const chunks: Buffer[] = []
    child.stdout.on('data', (d: Buffer) => {
      chunks.push(d)
      child.stdout.pause()
      setTimeout(() => child.stdout.resume(), 25)
    })
    await new Promise((resolve) => child.stdout.on('end', resolve))
    expect(await exited, stderr).toBe(0)
    const text = Buffer.concat(chunks).toString('utf8')
    expect(text.length).toBeGreaterThan(500_000)
    const doc = JSON.parse(text)
    expect(doc.entries).toHaveLength(N)
  }, 60_000)
})
