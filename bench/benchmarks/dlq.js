// Row 5: `cg dlq move` and `cg dlq replay` of 100,000 entries against raw pipelined loops without
// atomicity. Each run moves a freshly seeded 100,000-entry PEL to its own DLQ; the replays then put
// those DLQs back (cg replays what cg moved, the raw loop what the raw loop moved).
import {BASELINES_DIR, PREFIX, QUICK, REDIS_URL, scale} from '../lib/config.js'
import {cleanup, pendingOf, seedPel} from '../lib/redis.js'
import {cg, node} from '../lib/proc.js'
import {pair, PROCESS_METHOD} from '../lib/pair.js'
import {row} from '../lib/report.js'

export const name = 'dlq'
const KEYS = 'dlq:'
const ENTRIES = scale(100_000)
const REPS = Number(process.env.BENCH_DLQ_REPS ?? (QUICK ? 3 : 5))
const TARGET = 0.7

export async function run({r, log}) {
  await cleanup(r, KEYS)
  try {
    const moved = {cg: [], baseline: []}
    let n = 0
    log('  move:')
    const mv = await pair({
      reps: REPS,
      prepare: async (side) => {
        // stream and DLQ share a hash tag, as they would in a cluster where cg moves atomically
        const tag = `${PREFIX}${KEYS}{${side}-${n++}}`
        const state = {stream: `${tag}:orders`, dlq: `${tag}:orders:dlq`}
        await seedPel(r, state.stream, 'workers', ENTRIES, 'worker-1')
        return state
      },
      cg: (s) => cg(['dlq', 'move', s.stream, 'workers', '--min-idle', '0', '--dlq', s.dlq, '--json', '--url', REDIS_URL]),
      baseline: (s) => node([BASELINES_DIR + 'dlq-move-raw.js', REDIS_URL, s.stream, 'workers', s.dlq]),
      verify: async (side, s) => {
        const [len, p] = [await r.xlen(s.dlq), await pendingOf(r, s.stream, 'workers')]
        if (len !== ENTRIES || p.count !== 0) throw new Error(`${side} move: DLQ holds ${len} entries and the PEL ${p.count}, expected ${ENTRIES} and 0`)
        moved[side].push(s)
      },
      log,
    })
    log('  replay:')
    const rp = await pair({
      reps: REPS,
      prepare: async (side) => moved[side].shift(),
      cg: (s) => cg(['dlq', 'replay', s.stream, '--dlq', s.dlq, '--json', '--url', REDIS_URL]),
      baseline: (s) => node([BASELINES_DIR + 'dlq-replay-raw.js', REDIS_URL, s.stream, s.dlq]),
      verify: async (side, s) => {
        const [dlqLen, len] = [await r.xlen(s.dlq), await r.xlen(s.stream)]
        if (dlqLen !== 0 || len !== 2 * ENTRIES)
          throw new Error(`${side} replay: DLQ holds ${dlqLen} entries and the stream ${len}, expected 0 and ${2 * ENTRIES}`)
        await r.unlink(s.stream, s.dlq)
      },
      log,
    })
    const perSec = (ms) => (ENTRIES * 1000) / ms
    const common = {
      benchmark: name,
      kind: 'throughput',
      unit: 'entries/s',
      target: TARGET,
      iterations: REPS,
      size: {entries: ENTRIES, batch: 500},
      method:
        PROCESS_METHOD +
        ` of ${REPS}; throughput = entries / median wall time; ratio = cg throughput / baseline throughput (>= ${TARGET} means a time ratio <= ${Math.round(100 / TARGET) / 100})`,
    }
    return [
      row({
        ...common,
        name: 'dlq-move-100k',
        cg: perSec(mv.cgMs),
        baseline: perSec(mv.baselineMs),
        timeMs: {cg: mv.cgMs, baseline: mv.baselineMs},
        command: `cg dlq move STREAM workers --min-idle 0 --dlq DLQ --json --url ${REDIS_URL} > /dev/null`,
        baselineCommand:
          'node bench/baselines/dlq-move-raw.js URL STREAM GROUP DLQ (XRANGE batches of 500, one pipeline per batch: XADD to the DLQ with provenance fields + one XACK; no atomicity)',
        peakRssMb: {cg: mv.cgRssMb, baseline: mv.baselineRssMb},
        samples: mv.samples,
      }),
      row({
        ...common,
        name: 'dlq-replay-100k',
        cg: perSec(rp.cgMs),
        baseline: perSec(rp.baselineMs),
        timeMs: {cg: rp.cgMs, baseline: rp.baselineMs},
        command: `cg dlq replay STREAM --dlq DLQ --json --url ${REDIS_URL} > /dev/null`,
        baselineCommand:
          'node bench/baselines/dlq-replay-raw.js URL STREAM DLQ (XRANGE the DLQ in batches of 500, one pipeline per batch: XADD the original fields to the stream + one XDEL; no atomicity)',
        peakRssMb: {cg: rp.cgRssMb, baseline: rp.baselineRssMb},
        samples: rp.samples,
      }),
    ]
  } finally {
    await cleanup(r, KEYS)
  }
}
