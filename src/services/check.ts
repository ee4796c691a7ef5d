// cg check: thresholds over the status read, in the monitoring-plugins way (Nagios, Icinga, Sensu, Zabbix's
// external checks). A threshold is WARN[,CRIT]: a value above WARN is a warning, above CRIT critical. The
// status line and perfdata are written by src/output/check-format.ts; this file only decides.
import type {GroupStatus} from '../core/results.js'
import {usage} from '../errors/cg-error.js'
import type {GroupTrend} from './status-series.js'
import {parseSpan} from './time.js'

export type CheckStatus = 'OK' | 'WARNING' | 'CRITICAL' | 'UNKNOWN'

/** The plugin exit codes: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. */
export const CHECK_EXIT: Record<CheckStatus, number> = {OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3}

/** Worst first: what a check over many groups reports. */
const RANK: Record<CheckStatus, number> = {OK: 0, UNKNOWN: 1, WARNING: 2, CRITICAL: 3}

/** A sort order: the worse status first. */
export function worseFirst(a: CheckStatus, b: CheckStatus): number {
  return RANK[b] - RANK[a]
}

export function worstOf(statuses: Iterable<CheckStatus>): CheckStatus {
  let worst: CheckStatus = 'OK'
  for (const s of statuses) if (RANK[s] > RANK[worst]) worst = s
  return worst
}

/** The measured values a check can hold thresholds on. */
export type Metric = 'lag' | 'timeLag' | 'pendingIdle' | 'deliveries' | 'dlq'

export interface MetricSpec {
  /** the flag that sets its thresholds */
  flag: string
  /** perfdata label suffix */
  label: string
  /** a duration (thresholds like 30s, 5m; perfdata in seconds) or a count */
  kind: 'duration' | 'count'
  /** words for the status line */
  words: string
  value(g: GroupStatus): number | null
}

export const METRICS: Record<Metric, MetricSpec> = {
  lag: {flag: '--lag', label: 'lag', kind: 'count', words: 'lag', value: (g) => g.lag},
  timeLag: {flag: '--time-lag', label: 'time_lag', kind: 'duration', words: 'time behind', value: (g) => g.timeLagMs},
  pendingIdle: {flag: '--pending-idle', label: 'pending_age', kind: 'duration', words: 'oldest pending', value: (g) => g.oldestPendingMs},
  deliveries: {flag: '--deliveries', label: 'deliveries', kind: 'count', words: 'deliveries', value: (g) => g.maxDeliveries},
  dlq: {flag: '--dlq', label: 'dlq', kind: 'count', words: 'dead letters', value: (g) => g.dlq?.depth ?? null},
}

export interface Threshold {
  warn: number
  crit: number | null
}

/** "WARN[,CRIT]" -> numbers (ms for durations); a bad one is a usage error (the command says UNKNOWN). */
export function parseThreshold(metric: Metric, text: string): Threshold {
  const spec = METRICS[metric]
  const parts = text.split(',').map((p) => p.trim())
  if (parts.length > 2 || parts.some((p) => p === '')) {
    throw usage(`${spec.flag} ${JSON.stringify(text)} is not WARN[,CRIT]`, `Give one or two values, e.g. ${spec.flag} ${example(spec)}.`)
  }
  const one = (p: string): number => {
    if (spec.kind === 'duration') return parseSpan(p, spec.flag)
    if (!/^\d+$/.test(p)) throw usage(`${spec.flag} ${JSON.stringify(p)} is not a whole number`, `Give counts, e.g. ${spec.flag} ${example(spec)}.`)
    return Number(p)
  }
  const warn = one(parts[0])
  const crit = parts.length === 2 ? one(parts[1]) : null
  if (crit !== null && crit < warn) {
    throw usage(
      `${spec.flag} ${text}: CRIT is below WARN`,
      `The second value is the critical one and must be at least the first, e.g. ${spec.flag} ${example(spec)}.`,
    )
  }
  return {warn, crit}
}

function example(spec: MetricSpec): string {
  return spec.kind === 'duration' ? '1m,5m' : '1000,10000'
}

export function levelOf(value: number, t: Threshold): CheckStatus {
  if (t.crit !== null && value > t.crit) return 'CRITICAL'
  if (value > t.warn) return 'WARNING'
  return 'OK'
}

export interface CheckRules {
  thresholds: Partial<Record<Metric, Threshold>>
  /** --stalled: critical when the group consumed nothing over the window while lag > 0; warning when it falls behind */
  stalled: boolean
}

/** One finding over a threshold (or a fact that could not be measured). */
export interface Finding {
  status: CheckStatus
  metric: Metric | 'stalled'
  /** the measured value (ms for durations), null when unknown */
  value: number | null
  /** in words, for the status line and the lines after it */
  text: string
}

export interface GroupVerdict {
  status: CheckStatus
  findings: Finding[]
}

/** A group against the rules: its worst finding is its status. */
export function judge(g: GroupStatus, rules: CheckRules, trend: GroupTrend | null, show: (metric: Metric, v: number) => string): GroupVerdict {
  const findings: Finding[] = []
  for (const [metric, t] of Object.entries(rules.thresholds) as Array<[Metric, Threshold]>) {
    const spec = METRICS[metric]
    const v = spec.value(g)
    if (v === null) {
      // time behind unknown while records wait: the check cannot say the group is fine
      if (metric === 'timeLag' && (g.lag ?? 0) > 0) {
        findings.push({status: 'UNKNOWN', metric, value: null, text: `time behind unknown${g.timeLagNote ? ` (${g.timeLagNote})` : ''}`})
      }
      continue
    }
    const status = levelOf(v, t)
    if (status !== 'OK') {
      const limit = status === 'CRITICAL' ? (t.crit as number) : t.warn
      findings.push({status, metric, value: v, text: `${spec.words} ${show(metric, v)} (${status === 'CRITICAL' ? 'crit' : 'warn'} ${show(metric, limit)})`})
    }
  }
  if (rules.stalled && trend) {
    if (trend.stalled) {
      findings.push({
        status: 'CRITICAL',
        metric: 'stalled',
        value: g.lag,
        text: `stalled: consumed nothing in ${show('timeLag', trend.spanMs)} with ${g.lag} waiting`,
      })
    } else if (trend.fallingBehind) {
      const rates =
        trend.consumeRate !== null && trend.produceRate !== null ? ` (${fmtRate(trend.consumeRate)}/s consumed, ${fmtRate(trend.produceRate)}/s produced)` : ''
      findings.push({status: 'WARNING', metric: 'stalled', value: g.lag, text: `falling behind${rates}`})
    }
  }
  return {status: worstOf(findings.map((f) => f.status)), findings}
}

export function fmtRate(r: number): string {
  return r >= 100 ? String(Math.round(r)) : r >= 10 ? r.toFixed(1) : r.toFixed(2)
}
