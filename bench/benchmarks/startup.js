// Row 1: process startup. `cg --version`, `cg --help` and `cg groups` (a few streams) against `node -e 0`,
// interleaved, median of RUNS each (the spec's targets are on `cg groups` and `cg --help`; `--version` is a
// shortcut in bin/run.js, reported for comparison). Informational: the other brokers' CLIs named by the spec (`rabbitmqadmin list queues`,
// `kafka-consumer-groups.sh --list` from the Maven jars), beside `cg groups` on Redis and on their own broker.
import {chmodSync, existsSync, mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {BASELINES_DIR, PREFIX, QUICK, REDIS_URL, ROOT} from '../lib/config.js'
import {addEntries, cleanup} from '../lib/redis.js'
import {cg, node, run, which} from '../lib/proc.js'
import {consumerGroupsTool, KAFKA_BOOTSTRAP, KAFKA_TOOLS_VERSION, KAFKA_URL, listAllGroups} from '../lib/kafka.js'
import {row} from '../lib/report.js'
import {median, spread} from '../lib/stats.js'

export const name = 'startup'
const KEYS = 'startup:'
const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? (QUICK ? 10 : 20))
const WARMUP = 2
const RABBITMQ_URL = process.env.BENCH_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672'
const RABBITMQ_MGMT = process.env.BENCH_RABBITMQ_MANAGEMENT ?? 'http://127.0.0.1:15672'

/**
 * rabbitmqadmin: the one on PATH, else the copy the management plugin serves at /cli/rabbitmqadmin (fetched
 * once into .brokers/, run with python3), else null with the reason.
 */
