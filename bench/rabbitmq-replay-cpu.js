// Where a RabbitMQ replay's CPU goes: seeds a DLQ as the rabbitmq-dlq row does, runs one side (cg's replay,
// the management "Move messages" shovel, or the bare amqplib loop) and prints its wall time, its process's
// CPU (user + sys, GNU time) and the broker's (beam.smp, from /proc) over the same interval. Not a bench row:
// a probe for docs/benchmarks.md ("RabbitMQ dead-letter replay").
// usage: node bench/rabbitmq-replay-cpu.js [cg|shovel|raw ...]   (default: cg shovel cg shovel)
import {execFileSync, spawnSync} from 'node:child_process'
import {readFileSync} from 'node:fs'
import amqp from 'amqplib'
import {AMQP_URL, drop, replaySide, seed} from './benchmarks/rabbitmq-dlq.js'
import {cleanEnv} from './lib/proc.js'

const N = Number(process.env.N ?? 100_000)
const sides = process.argv.slice(2).length ? process.argv.slice(2) : ['cg', 'shovel', 'cg', 'shovel']

const beam = execFileSync('pgrep', ['-f', 'beam.smp'], {encoding: 'utf8'}).trim().split('\n')[0]
const ticks = Number(execFileSync('getconf', ['CLK_TCK'], {encoding: 'utf8'}))
/** beam.smp's CPU so far, ms */
const beamMs = () => {
  const f = readFileSync(`/proc/${beam}/stat`, 'utf8').split(') ')[1].split(' ')
  return ((Number(f[11]) + Number(f[12])) * 1000) / ticks
}
const conn = await amqp.connect(AMQP_URL)
const ch = await conn.createChannel()
try {
  for (const [i, side] of sides.entries()) {
    const s = await seed(conn, ch, `cpu${process.pid}-${i}`, N, [])
    const b0 = beamMs()
    const t0 = performance.now()
    const r = spawnSync('/usr/bin/time', ['-f', '%U %S', process.execPath, ...replaySide(side, s, N)], {
      env: cleanEnv(),
      cwd: '/tmp',
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    const wall = performance.now() - t0
    const broker = beamMs() - b0
    const [user, sys] = r.stderr.toString().trim().split('\n').at(-1).split(' ').map(Number)
    const [dlq, target] = [(await ch.checkQueue(s.dlq)).messageCount, (await ch.checkQueue(s.target)).messageCount]
    console.log(
      `${side.padEnd(6)} wall ${(wall / 1000).toFixed(2)} s, its CPU ${(user + sys).toFixed(2)} s, broker CPU ${(broker / 1000).toFixed(2)} s` +
        (dlq === 0 && target === N ? '' : ` (exit ${r.status}; DLQ ${dlq}, target ${target})`),
    )
    await drop(ch, s)
  }
} finally {
  await conn.close()
}
