// `cg groups --json`, `cg metrics` and `cg check` over 10,000 streams x 2 groups, each against a raw SCAN +
// pipelined XINFO GROUPS loop (the least any of them must read), measured side by side in the same run.
import {BASELINES_DIR, PREFIX, QUICK, REDIS_URL, scale} from '../lib/config.js'
import {cleanup} from '../lib/redis.js'
import {cg, node} from '../lib/proc.js'
import {pair, PROCESS_METHOD} from '../lib/pair.js'
import {row} from '../lib/report.js'

export const name = 'groups'
const KEYS = 'groups:'
const STREAMS = scale(10_000)
const REPS = Number(process.env.BENCH_GROUPS_REPS ?? (QUICK ? 3 : 7))

export async function run({r, log}) {
  await cleanup(r, KEYS)
  try {
    for (let i = 0; i < STREAMS; i += 1000) {
      const p = r.pipeline()
      for (let j = i; j < Math.min(STREAMS, i + 1000); j++) {
        const s = `${PREFIX}${KEYS}s${j}`
        p.xadd(s, '*', 'n', String(j))
        p.xgroup('CREATE', s, 'g1', '0')
        p.xgroup('CREATE', s, 'g2', '$')
      }
      const res = await p.exec()
      const bad = res.find(([e]) => e)
      if (bad) throw bad[0]
    }
    // Both sides list every stream of the database; count them so the result says what was listed.
    let streams = 0
    let cursor = '0'
    do {
      const [next, keys] = await r.scan(cursor, 'COUNT', 1000, 'TYPE', 'stream')
      cursor = next
      streams += keys.length
    } while (cursor !== '0')
    log(`  seeded ${STREAMS} streams x 2 groups (${streams} streams in the database)`)

    const m = await pair({
      reps: REPS,
      cg: () => cg(['groups', '--json', '--url', REDIS_URL]),
      baseline: () => node([BASELINES_DIR + 'groups-raw.js', REDIS_URL]),
      log,
    })
    const rows = [
      row({
        name: 'groups-10k-streams',
        benchmark: name,
        kind: 'time',
        cg: m.cgMs,
        baseline: m.baselineMs,
        unit: 'ms',
        target: 1.3,
        command: `cg groups --json --url ${REDIS_URL} > /dev/null`,
        baselineCommand:
          'node bench/baselines/groups-raw.js URL > /dev/null (SCAN TYPE stream COUNT 1000 + one pipeline of XINFO GROUPS per batch, rows written as JSON)',
        method: PROCESS_METHOD + ` of ${REPS}`,
        iterations: REPS,
        size: {streams: STREAMS, groupsPerStream: 2, streamsInDatabase: streams},
        peakRssMb: {cg: m.cgRssMb, baseline: m.baselineRssMb},
        samples: m.samples,
      }),
    ]
    // the status read behind cg metrics and cg check: lag, time behind, pending, dead letters of every group
    for (const [label, argv] of [
      ['metrics', ['metrics']],
      ['check', ['check', '--lag', '1000,10000', '--time-lag', '1h,1d']],
    ]) {
      const s = await pair({
        reps: REPS,
        cg: () => cg([...argv, '--url', REDIS_URL]),
        baseline: () => node([BASELINES_DIR + 'groups-raw.js', REDIS_URL]),
        log,
      })
      rows.push(
        row({
          name: `${label}-10k-streams`,
          benchmark: name,
          kind: 'time',
          cg: s.cgMs,
          baseline: s.baselineMs,
          unit: 'ms',
          target: 1.5,
          command: `cg ${argv.join(' ')} --url ${REDIS_URL} > /dev/null`,
          baselineCommand: 'node bench/baselines/groups-raw.js URL > /dev/null (SCAN TYPE stream COUNT 1000 + one pipeline of XINFO GROUPS per batch)',
          method: PROCESS_METHOD + ` of ${REPS}`,
          iterations: REPS,
          size: {streams: STREAMS, groupsPerStream: 2, streamsInDatabase: streams},
          peakRssMb: {cg: s.cgRssMb, baseline: s.baselineRssMb},
          samples: s.samples,
        }),
      )
    }
    return rows
  } finally {
    await cleanup(r, KEYS)
  }
}
