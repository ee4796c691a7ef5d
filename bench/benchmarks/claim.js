// Row 4: `cg claim STREAM GROUP --idle 0 --to other` over 100,000 idle entries against a raw XAUTOCLAIM
// loop (COUNT 1000, JUSTID). The PEL is seeded anew before every run, so each run claims all of it.
import {BASELINES_DIR, PREFIX, QUICK, REDIS_URL, scale} from '../lib/config.js'
import {cleanup, pendingOf, seedPel} from '../lib/redis.js'
import {cg, node} from '../lib/proc.js'
import {pair, PROCESS_METHOD} from '../lib/pair.js'
import {row} from '../lib/report.js'

export const name = 'claim'
const KEYS = 'claim:'
const ENTRIES = scale(100_000)
const REPS = Number(process.env.BENCH_CLAIM_REPS ?? (QUICK ? 3 : 5))

export async function run({r, log}) {
  await cleanup(r, KEYS)
  try {
    let n = 0
    const m = await pair({
      reps: REPS,
      prepare: async (side) => {
        const stream = `${PREFIX}${KEYS}${side}-${n++}`
        await seedPel(r, stream, 'workers', ENTRIES, 'worker-1')
        return stream
      },
      cg: (stream) => cg(['claim', stream, 'workers', '--idle', '0', '--to', 'other', '--json', '--url', REDIS_URL]),
      baseline: (stream) => node([BASELINES_DIR + 'claim-raw.js', REDIS_URL, stream, 'workers', 'other']),
      verify: async (side, stream) => {
        const p = await pendingOf(r, stream, 'workers')
        if (p.consumers.other !== ENTRIES)
          throw new Error(`${side}: 'other' holds ${p.consumers.other ?? 0} entries after the claim, expected ${ENTRIES} (${JSON.stringify(p.consumers)})`)
        await r.unlink(stream)
      },
      log,
    })
    return [
      row({
        name: 'claim-100k',
        benchmark: name,
        kind: 'time',
        cg: m.cgMs,
        baseline: m.baselineMs,
        unit: 'ms',
        target: 1.2,
        command: `cg claim STREAM workers --idle 0 --to other --json --url ${REDIS_URL} > /dev/null`,
        baselineCommand: 'node bench/baselines/claim-raw.js URL STREAM GROUP other (XAUTOCLAIM min-idle 0 COUNT 1000 JUSTID until cursor 0-0)',
        method:
          PROCESS_METHOD +
          ` of ${REPS}; a fresh ${ENTRIES}-entry PEL (one consumer) is seeded before every run and checked afterwards (all entries owned by "other")`,
        iterations: REPS,
        size: {idleEntries: ENTRIES},
        peakRssMb: {cg: m.cgRssMb, baseline: m.baselineRssMb},
        samples: m.samples,
      }),
    ]
  } finally {
    await cleanup(r, KEYS)
  }
}
