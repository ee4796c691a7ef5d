// Row 3: `cg pending STREAM GROUP --all --json` over a 1,000,000-entry PEL against a raw XPENDING page
// loop; also cg's peak RSS (< 200 MB).
import {BASELINES_DIR, PREFIX, QUICK, REDIS_URL, scale} from '../lib/config.js'
import {cleanup, seedPel} from '../lib/redis.js'
import {cg, node, RSS_METHOD} from '../lib/proc.js'
import {pair, PROCESS_METHOD} from '../lib/pair.js'
import {row} from '../lib/report.js'

export const name = 'pending'
const KEYS = 'pending:'
const ENTRIES = scale(1_000_000)
const REPS = Number(process.env.BENCH_PENDING_REPS ?? (QUICK ? 3 : 5))

export async function run({r, log}) {
  await cleanup(r, KEYS)
  const stream = `${PREFIX}${KEYS}orders`
  try {
    const t0 = Date.now()
    await seedPel(r, stream, 'workers', ENTRIES, 'worker-1')
    log(`  seeded a PEL of ${ENTRIES} entries in ${Date.now() - t0} ms`)
    const m = await pair({
      reps: REPS,
      cg: () => cg(['pending', stream, 'workers', '--all', '--json', '--url', REDIS_URL]),
      baseline: () => node([BASELINES_DIR + 'pending-raw.js', REDIS_URL, stream, 'workers']),
      log,
    })
    const common = {
      benchmark: name,
      method: PROCESS_METHOD + ` of ${REPS}`,
      iterations: REPS,
      size: {pendingEntries: ENTRIES, pageSize: 5000},
      samples: m.samples,
    }
    return [
      row({
        ...common,
        name: 'pending-1m-pel',
        kind: 'time',
        cg: m.cgMs,
        baseline: m.baselineMs,
        unit: 'ms',
        target: 1.3,
        command: `cg pending ${stream} workers --all --json > /dev/null`,
        baselineCommand:
          'node bench/baselines/pending-raw.js URL STREAM GROUP > /dev/null (XPENDING pages of 5000 from "(lastid", JSON.stringify per entry, 64 KB buffered writes)',
        peakRssMb: {cg: m.cgRssMb, baseline: m.baselineRssMb},
      }),
      row({
        ...common,
        name: 'pending-1m-pel-rss',
        kind: 'max',
        cg: m.cgRssMb,
        baseline: m.baselineRssMb,
        unit: 'MB',
        target: 200,
        command: `cg pending ${stream} workers --all --json > /dev/null`,
        baselineCommand: 'the raw XPENDING loop above (its RSS for comparison only)',
        note: `peak RSS, the largest of the ${REPS} runs, measured with ${RSS_METHOD}; the target is absolute (< 200 MB), the ratio is informational`,
      }),
    ]
  } finally {
    await cleanup(r, KEYS)
  }
}
