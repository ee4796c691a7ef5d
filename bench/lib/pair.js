// Runs cg and its baseline side by side: `reps` rounds, alternating which goes first, each run on
// freshly prepared state when `prepare` is given, each checked by `verify` when given.
import {run} from './proc.js'
import {median, spread} from './stats.js'

export async function pair({reps, cg, baseline, prepare, verify, measureRss = true, log}) {
  const out = {cg: [], baseline: []}
  for (let rep = 0; rep < reps; rep++) {
    const order = rep % 2 ? ['baseline', 'cg'] : ['cg', 'baseline']
    for (const side of order) {
      const state = prepare ? await prepare(side, rep) : undefined
      const argv = side === 'cg' ? cg(state) : baseline(state)
      const res = await run(argv, {measureRss})
      if (verify) await verify(side, state, res)
      out[side].push(res)
      log?.(`  ${side.padEnd(8)} run ${rep + 1}/${reps}: ${Math.round(res.ms)} ms` + (res.rssKb ? `, peak RSS ${Math.round(res.rssKb / 1024)} MB` : ''))
    }
  }
  const ms = (s) => out[s].map((x) => x.ms)
  const rss = (s) => out[s].map((x) => x.rssKb / 1024)
  return {
    cgMs: median(ms('cg')),
    baselineMs: median(ms('baseline')),
    cgRssMb: measureRss ? Math.max(...rss('cg')) : null,
    baselineRssMb: measureRss ? Math.max(...rss('baseline')) : null,
    samples: {
      cgMs: spread(ms('cg')),
      baselineMs: spread(ms('baseline')),
      ...(measureRss ? {cgRssMb: spread(rss('cg')), baselineRssMb: spread(rss('baseline'))} : {}),
    },
  }
}

export const PROCESS_METHOD =
  'wall time of the whole process, node startup included on both sides (cg via bin/run.js, the baseline as its own node script with ioredis), stdout to /dev/null; runs alternate which side goes first; median'
