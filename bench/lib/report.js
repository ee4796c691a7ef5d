// Result files (one per row, plus summary.json) and the summary table on stdout.
import {execFileSync} from 'node:child_process'
import {mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import {join} from 'node:path'
import {QUICK, REDIS_URL, RESULTS_DIR, ROOT} from './config.js'
import {RSS_METHOD} from './proc.js'
import {round} from './stats.js'

export function environment(redisVersion) {
  let commit = null
  let dirty = null
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {cwd: ROOT, encoding: 'utf8'}).trim()
    dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], {cwd: ROOT, encoding: 'utf8'}).trim() !== ''
  } catch {}
  return {
    node: process.version,
    redis: redisVersion,
    redisUrl: REDIS_URL,
    date: new Date().toISOString(),
    quick: QUICK,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    cpus: `${os.cpus().length} x ${os.cpus()[0]?.model ?? '?'}`,
    loadavg: os.loadavg().map((x) => round(x, 2)),
    cgCommit: commit,
    cgSrcUncommittedChanges: dirty,
    rssMethod: RSS_METHOD,
  }
}

/**
 * A row compares cg with its baseline. kind "time": ratio = cg / baseline (lower is better, target is a
 * maximum). kind "throughput": ratio = cg / baseline (higher is better, target is a minimum).
 * kind "max": cg alone against an absolute limit (ratio = cg / baseline is informational).
 * kind "info": no target.
 */
export function row({name, kind, cg, baseline, unit, target = null, ...rest}) {
  const ratio = typeof cg === 'number' && typeof baseline === 'number' && baseline > 0 ? round(cg / baseline, 2) : null
  let pass = null
  let targetText = 'none'
  if (kind === 'time') {
    pass = ratio !== null && ratio <= target
    targetText = `<= ${target}x`
  } else if (kind === 'throughput') {
    pass = ratio !== null && ratio >= target
    targetText = `>= ${target}x`
  } else if (kind === 'max') {
    pass = typeof cg === 'number' && cg < target
    targetText = `< ${target} ${unit}`
  }
  return {
    name,
    kind,
    cg: typeof cg === 'number' ? round(cg, 1) : cg,
    baseline: typeof baseline === 'number' ? round(baseline, 1) : baseline,
    unit,
    ratio,
    target: target === null ? null : {value: target, text: targetText},
    pass,
    ...rest,
  }
}

/** Replaces the result files of these benchmarks (rows of an earlier run that are gone, e.g. an error row, go too). */
export function writeRows(benchmark, rows, env) {
  mkdirSync(RESULTS_DIR, {recursive: true})
  for (const f of readdirSync(RESULTS_DIR)) {
    if (!f.endsWith('.json') || f === 'summary.json') continue
    try {
      if (JSON.parse(readFileSync(join(RESULTS_DIR, f), 'utf8')).benchmark === benchmark) rmSync(join(RESULTS_DIR, f))
    } catch {}
  }
  for (const [position, r] of rows.entries())
    writeFileSync(join(RESULTS_DIR, `${r.name}.json`), JSON.stringify({...r, position, environment: env}, null, 2) + '\n')
}

/** summary.json gathers the latest result of every row on disk (a subset run updates only its rows). */
export function writeSummary(thisRun) {
  const rows = []
  for (const f of readdirSync(RESULTS_DIR).sort()) {
    if (!f.endsWith('.json') || f === 'summary.json') continue
    const r = JSON.parse(readFileSync(join(RESULTS_DIR, f), 'utf8'))
    rows.push({
      name: r.name,
      benchmark: r.benchmark,
      position: r.position ?? 0,
      cg: r.cg,
      baseline: r.baseline,
      unit: r.unit,
      ratio: r.ratio,
      target: r.target?.text ?? null,
      pass: r.pass,
      date: r.environment?.date,
      quick: r.environment?.quick,
      note: r.note,
    })
  }
  const order = thisRun.order
  rows.sort((a, b) => order.indexOf(a.benchmark) - order.indexOf(b.benchmark) || a.position - b.position)
  for (const r of rows) delete r.position
  const summary = {date: new Date().toISOString(), ran: thisRun.ran, errors: thisRun.errors, rows}
  writeFileSync(join(RESULTS_DIR, 'summary.json'), JSON.stringify(summary, null, 2) + '\n')
  return summary
}

function fmt(v, unit) {
  if (v === null || v === undefined) return '-'
  if (typeof v !== 'number') return String(v)
  return `${v >= 100 ? Math.round(v) : round(v, 1)} ${unit}`
}

export function table(rows) {
  const head = ['benchmark', 'cg', 'baseline', 'ratio', 'target', 'met?']
  const body = rows.map((r) => [
    r.name,
    fmt(r.cg, r.unit),
    fmt(r.baseline, r.unit),
    r.ratio === null || r.ratio === undefined ? '-' : `${r.ratio}x`,
    r.target?.text ?? r.target ?? 'none',
    r.pass === null || r.pass === undefined ? (r.error ? 'ERROR' : 'n/a') : r.pass ? 'yes' : 'NO',
  ])
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)))
  const line = (cells) => '| ' + cells.map((c, i) => c.padEnd(w[i])).join(' | ') + ' |'
  return [line(head), '|' + w.map((x) => '-'.repeat(x + 2)).join('|') + '|', ...body.map(line)].join('\n')
}
