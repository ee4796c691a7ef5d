import {spawn, type ChildProcess} from 'node:child_process'
import {fileURLToPath} from 'node:url'

export const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))

/** The isolated environment every cg child gets: no profile file, no colors. */
export function cgEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {PATH: process.env.PATH, HOME: '/nonexistent-home', XDG_CONFIG_HOME: '/nonexistent-xdg', NO_COLOR: '1', ...extra}
}

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
  /** stdout parsed as JSON (throws with the raw text when it is not one JSON document) */
  json: <T = any>() => T
}

/**
 * Runs the built CLI as a user would. The environment is isolated: no profile file is found unless
 * the test passes one (cwd defaults to a directory without .cg.yaml, XDG_CONFIG_HOME points nowhere).
 */
export function runCg(args: string[], opts: {env?: NodeJS.ProcessEnv; cwd?: string; input?: string; timeoutMs?: number} = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd ?? '/tmp',
      env: cgEnv(opts.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({
        code,
        stdout,
        stderr,
        json: () => {
          try {
            return JSON.parse(stdout)
          } catch {
            throw new Error(`stdout is not one JSON document:\n${stdout}\nstderr:\n${stderr}`)
          }
        },
      })
    })
    child.stdin.end(opts.input ?? '')
  })
}

export interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/**
 * Starts cg in the background (for tests that act on it while it runs: kill it, or kill its broker).
 * `exited` resolves with the exit and everything it printed.
 */
export function spawnCg(args: string[], opts: {env?: NodeJS.ProcessEnv} = {}): {child: ChildProcess; stderr: () => string; exited: Promise<Exit>} {
  const child = spawn(process.execPath, [BIN, ...args], {cwd: '/tmp', env: cgEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe']})
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d) => (stdout += d))
  child.stderr!.on('data', (d) => (stderr += d))
  const exited = new Promise<Exit>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({code, signal, stdout, stderr}))
  })
  return {child, stderr: () => stderr, exited}
}

/** POSIX shell quoting of one word. */
function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`
}

/**
 * Runs cg on a pseudo-terminal (util-linux `script`): stderr is the terminal, and so is stdout unless
 * `stdoutFile` is given (then stdout goes to that file). `output` is everything the terminal showed,
 * in order (with the terminal's \r\n line ends).
 */
export function runCgTty(
  args: string[],
  opts: {env?: NodeJS.ProcessEnv; timeoutMs?: number; stdoutFile?: string} = {},
): Promise<{code: number | null; output: string}> {
  let command = [process.execPath, BIN, ...args].map(shq).join(' ')
  if (opts.stdoutFile) command += ` > ${shq(opts.stdoutFile)}`
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', command, '/dev/null'], {cwd: '/tmp', env: cgEnv({TERM: 'xterm', ...opts.env}), stdio: ['ignore', 'pipe', 'pipe']})
    let output = ''
    child.stdout.on('data', (d) => (output += d))
    child.stderr.on('data', (d) => (output += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code, output})
    })
  })
}
