// Row 1: process startup. `cg --version` and `cg groups` (a few streams) against `node -e 0`, interleaved,
// median of RUNS each. Informational: the other brokers' CLIs named by the spec, when installed.
import {BASELINES_DIR, PREFIX, QUICK, REDIS_URL} from '../lib/config.js'
import {addEntries, cleanup} from '../lib/redis.js'
import {cg, node, run, which} from '../lib/proc.js'
import {row} from '../lib/report.js'
import {median, spread} from '../lib/stats.js'

export const name = 'startup'
const KEYS = 'startup:'
const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? (QUICK ? 10 : 20))
const WARMUP = 2

export async function run_(ctx) {
  const {r} = ctx
  await cleanup(r, KEYS)
  try {
    for (let i = 1; i <= 3; i++) {
      const s = `${PREFIX}${KEYS}orders-${i}`
      await addEntries(r, s, 10)
      await r.xgroup('CREATE', s, 'billing', '0')
      await r.xgroup('CREATE', s, 'shipping', '$')
    }

    const cases = [
      {key: 'node', argv: node(['-e', '0'])},
      {key: 'version', argv: cg(['--version'])},
      {key: 'groups', argv: cg(['groups', '--url', REDIS_URL])},
      // the same listing with the bare client: the floor any Node tool on ioredis starts from
      {key: 'raw', argv: node([BASELINES_DIR + 'groups-raw.js', REDIS_URL])},
    ]
    const info = []
    const rabbit = which('rabbitmqadmin')
    if (rabbit) cases.push({key: 'rabbitmqadmin', argv: [rabbit, 'list', 'queues'], allowFail: true})
    else info.push(row({name: 'startup-vs-rabbitmqadmin', benchmark: name, kind: 'info', cg: null, baseline: 'not installed', unit: 'ms', note: 'baseline `rabbitmqadmin list queues`: rabbitmqadmin is not on PATH'}))
    const kafka = which('kafka-consumer-groups.sh') ?? which('kafka-consumer-groups')
    if (kafka) cases.push({key: 'kafka', argv: [kafka, '--bootstrap-server', '127.0.0.1:9092', '--list'], allowFail: true})
    else info.push(row({name: 'startup-vs-kafka-consumer-groups', benchmark: name, kind: 'info', cg: null, baseline: 'not installed', unit: 'ms', note: 'baseline `kafka-consumer-groups.sh --list` (JVM): not on PATH'}))

    const times = Object.fromEntries(cases.map((c) => [c.key, []]))
    const codes = Object.fromEntries(cases.map((c) => [c.key, new Set()]))
    for (let i = -WARMUP; i < RUNS; i++) {
      // rotate the order each round so no command always runs right after the same one
      for (let k = 0; k < cases.length; k++) {
        const c = cases[(k + i + WARMUP) % cases.length]
        const res = await run(c.argv, {allowFail: c.allowFail, timeoutMs: 60_000})
        if (i < 0) continue
        times[c.key].push(res.ms)
        codes[c.key].add(res.code)
      }
    }
    const base = median(times.node)
    const method = `wall time of the whole process (spawned from node, stdout to /dev/null), median of ${RUNS} runs each after ${WARMUP} warm-up rounds, the commands interleaved in a rotating order`
    const rows = [
      row({name: 'startup-version', benchmark: name, kind: 'time', cg: median(times.version), baseline: base, unit: 'ms', target: 2, command: 'cg --version', baselineCommand: 'node -e 0', method, iterations: RUNS, samples: {cg: spread(times.version), baseline: spread(times.node)}}),
      row({name: 'startup-groups', benchmark: name, kind: 'time', cg: median(times.groups), baseline: base, unit: 'ms', target: 2, command: `cg groups --url ${REDIS_URL} (3 streams x 2 groups)`, baselineCommand: 'node -e 0', method, iterations: RUNS, samples: {cg: spread(times.groups), baseline: spread(times.node)}}),
    ]
    rows.push(row({name: 'startup-groups-vs-raw-ioredis', benchmark: name, kind: 'info', cg: median(times.groups), baseline: median(times.raw), unit: 'ms', command: `cg groups --url ${REDIS_URL}`, baselineCommand: 'node bench/baselines/groups-raw.js URL (ioredis: connect, SCAN, XINFO GROUPS, JSON out)', method, iterations: RUNS, note: 'informational, no target: how much of cg groups is the Redis client itself', samples: {cg: spread(times.groups), baseline: spread(times.raw)}}))
    // The other brokers' CLIs are baselines too (informational): cg groups against them.
    for (const [key, rowName, cmd] of [['rabbitmqadmin', 'startup-vs-rabbitmqadmin', 'rabbitmqadmin list queues'], ['kafka', 'startup-vs-kafka-consumer-groups', 'kafka-consumer-groups.sh --bootstrap-server 127.0.0.1:9092 --list']]) {
      if (!times[key]) continue
      const exit = [...codes[key]]
      const ok = exit.length === 1 && exit[0] === 0
      rows.push(row({name: rowName, benchmark: name, kind: 'info', cg: median(times.groups), baseline: median(times[key]), unit: 'ms', command: `cg groups --url ${REDIS_URL}`, baselineCommand: cmd, method, iterations: RUNS, exitCodes: exit, note: `informational, no target; baseline = ${cmd}` + (ok ? '' : ` (exit codes ${exit.join(',')}: its broker may not be running)`), samples: {cg: spread(times.groups), baseline: spread(times[key])}}))
    }
    return [...rows, ...info]
  } finally {
    await cleanup(r, KEYS)
  }
}
export {run_ as run}
