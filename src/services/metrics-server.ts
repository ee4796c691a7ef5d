// cg metrics --serve: /metrics over HTTP, collected on each scrape. A scrape that comes while a collection
// runs shares it (Prometheus retries, two Prometheus servers). The broker going away is a cg_up 0 answer,
// never a crash; SIGTERM and Ctrl-C close the listener and end the command.
import {createServer, type IncomingMessage, type ServerResponse} from 'node:http'
import {isIP} from 'node:net'
import {usage} from '../errors/cg-error.js'
import {type Collection, CONTENT_TYPE, exposition} from '../output/metrics-format.js'

export interface ServeOptions {
  collect(): Promise<Collection>
  /** a line on stderr: listening, the broker lost and back */
  log(message: string): void
  /** aborted on Ctrl-C */
  signal: AbortSignal
}

/** "127.0.0.1:9464", "[::1]:9464", "localhost:9464" or ":9464" (loopback) -> host and port. */
export function parseListen(addr: string): {host: string; port: number} {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(addr.trim())
  const port = m ? Number(m[3]) : Number.NaN
  if (!m || port < 1 || port > 65535) {
    throw usage(`--serve ${JSON.stringify(addr)} is not HOST:PORT`, 'Give an address and a port, e.g. --serve 127.0.0.1:9464 (or :9464 for loopback).')
  }
  const host = m[1] ?? (m[2] || '127.0.0.1')
  if (m[1] && isIP(m[1]) !== 6)
    throw usage(`--serve ${JSON.stringify(addr)}: ${m[1]} is not an IPv6 address`, 'Write an IPv6 address in brackets, e.g. [::1]:9464.')
  return {host, port}
}

export async function serveMetrics(addr: string, opts: ServeOptions): Promise<void> {
  const {host, port} = parseListen(addr)
  let inFlight: Promise<Collection> | null = null
  let wasUp: boolean | null = null
  const collect = async (): Promise<Collection> => {
    inFlight ??= opts.collect().finally(() => {
      inFlight = null
    })
    const c = await inFlight
    const up = c.result !== null
    if (wasUp !== up) opts.log(up ? (wasUp === null ? 'broker answered' : 'broker is back') : 'broker did not answer: cg_up 0 until it does')
    wasUp = up
    return c
  }
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0]
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, {allow: 'GET, HEAD'}).end()
      return
    }
    if (path === '/metrics') {
      collect().then(
        (c) => {
          const body = exposition(c)
          res.writeHead(200, {'content-type': CONTENT_TYPE, 'content-length': Buffer.byteLength(body)})
          res.end(req.method === 'HEAD' ? undefined : body)
        },
        (error: unknown) => {
          res.writeHead(500, {'content-type': 'text/plain'}).end(`${error instanceof Error ? error.message : String(error)}\n`)
        },
      )
      return
    }
    if (path === '/') {
      res
        .writeHead(200, {'content-type': 'text/html; charset=utf-8'})
        .end('<html><body><h1>cg metrics</h1><p><a href="/metrics">/metrics</a></p></body></html>\n')
      return
    }
    res.writeHead(404, {'content-type': 'text/plain'}).end('not found: the metrics are at /metrics\n')
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(usage(`cannot listen on ${addr}: ${e.code === 'EADDRINUSE' ? 'the port is in use' : e.message}`, 'Pick another address or port for --serve.')),
    )
    server.listen(port, host, () => resolve())
  })
  opts.log(`serving http://${host.includes(':') ? `[${host}]` : host}:${port}/metrics`)
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGTERM', stop)
      opts.signal.removeEventListener('abort', stop)
      server.close(() => resolve())
      server.closeAllConnections()
    }
    process.once('SIGTERM', stop)
    opts.signal.addEventListener('abort', stop, {once: true})
  })
}
