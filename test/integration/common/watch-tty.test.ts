import {execFileSync} from 'node:child_process'
import type {Redis} from 'ioredis'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {BIN} from '../../helpers/cli.js'
import {REDIS_URL, redis, seedGroup, uniq} from '../../helpers/redis.js'

// cg lag --watch in a real terminal: tmux runs it, capture-pane reads the screen, send-keys presses q.
const session = uniq('cgwatch').replace(/[^a-zA-Z0-9_-]/g, '_')
const tmux = (...args: string[]) => execFileSync('tmux', args, {encoding: 'utf8'})
const screen = () => tmux('capture-pane', '-p', '-t', session)

async function until(what: string, ok: (text: string) => boolean, ms = 20_000): Promise<string> {
  const end = Date.now() + ms
  let text = ''
  while (Date.now() < end) {
    text = screen()
    if (ok(text)) return text
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`${what}; the screen:\n${text}`)
}

describe('cg lag --watch on a terminal', () => {
  let r: Redis
  const stream = uniq('watch')
  beforeAll(async () => {
    r = await redis()
    // 6 entries, 2 read by c1 and pending: lag 4
    await seedGroup(r, stream, 'workers', 6, [])
    await r.xreadgroup('GROUP', 'workers', 'c1', 'COUNT', 2, 'STREAMS', stream, '>')
  })
  afterAll(async () => {
    try {
      tmux('kill-session', '-t', session)
    } catch {}
    await r.del(stream)
    await r.quit()
  })

  it('shows the group, follows the consumer, and leaves cleanly on q with exit 0', async () => {
    const before = (await r.xinfo('GROUPS', stream)) as unknown[][]
    const lagOf = (g: unknown[]) => Number(g[g.indexOf('lag') + 1])
    const lag = lagOf(before[0])
    expect(lag).toBe(4)
    const cmd = `NO_COLOR=1 HOME=/nonexistent '${process.execPath}' '${BIN}' lag workers --stream '${stream}' --watch --interval 300ms --url ${REDIS_URL}; echo "EXIT=$?"; sleep 60`
    tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '30', cmd)
    const first = await until('the group on the screen', (t) => t.includes(`${stream}/workers`))
    expect(first).toMatch(/q to quit/)
    expect(first).toMatch(/GROUP +LAG +BEHIND +OUT\/S +IN\/S +LAG TREND +DRAIN/)
    expect(first).toMatch(new RegExp(`${stream}/workers +${lag} `))
    // the consumer reads everything: lag 0, the screen follows
    await r.xreadgroup('GROUP', 'workers', 'c1', 'COUNT', 100, 'STREAMS', stream, '>')
    await until('lag 0 after the consumer read', (t) => new RegExp(`${stream}/workers +0 .*caught up`).test(t))
    tmux('send-keys', '-t', session, 'q')
    const after = await until('the exit status after q', (t) => /EXIT=\d+/.test(t))
    expect(after).toMatch(/EXIT=0/)
    // the alternate screen is gone: the table is no longer shown
    expect(after).not.toMatch(/q to quit/)
  })
})
