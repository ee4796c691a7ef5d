#!/usr/bin/env node
// Two builds of cg side by side: `node -e 0`, then each build's `cg ARGS`, interleaved round by round, as the
// startup row measures them (a user's environment without a profile file, a code cache of each build's own).
//   node bench/startup-compare.js ROUNDS DIR_A DIR_B [ARGS...]     (default ARGS: groups --url <bench Redis>)
// A DIR is a checkout or a copy of one with bin/, dist/, package.json and oclif.manifest.json (built), e.g.
//   git worktree add /tmp/cg-before HEAD~1 && (cd /tmp/cg-before && npm ci && npm run build)
import {spawnSync} from 'node:child_process'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {REDIS_URL} from './lib/config.js'
import {cleanEnv} from './lib/proc.js'
import {median} from './lib/stats.js'

const [rounds, a, b, ...rest] = process.argv.slice(2)
if (!rounds || !a || !b) {
  console.error('usage: node bench/startup-compare.js ROUNDS DIR_A DIR_B [ARGS...]')
  process.exit(2)
}
const args = rest.length ? rest : ['groups', '--url', REDIS_URL]
const cases = [
  {label: 'node -e 0', argv: [process.execPath, '-e', '0'], env: cleanEnv()},
  ...[a, b].map((dir) => ({
    label: dir,
    argv: [process.execPath, join(resolve(dir), 'bin', 'run.js'), ...args],
    env: cleanEnv({XDG_CACHE_HOME: mkdtempSync(join(tmpdir(), 'cg-compare-'))}),
  })),
]
const times = cases.map(() => [])
// two rounds warm the caches (each build writes its code cache on its first run)
for (let round = 0; round < Number(rounds) + 2; round++) {
  cases.forEach((c, i) => {
    const t0 = process.hrtime.bigint()
    const r = spawnSync(c.argv[0], c.argv.slice(1), {env: c.env, cwd: '/tmp', stdio: ['ignore', 'ignore', 'pipe']})
    const ms = Number(process.hrtime.bigint() - t0) / 1e6
    if (r.status !== 0) throw new Error(`${c.label}: exit ${r.status}: ${r.stderr}`)
    if (round >= 2) times[i].push(ms)
  })
}
const base = median(times[0])
console.log(`${rounds} rounds, medians; cg ${args.join(' ')}`)
cases.forEach((c, i) => console.log(`${median(times[i]).toFixed(1).padStart(7)} ms  ${(median(times[i]) / base).toFixed(2)}x  ${c.label}`))