async function rabbitmqadmin() {
  const onPath = which('rabbitmqadmin')
  if (onPath) return {argv: [onPath], source: onPath}
  const python = which('python3')
  if (!python) return {argv: null, reason: 'rabbitmqadmin is not on PATH and python3 is missing'}
  const file = join(ROOT, '.brokers', 'rabbitmqadmin')
  if (!existsSync(file)) {
    try {
      const res = await fetch(`${RABBITMQ_MGMT}/cli/rabbitmqadmin`, {signal: AbortSignal.timeout(10_000)})
      if (!res.ok) return {argv: null, reason: `rabbitmqadmin is not on PATH; ${RABBITMQ_MGMT}/cli/rabbitmqadmin answered ${res.status}`}
      mkdirSync(join(ROOT, '.brokers'), {recursive: true})
      writeFileSync(file, await res.text())
      chmodSync(file, 0o755)
    } catch (error) {
      return {argv: null, reason: `rabbitmqadmin is not on PATH; fetching ${RABBITMQ_MGMT}/cli/rabbitmqadmin failed: ${error.message}`}
    }
  }
  return {argv: [python, file], source: `${RABBITMQ_MGMT}/cli/rabbitmqadmin (saved as .brokers/rabbitmqadmin)`}
}

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
      {key: 'help', argv: cg(['--help'])},
      {key: 'groups', argv: cg(['groups', '--url', REDIS_URL])},
      // the same listing with the bare client: the floor any Node tool on ioredis starts from
      {key: 'raw', argv: node([BASELINES_DIR + 'groups-raw.js', REDIS_URL])},
    ]
    const info = []
    const mgmt = new URL(RABBITMQ_MGMT)
    const rabbit = await rabbitmqadmin()
    const rabbitArgs = ['-H', mgmt.hostname, '-P', mgmt.port || '15672', 'list', 'queues']
    if (rabbit.argv) {
      cases.push({key: 'rabbitmqadmin', argv: [...rabbit.argv, ...rabbitArgs], allowFail: true})
      cases.push({key: 'groupsRabbit', argv: cg(['groups', '--url', RABBITMQ_URL]), allowFail: true})
    } else {
      info.push(
        row({
          name: 'startup-vs-rabbitmqadmin',
          benchmark: name,
          kind: 'info',
          cg: null,
          baseline: 'not installed',
          unit: 'ms',
          note: `baseline \`rabbitmqadmin list queues\`: ${rabbit.reason}`,
        }),
      )
    }
    // kafka-consumer-groups.sh: the script on PATH if there is one, else its class from the Maven jars (a JVM either way)
    const kafkaScript = which('kafka-consumer-groups.sh') ?? which('kafka-consumer-groups')
    const kafkaArgv = kafkaScript ? [kafkaScript, '--bootstrap-server', KAFKA_BOOTSTRAP, '--list'] : consumerGroupsTool(['--list'])
    const kafkaSource = kafkaScript ?? `scripts/kafka/kafka-tool.sh ${KAFKA_TOOLS_VERSION} consumer-groups (ConsumerGroupCommand from the Maven jars, JVM)`
    cases.push({key: 'kafka', argv: kafkaArgv, allowFail: true})
    cases.push({key: 'groupsKafka', argv: cg(['groups', '--url', KAFKA_URL]), allowFail: true})
    const kafkaGroups = await listAllGroups().then(
      (m) => m.size,
      () => null,
    )

    const times = Object.fromEntries(cases.map((c) => [c.key, []]))
    const codes = Object.fromEntries(cases.map((c) => [c.key, new Set()]))
    const lastErr = {}
    for (let i = -WARMUP; i < RUNS; i++) {
      // rotate the order each round so no command always runs right after the same one
      for (let k = 0; k < cases.length; k++) {
        const c = cases[(k + i + WARMUP) % cases.length]
        const res = await run(c.argv, {allowFail: c.allowFail, timeoutMs: 60_000})
        if (res.code !== 0) lastErr[c.key] = res.stderr.trim().split('\n').slice(-3).join(' / ').slice(0, 300)
        if (i < 0) continue
        times[c.key].push(res.ms)
        codes[c.key].add(res.code)
      }
    }
    const base = median(times.node)
    const method = `wall time of the whole process (spawned from node, stdout to /dev/null), median of ${RUNS} runs each after ${WARMUP} warm-up rounds, the commands interleaved in a rotating order`
    const rows = [
      row({
        name: 'startup-version',
        benchmark: name,
        kind: 'time',
        cg: median(times.version),
        baseline: base,
        unit: 'ms',
        target: 2,
        command: 'cg --version',
        baselineCommand: 'node -e 0',
        method,
        iterations: RUNS,
        samples: {cg: spread(times.version), baseline: spread(times.node)},
      }),
      row({
        name: 'startup-help',
        benchmark: name,
        kind: 'time',
        cg: median(times.help),
        baseline: base,
        unit: 'ms',
        target: 2,
        command: 'cg --help',
        baselineCommand: 'node -e 0',
        method,
        iterations: RUNS,
        samples: {cg: spread(times.help), baseline: spread(times.node)},
      }),
      row({
        name: 'startup-groups',
        benchmark: name,
        kind: 'time',
        cg: median(times.groups),
        baseline: base,
        unit: 'ms',
        target: 2,
        command: `cg groups --url ${REDIS_URL} (3 streams x 2 groups)`,
        baselineCommand: 'node -e 0',
        method,
        iterations: RUNS,
        samples: {cg: spread(times.groups), baseline: spread(times.node)},
      }),
    ]
    rows.push(
      row({
        name: 'startup-groups-vs-raw-ioredis',
        benchmark: name,
        kind: 'info',
        cg: median(times.groups),
        baseline: median(times.raw),
        unit: 'ms',
        command: `cg groups --url ${REDIS_URL}`,
        baselineCommand: 'node bench/baselines/groups-raw.js URL (ioredis: connect, SCAN, XINFO GROUPS, JSON out)',
        method,
        iterations: RUNS,
        note: 'informational, no target: how much of cg groups is the Redis client itself',
        samples: {cg: spread(times.groups), baseline: spread(times.raw)},
      }),
    )
    // The other brokers' CLIs are baselines too (informational): cg groups on Redis against them, and cg groups
    // on their own broker against them (the same question asked of the same broker).
    const ok = (key) => codes[key] && codes[key].size === 1 && codes[key].has(0)
    const exitNote = (key) => (ok(key) ? '' : ` (${key}: exit codes ${[...codes[key]].join(',')}${lastErr[key] ? `: ${lastErr[key]}` : ''})`)
    const rabbitCmd = `rabbitmqadmin ${rabbitArgs.join(' ')}`
    const kafkaCmd = `kafka-consumer-groups.sh --bootstrap-server ${KAFKA_BOOTSTRAP} --list`
    for (const [key, rowName, cmd, source] of [
      ['rabbitmqadmin', 'startup-vs-rabbitmqadmin', rabbitCmd, rabbit.source],
      ['kafka', 'startup-vs-kafka-consumer-groups', kafkaCmd, kafkaSource],
    ]) {
      if (!times[key]) continue
      rows.push(
        row({
          name: rowName,
          benchmark: name,
          kind: 'info',
          cg: median(times.groups),
          baseline: median(times[key]),
          unit: 'ms',
          command: `cg groups --url ${REDIS_URL}`,
          baselineCommand: cmd,
          baselineSource: source,
          method,
          iterations: RUNS,
          exitCodes: [...codes[key]],
          note: `informational, no target; baseline = ${cmd}` + exitNote(key),
          samples: {cg: spread(times.groups), baseline: spread(times[key])},
        }),
      )
    }
    for (const [key, base, rowName, cgCmd, cmd, source, extra] of [
      ['groupsRabbit', 'rabbitmqadmin', 'startup-rabbitmq-groups-vs-rabbitmqadmin', `cg groups --url ${RABBITMQ_URL}`, rabbitCmd, rabbit.source, {}],
      [
        'groupsKafka',
        'kafka',
        'startup-kafka-groups-vs-kafka-consumer-groups',
        `cg groups --url ${KAFKA_URL}`,
        kafkaCmd,
        kafkaSource,
        {groupsOnBroker: kafkaGroups},
      ],
    ]) {
      if (!times[key]) continue
      const cgOk = ok(key)
      rows.push(
        row({
          name: rowName,
          benchmark: name,
          kind: 'info',
          cg: cgOk ? median(times[key]) : null,
          baseline: median(times[base]),
          unit: 'ms',
          command: cgCmd,
          baselineCommand: cmd,
          baselineSource: source,
          method,
          iterations: RUNS,
          exitCodes: {cg: [...codes[key]], baseline: [...codes[base]]},
          ...extra,
          note:
            `informational, no target; the same broker on both sides` +
            (key === 'groupsKafka'
              ? ` (${kafkaGroups ?? '?'} groups on it; cg groups also fetches every group's lag, --list only names them)`
              : ' (cg groups: queues with consumers; rabbitmqadmin: every queue)') +
            (cgOk ? '' : `; cg failed, so no cg figure`) +
            exitNote(key) +
            exitNote(base),
          samples: {cg: spread(times[key]), baseline: spread(times[base])},
        }),
      )
    }
    return [...rows, ...info]
  } finally {
    await cleanup(r, KEYS)
  }
}
export {run_ as run}
