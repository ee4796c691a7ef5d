import {spawn, type ChildProcess} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {createServer, connect} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Redis} from 'ioredis'

/** A free TCP port on 127.0.0.1 (the OS picks it; it is released before the caller binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const {port} = srv.address() as {port: number}
      srv.close(() => resolve(port))
    })
  })
}

/**
 * A redis-server of the test's own on 127.0.0.1, durable across SIGKILL: AOF with fsync on every
 * write, no RDB snapshots. `kill()` is the crash (SIGKILL), `start()` brings it back on the same
 * port and directory; `close()` stops it for good and removes the directory.
 */
export class DedicatedRedis {
  readonly dir = mkdtempSync(join(tmpdir(), 'cg-redis-'))
  port = 0
  private proc: ChildProcess | null = null
  private log = ''

  get url(): string {
    return `redis://127.0.0.1:${this.port}`
  }

  async start(extraArgs: string[] = []): Promise<void> {
    if (this.proc) throw new Error('redis-server is already running')
    this.port ||= await freePort()
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
      '--save',
      '',
      '--dir',
      this.dir,
      '--daemonize',
      'no',
      ...extraArgs,
    ]
    const proc = spawn('redis-server', args, {stdio: ['ignore', 'pipe', 'pipe']})
    this.proc = proc
    proc.stdout!.on('data', (d) => (this.log += d))
    proc.stderr!.on('data', (d) => (this.log += d))
    proc.on('exit', () => {
      if (this.proc === proc) this.proc = null
    })
    // Ready once a client gets PONG (after the AOF is loaded on a restart).
    const deadline = Date.now() + 10_000
    for (;;) {
      if (this.proc !== proc) throw new Error(`redis-server exited at start:\n${this.log}`)
      if (await this.pong()) return
      if (Date.now() > deadline) throw new Error(`redis-server did not answer on port ${this.port}:\n${this.log}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  private async pong(): Promise<boolean> {
    const up = await new Promise<boolean>((resolve) => {
      const s = connect(this.port, '127.0.0.1', () => {
        s.end()
        resolve(true)
      })
      s.on('error', () => resolve(false))
    })
    if (!up) return false
    const r = this.client()
    try {
      await r.connect()
      return (await r.ping()) === 'PONG'
    } catch {
      return false
    } finally {
      r.disconnect()
    }
  }

  /** A plain client that fails fast (no retries) when the server is down. */
  client(): Redis {
    return new Redis({host: '127.0.0.1', port: this.port, protocol: 2, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null})
  }

  /** The crash: SIGKILL, no chance to save or close connections. Resolves once the process is gone. */
  async kill(): Promise<void> {
    const proc = this.proc
    if (!proc) return
    const gone = new Promise((resolve) => proc.once('exit', resolve))
    proc.kill('SIGKILL')
    await gone
  }

  async close(): Promise<void> {
    await this.kill()
    rmSync(this.dir, {recursive: true, force: true})
  }
}
