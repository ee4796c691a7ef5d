import {type ChildProcess, spawn} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Redis} from 'ioredis'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {spawnCg} from '../../helpers/cli.js'
import {seedGroup} from '../../helpers/redis.js'
import {DedicatedRedis, freePort} from '../../helpers/redis-server.js'

// cg metrics --serve as Prometheus sees it: a real Prometheus scrapes it; the broker (a redis-server of
// the test's own) stops and comes back under it; SIGTERM ends it cleanly.
async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms
  let last: unknown
  while (Date.now() < end) {
    try {
      const v = await probe()
      if (v !== undefined) return v
    } catch (e) {
      last = e
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new Error(`${what}${last ? `: ${last}` : ''}`)
}

const scrape = async (port: number) => (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
const value = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

describe('cg metrics --serve', () => {
  const server = new DedicatedRedis()
  let port = 0
  let cg: ReturnType<typeof spawnCg>
  let prometheus: ChildProcess | undefined
  const dir = mkdtempSync(join(tmpdir(), 'cg-prometheus-'))

  beforeAll(async () => {
    await server.start()
    const r = new Redis(server.url)
    await seedGroup(r, 'orders', 'billing', 5, [])
    await r.xreadgroup('GROUP', 'billing', 'c1', 'COUNT', 2, 'STREAMS', 'orders', '>')
    await r.quit()
    port = await freePort()
    cg = spawnCg(['metrics', '--serve', `127.0.0.1:${port}`, '--url', server.url, '--timeout', '2000'])
    await until('cg listening', async () => ((await scrape(port)).includes('cg_up') ? true : undefined))
  }, 60_000)

  afterAll(async () => {
    prometheus?.kill('SIGKILL')
    cg?.child.kill('SIGKILL')
    await server.close()
    rmSync(dir, {recursive: true, force: true})
  })

  it('serves the group: lag, consumers, pending, and cg_up 1', async () => {
    const text = await scrape(port)
    const l = '{broker="redis",source="orders",group="billing"}'
    expect(value(text, 'cg_up{broker="redis"}')).toBe(1)
    // 5 entries, 2 read by c1: lag 3, pending 2
    expect(value(text, `cg_group_lag${l}`)).toBe(3)
    expect(value(text, `cg_group_pending${l}`)).toBe(2)
    expect(value(text, `cg_group_consumers${l}`)).toBe(1)
    const other = await fetch(`http://127.0.0.1:${port}/nope`)
    expect(other.status).toBe(404)
  })

  it('is scraped by a real Prometheus', async () => {
    const promPort = await freePort()
    writeFileSync(
      join(dir, 'prometheus.yml'),
      `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: cg\n    static_configs:\n      - targets: ['127.0.0.1:${port}']\n`,
    )
    prometheus = spawn(
      'prometheus',
      [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`],
      {stdio: 'ignore'},
    )
    const lag = await until(
      'Prometheus to have scraped cg_group_lag',
      async () => {
        const res = (await (await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=cg_group_lag{group="billing"}`)).json()) as {
          data: {result: Array<{value: [number, string]}>}
        }
        return res.data.result[0]?.value[1]
      },
      60_000,
    )
    expect(lag).toBe('3')
    const targets = (await (await fetch(`http://127.0.0.1:${promPort}/api/v1/targets`)).json()) as {
      data: {activeTargets: Array<{health: string; lastError: string}>}
    }
    expect(targets.data.activeTargets[0]).toMatchObject({health: 'up', lastError: ''})
  }, 90_000)

  it('says cg_up 0 while the broker is away and comes back by itself', async () => {
    await server.kill()
    const down = await until('cg_up 0', async () => {
      const text = await scrape(port)
      return value(text, 'cg_up{broker="redis"}') === 0 ? text : undefined
    })
    expect(value(down, 'cg_collect_errors_total{broker="redis"}')).toBeGreaterThan(0)
    expect(down).not.toContain('cg_group_lag{')
    await server.start()
    const back = await until('cg_up 1 again', async () => {
      const text = await scrape(port)
      return value(text, 'cg_up{broker="redis"}') === 1 ? text : undefined
    })
    // the group as it was (its lag may be unknown now: Redis 7.0 rebuilds the group from the AOF without its
    // entries-read, and an unknown lag is a missing series, never a made-up number)
    expect(value(back, 'cg_group_pending{broker="redis",source="orders",group="billing"}'), back).toBe(2)
    expect(value(back, 'cg_group_consumers{broker="redis",source="orders",group="billing"}'), back).toBe(1)
    expect(cg.child.exitCode).toBeNull()
  }, 60_000)

  it('stops cleanly on SIGTERM', async () => {
    cg.child.kill('SIGTERM')
    const exit = await cg.exited
    expect(exit.code, exit.stderr).toBe(0)
    expect(exit.stderr).toMatch(/serving http:\/\/127\.0\.0\.1:\d+\/metrics/)
    expect(exit.stderr).toMatch(/broker did not answer/)
    expect(exit.stderr).toMatch(/broker is back/)
  })
})
