// Row 2: `cg groups --json` over 10,000 streams x 2 groups against a raw SCAN + pipelined XINFO GROUPS loop.
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
    return [
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
  } finally {
    await cleanup(r, KEYS)
  }
}
