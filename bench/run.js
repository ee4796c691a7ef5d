#!/usr/bin/env node
// cg benchmarks: each runs cg side by side with its baseline in the same run and reports the ratio.
//   node bench/run.js [name...]     names: startup groups pending claim dlq kafka-lag kafka-dlq rabbitmq-dlq (default: all)
//   BENCH_QUICK=1                   sizes 10x smaller (a smoke run)
//   BENCH_REDIS_URL                 default redis://127.0.0.1:6379/15 (a database of its own)
// Results: bench/results/<row>.json and bench/results/summary.json; a table on stdout.
// Exit status: 0 when every benchmark ran (targets missed or not), 1 when one of them errored.
import {RESULTS_DIR, QUICK, REDIS_URL, PREFIX} from './lib/config.js'
import {cleanup, cleanupStale, connect, redisVersion} from './lib/redis.js'
import {running} from './lib/proc.js'
import {environment, row, table, writeRows, writeSummary} from './lib/report.js'
import * as startup from './benchmarks/startup.js'
import * as groups from './benchmarks/groups.js'
import * as pending from './benchmarks/pending.js'
import * as claim from './benchmarks/claim.js'
import * as dlq from './benchmarks/dlq.js'
import * as kafkaLag from './benchmarks/kafka-lag.js'
import * as kafkaDlq from './benchmarks/kafka-dlq.js'
import * as rabbitmqDlq from './benchmarks/rabbitmq-dlq.js'

const ALL = [startup, groups, pending, claim, dlq, kafkaLag, kafkaDlq, rabbitmqDlq]
const ORDER = ALL.map((b) => b.name)

const args = process.argv.slice(2)
if (args.includes('-h') || args.includes('--help')) {
  console.log(`usage: node bench/run.js [${ORDER.join('|')} ...]   (BENCH_QUICK=1 for 10x smaller sizes)`)
  process.exit(0)
}
const unknown = args.filter((a) => !ORDER.includes(a))
if (unknown.length) {
  console.error(`unknown benchmark: ${unknown.join(', ')} (known: ${ORDER.join(', ')})`)
  process.exit(2)
}
const selected = args.length ? ALL.filter((b) => args.includes(b.name)) : ALL

const log = (msg) => process.stderr.write(msg + '\n')
const r = await connect()
let interrupted = false
process.on('SIGINT', async () => {
  if (interrupted) process.exit(130)
  interrupted = true
  for (const child of running) child.kill('SIGKILL')
  log('interrupted: removing benchmark keys')
  await cleanup(r).catch(() => undefined)
  process.exit(130)
})

const stale = await cleanupStale(r)
if (stale) log(`removed ${stale} keys left by earlier runs that did not finish`)
const env = environment(await redisVersion(r))
log(`cg bench${QUICK ? ' (quick: sizes / 10)' : ''} on ${REDIS_URL}, node ${env.node}, redis ${env.redis}; keys under ${PREFIX}`)
const rows = []
const errors = []
for (const b of selected) {
  const t0 = Date.now()
  log(`\n== ${b.name}`)
  let got
  try {
    got = await b.run({r, log})
  } catch (error) {
    errors.push({benchmark: b.name, error: String(error?.message ?? error)})
    log(`!! ${b.name} failed: ${error?.stack ?? error}`)
    got = [row({name: b.name, benchmark: b.name, kind: 'error', cg: null, baseline: null, unit: '', error: String(error?.message ?? error)})]
  }
  log(`== ${b.name}: ${Math.round((Date.now() - t0) / 1000)} s`)
  writeRows(b.name, got, env)
  rows.push(...got)
}
await cleanup(r)
await r.quit()

writeSummary({order: ORDER, ran: selected.map((b) => b.name), errors})
console.log(`\ncg benchmarks, ${env.date} (node ${env.node}, redis ${env.redis}${QUICK ? ', QUICK sizes / 10' : ''}); ratio = cg / baseline\n`)
console.log(table(rows))
const missed = rows.filter((x) => x.pass === false).length
console.log(`\n${rows.filter((x) => x.pass === true).length} met, ${missed} missed, ${errors.length} errored; results in ${RESULTS_DIR}`)
for (const e of errors) console.log(`ERROR ${e.benchmark}: ${e.error.split('\n')[0]}`)
process.exit(errors.length ? 1 : 0)
