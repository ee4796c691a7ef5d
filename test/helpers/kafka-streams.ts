// A real Kafka Streams application on the streams rebalance protocol (KIP-1071): test/fixtures/streams-app,
// fetched and compiled once by scripts/kafka/streams-app.sh (cached under .brokers/kafka/VERSION/). It reads
// INPUT, re-keys by value (a repartition topic) and counts (a changelog topic) into OUTPUT. Started from a
// test and stopped in its afterAll; "pause" keeps its member in the group while nothing is read or committed.
import {execFileSync, spawn} from 'node:child_process'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {KAFKA} from './kafka.js'

const SCRIPT = fileURLToPath(new URL('../../scripts/kafka/streams-app.sh', import.meta.url))

export interface StreamsApp {
  /** KafkaStreams#pause: the member stays, nothing is processed or committed; resolves once paused */
  pause(): Promise<void>
  /** closes the application (its member leaves the group); SIGKILL after 20 s */
  stop(): Promise<void>
  output(): string
}

/** The classpath of the compiled application (fetches and compiles on the first call). */
export function streamsAppClasspath(): string {
  return execFileSync('bash', [SCRIPT, 'latest'], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 600_000}).trim()
}

/** Starts the application with application.id = group; resolves once it is RUNNING. */
export async function startStreamsApp(opts: {group: string; input: string; output: string; bootstrap?: string; timeoutMs?: number}): Promise<StreamsApp> {
  const cp = streamsAppClasspath()
  const state = join(tmpdir(), `cg-streams-${opts.group}`)
  const child = spawn(
    'java',
    [
      '-Xmx256m',
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      '-cp',
      cp,
      'CgStreamsApp',
      opts.bootstrap ?? KAFKA.bootstrap,
      opts.group,
      opts.input,
      opts.output,
      state,
    ],
    {stdio: ['pipe', 'pipe', 'pipe']},
  )
  let out = ''
  const waiters: Array<{word: string; resolve: () => void}> = []
  const onData = (d: Buffer) => {
    out += d
    for (const w of [...waiters])
      if (out.includes(w.word)) {
        waiters.splice(waiters.indexOf(w), 1)
        w.resolve()
      }
  }
  child.stdout!.on('data', onData)
  child.stderr!.on('data', (d) => (out += d))
  let exited = false
  const exit = new Promise<void>((resolve) =>
    child.on('exit', () => {
      exited = true
      for (const w of waiters) w.resolve()
      resolve()
    }),
  )
  const until = (word: string, ms: number) =>
    new Promise<void>((resolve, reject) => {
      if (out.includes(word)) return resolve()
      const timer = setTimeout(() => reject(new Error(`streams app: no ${word} after ${ms} ms:\n${out}`)), ms)
      waiters.push({
        word,
        resolve: () => {
          clearTimeout(timer)
          if (out.includes(word)) resolve()
          else reject(new Error(`streams app exited before ${word}:\n${out}`))
        },
      })
    })
  const stop = async () => {
    if (exited) return
    child.stdin!.write('stop\n')
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
    await exit
    clearTimeout(timer)
  }
  try {
    await until('RUNNING', opts.timeoutMs ?? 90_000)
  } catch (error) {
    child.kill('SIGKILL')
    throw error
  }
  return {
    async pause() {
      child.stdin!.write('pause\n')
      await until('PAUSED', 10_000)
    },
    stop,
    output: () => out,
  }
}
