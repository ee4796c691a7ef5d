// Runs one process the way a user would and measures it: wall time (startup included), peak RSS.
import {spawn} from 'node:child_process'
import {accessSync, constants, existsSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, delimiter} from 'node:path'
import {CG_BIN, PROCESS_TIMEOUT_MS} from './config.js'

const GNU_TIME = '/usr/bin/time'
/** true when GNU time can report the peak RSS (%M, in KB); otherwise /proc/<pid>/status VmHWM is polled */
export const HAS_GNU_TIME = (() => {
  try {
    accessSync(GNU_TIME, constants.X_OK)
    return true
  } catch {
    return false
  }
})()
export const RSS_METHOD = HAS_GNU_TIME ? '/usr/bin/time -f %M (max RSS, KB)' : 'polling /proc/<pid>/status VmHWM every 10 ms'

/** The environment of a user without a profile file: cg falls back to --url, and nothing else leaks in. */
export function cleanEnv(extra = {}) {
  // No profile file is found (HOME/XDG_CONFIG_HOME point nowhere), but cg gets a writable cache dir, as on
  // any user's machine, so its V8 code cache for the bundle works (the warm-up rounds create it).
  return {
    PATH: process.env.PATH,
    HOME: '/nonexistent-home',
    XDG_CONFIG_HOME: '/nonexistent-xdg',
    XDG_CACHE_HOME: join(tmpdir(), 'cgbench-cache'),
    NO_COLOR: '1',
    LANG: 'C',
    ...extra,
  }
}

/** The full path of an executable on PATH, or null. */
export function which(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const p = join(dir, name)
    try {
      accessSync(p, constants.X_OK)
      return p
    } catch {}
  }
  return null
}

/** processes still running, so an interrupted bench can stop them */
export const running = new Set()

export const node = (args) => [process.execPath, ...args]
export const cg = (args) => [process.execPath, CG_BIN, ...args]

/**
 * Runs argv with stdout to /dev/null (or captured) and returns {ms, rssKb, code, stdout, stderr}.
 * Throws when the process fails (unless allowFail) or outlives timeoutMs (it is killed).
 */
export async function run(
  argv,
  {stdout = 'null', measureRss = false, allowFail = false, timeoutMs = PROCESS_TIMEOUT_MS, env = cleanEnv(), cwd = '/tmp', label} = {},
) {
  let tmp
  let full = argv
  if (measureRss && HAS_GNU_TIME) {
    tmp = mkdtempSync(join(tmpdir(), 'cgbench-'))
    full = [GNU_TIME, '-f', '%M', '-o', join(tmp, 'rss'), ...argv]
  }
  const out = stdout === 'null' ? openSync('/dev/null', 'w') : 'pipe'
  try {
    const t0 = process.hrtime.bigint()
    const child = spawn(full[0], full.slice(1), {cwd, env, stdio: ['ignore', out, 'pipe']})
    running.add(child)
    let captured = ''
    let stderr = ''
    child.stdout?.setEncoding('utf8').on('data', (d) => (captured += d))
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr = (stderr + d).slice(-4000)))
    let hwm = 0
    const poll =
      measureRss && !HAS_GNU_TIME
        ? setInterval(() => {
            try {
              const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))
              if (m) hwm = Math.max(hwm, Number(m[1]))
            } catch {}
          }, 10)
        : null
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, timeoutMs)
    const code = await new Promise((resolve, reject) => {
      child.on('error', reject)
      child.on('close', (c, sig) => resolve(c ?? (sig ? 128 : 1)))
    })
    const ms = Number(process.hrtime.bigint() - t0) / 1e6
    running.delete(child)
    clearTimeout(timer)
    if (poll) clearInterval(poll)
    const name = label ?? argv.map((a) => (a === process.execPath ? 'node' : a === CG_BIN ? 'cg' : a)).join(' ')
    if (timedOut) throw new Error(`${name}: killed after ${timeoutMs} ms (time limit)`)
    if (code !== 0 && !allowFail) throw new Error(`${name}: exit ${code}\n${stderr.trim()}`)
    let rssKb = null
    if (measureRss) {
      if (HAS_GNU_TIME) {
        const lines = readFileSync(join(tmp, 'rss'), 'utf8').trim().split('\n')
        rssKb = Number(lines[lines.length - 1])
      } else rssKb = hwm || null
    }
    return {ms, rssKb, code, stdout: captured, stderr}
  } finally {
    if (typeof out === 'number') closeSync(out)
    if (tmp && existsSync(tmp)) rmSync(tmp, {recursive: true, force: true})
  }
}
