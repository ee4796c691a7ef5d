// Kafka lag: `cg lag --json` over 200 groups x 50 partitions against Apache Kafka's own
// `kafka-consumer-groups.sh --describe --all-groups` (ConsumerGroupCommand, a JVM, from the Maven jars via
// scripts/kafka/kafka-tool.sh), both against the same local broker in the same run. Target: <= 0.2x its wall time.
// Before timing, one untimed run of each (also the warm-up) checks that both report the same total lag.
import {readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {QUICK} from '../lib/config.js'
import {cg, HAS_GNU_TIME, run} from '../lib/proc.js'
import {pair} from '../lib/pair.js'
import {row} from '../lib/report.js'
import {median, round, spread} from '../lib/stats.js'
import {
  cgLagByGroup,
  consumerGroupsTool,
  KAFKA_BOOTSTRAP,
  KAFKA_TOOLS_VERSION,
  KAFKA_URL,
  LAG_PREFIX,
  listAllGroups,
  parseDescribe,
  seedLag,
} from '../lib/kafka.js'

export const name = 'kafka-lag'
const GROUPS = Number(process.env.BENCH_KAFKA_LAG_GROUPS ?? (QUICK ? 20 : 200))
const PARTITIONS = 50
const REPS = Number(process.env.BENCH_KAFKA_LAG_REPS ?? (QUICK ? 3 : 5))
/** one name in quick mode too (as the other rows); size and environment.quick say what ran */
const ROW = 'kafka-lag-200x50'

const cgArgv = () => cg(['lag', '--url', KAFKA_URL, '--json'])
const javaArgv = () => consumerGroupsTool(['--describe', '--all-groups'])
const COMMAND = `cg lag --url ${KAFKA_URL} --json > /dev/null`
const BASELINE_COMMAND = `kafka-consumer-groups.sh --bootstrap-server ${KAFKA_BOOTSTRAP} --describe --all-groups > /dev/null (org.apache.kafka.tools.consumer.group.ConsumerGroupCommand ${KAFKA_TOOLS_VERSION} from the Maven jars, via scripts/kafka/kafka-tool.sh: java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1, which starts faster than the stock script's G1 settings)`

const sum = (xs) => xs.reduce((s, x) => s + x, 0)

/** Runs both once with stdout captured and compares the lag of the seeded groups (not timed; also the warm-up). */
async function check(seed, log) {
  const out = {
    expectedTotalLag: seed.expectedTotalLag,
    javaTotalLag: null,
    cgTotalLag: null,
    javaRows: null,
    groupsDiffering: null,
    equal: false,
    cgError: null,
  }
  const java = await run(javaArgv(), {stdout: 'pipe', label: 'kafka-consumer-groups.sh --describe --all-groups'})
  const rows = parseDescribe(java.stdout).filter((r) => r.group.startsWith(LAG_PREFIX))
  out.javaRows = rows.length
  out.javaTotalLag = sum(rows.map((r) => r.lag ?? 0))
  const javaByGroup = new Map()
  for (const r of rows) javaByGroup.set(r.group, (javaByGroup.get(r.group) ?? 0) + (r.lag ?? 0))
  try {
    const res = await run(cgArgv(), {stdout: 'pipe', allowFail: true})
    let doc = null
    try {
      doc = JSON.parse(res.stdout)
    } catch (error) {
      if (res.code === 0) throw new Error(`cg lag --json printed no JSON document: ${error.message}`)
    }
    // --json errors are a JSON document on stdout: {"error": {"code", "message"}}
    if (res.code !== 0) throw new Error(`exit ${res.code}: ${doc?.error?.message ?? res.stderr.trim()}`)
    const byGroup = cgLagByGroup(doc)
    const ours = [...byGroup].filter(([g]) => g.startsWith(LAG_PREFIX))
    out.cgTotalLag = sum(ours.map(([, l]) => l))
    out.groupsDiffering = [...new Set([...javaByGroup.keys(), ...ours.map(([g]) => g)])].filter((g) => javaByGroup.get(g) !== byGroup.get(g)).length
    out.equal = out.cgTotalLag === out.javaTotalLag && out.groupsDiffering === 0
  } catch (error) {
    out.cgError = String(error?.message ?? error)
      .split('\n')
      .slice(0, 3)
      .join(' / ')
  }
  log(
    `  check (untimed): total lag of the ${seed.groups.length} ${LAG_PREFIX}* groups: expected ${out.expectedTotalLag}, kafka-consumer-groups.sh ${out.javaTotalLag} (${out.javaRows} partition rows), cg ${out.cgTotalLag ?? 'failed: ' + out.cgError}; ${out.equal ? 'equal' : 'NOT equal'}`,
  )
  return out
}

export async function run_({log}) {
  const seed = await seedLag({groups: GROUPS, partitions: PARTITIONS, log})
  const all = await listAllGroups()
  const others = [...all.keys()].filter((g) => !g.startsWith(LAG_PREFIX)).length
  if (others) log(`  the broker also holds ${others} other groups (both tools list every group; they are part of both runs)`)
  const lagCheck = await check(seed, log)
  const size = {
    groups: GROUPS,
    partitionsPerGroup: PARTITIONS,
    topic: seed.topic,
    recordsPerPartition: seed.logEndOffsets[0],
    otherGroupsOnBroker: others,
    groupsOnBroker: all.size,
  }
  const seeding = {
    reused: seed.reused,
    topicCreated: seed.topicCreated,
    recordsProduced: seed.recordsProduced,
    groupsCommitted: seed.groupsCommitted,
    extraGroupsDeleted: seed.extraGroupsDeleted,
    ms: seed.seedMs,
  }
  const method = `wall time of the whole process, JVM and node startup included, stdout to /dev/null; one untimed run of each first (the lag check, also the warm-up); then ${REPS} rounds alternating which side goes first; median`
  const common = {
    benchmark: name,
    unit: 'ms',
    target: 0.2,
    command: COMMAND,
    baselineCommand: BASELINE_COMMAND,
    iterations: REPS,
    size,
    seeding,
    lagCheck,
    broker: KAFKA_URL,
  }

  if (lagCheck.cgError) {
    // cg cannot run yet: still time the baseline, so the row says what cg has to beat
    const times = []
    for (let i = 0; i < REPS; i++) times.push((await run(javaArgv(), {measureRss: true})).ms)
    times.sort((a, b) => a - b)
    const med = times[times.length >> 1]
    log(`  cg lag failed, baseline alone: median ${Math.round(med)} ms`)
    return [
      row({
        name: ROW,
        kind: 'time',
        cg: null,
        baseline: med,
        ...common,
        method: `baseline alone (cg failed): ${method}`,
        error: `cg lag failed: ${lagCheck.cgError}`,
        note: `cg lag failed; the baseline took ${Math.round(med)} ms (target for cg: <= ${Math.round(med * 0.2)} ms)`,
      }),
    ]
  }

  // CPU time (user + sys, the process and its children) beside the wall time: on a busy machine wall times
  // grow with the load, CPU times much less, so the result also says what each side costs.
  const cpu = {cg: [], baseline: []}
  const cpuFile = (side) => join(tmpdir(), `cgbench-cpu-${process.pid}-${side}`)
  const withCpu = (side, argv) => (HAS_GNU_TIME ? ['/usr/bin/time', '-f', '%U %S', '-o', cpuFile(side), ...argv] : argv)
  const m = await pair({
    reps: REPS,
    cg: () => withCpu('cg', cgArgv()),
    baseline: () => withCpu('baseline', javaArgv()),
    verify: async (side) => {
      if (!HAS_GNU_TIME) return
      const [u, sys] = readFileSync(cpuFile(side), 'utf8').trim().split('\n').pop().split(/\s+/).map(Number)
      rmSync(cpuFile(side), {force: true})
      cpu[side].push((u + sys) * 1000)
    },
    log,
  })
  const cpuMs = HAS_GNU_TIME
    ? {
        cg: median(cpu.cg),
        baseline: median(cpu.baseline),
        ratio: round(median(cpu.cg) / median(cpu.baseline), 2),
        samples: {cg: spread(cpu.cg), baseline: spread(cpu.baseline)},
        method: '/usr/bin/time -f "%U %S" (user + sys seconds of the process and its children), median',
      }
    : null
  if (cpuMs) log(`  CPU time (user + sys), median: cg ${Math.round(cpuMs.cg)} ms, kafka-consumer-groups.sh ${Math.round(cpuMs.baseline)} ms (${cpuMs.ratio}x)`)
  return [
    row({
      name: ROW,
      kind: 'time',
      cg: m.cgMs,
      baseline: m.baselineMs,
      ...common,
      method,
      peakRssMb: {cg: m.cgRssMb, baseline: m.baselineRssMb},
      samples: m.samples,
      cpuMs,
      note: `same total lag: ${lagCheck.equal ? 'yes' : 'NO'} (cg ${lagCheck.cgTotalLag}, kafka-consumer-groups.sh ${lagCheck.javaTotalLag}, expected ${lagCheck.expectedTotalLag})`,
    }),
  ]
}
export {run_ as run}
