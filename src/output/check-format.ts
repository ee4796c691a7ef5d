// cg check's output as monitoring systems read it: the first line `CG <STATUS> - <what is worst> | <perfdata>`,
// then one line per group over a threshold (Nagios plugin guidelines: long output after the first line).
import type {BrokerKind} from '../core/broker.js'
import type {GroupStatus} from '../core/results.js'
import {type CheckStatus, fmtRate, worseFirst, type GroupVerdict, METRICS, type Metric, type Threshold} from '../services/check.js'
import type {GroupTrend} from '../services/status-series.js'
import {escapeControl, safeLine} from './escape.js'
import {duration} from './ui.js'

/** How a group is named in a check: the stream with it on Redis (group names repeat across streams). */
export function groupLabel(broker: BrokerKind, g: Pick<GroupStatus, 'group' | 'sources'>): string {
  return broker === 'redis' && g.sources.length === 1 ? `${g.sources[0]}/${g.group}` : g.group
}

/** A metric's value in words: durations as 4m12s, counts as numbers. */
export function showMetric(metric: Metric, v: number): string {
  return METRICS[metric].kind === 'duration' ? (duration(v) ?? '-') : String(v)
}

export interface CheckedGroup {
  group: GroupStatus
  trend: GroupTrend | null
  verdict: GroupVerdict
}

export interface CheckReport {
  broker: BrokerKind
  status: CheckStatus
  exitCode: number
  summary: string
  groups: Array<{
    group: string
    sources: string[]
    status: CheckStatus
    lag: number | null
    timeLagMs: number | null
    consumers: number | null
    pending: number | null
    oldestPendingMs: number | null
    maxDeliveries: number | null
    dlq: GroupStatus['dlq']
    consumeRate: number | null
    produceRate: number | null
    findings: Array<{status: CheckStatus; metric: string; value: number | null; text: string}>
  }>
}

/** The words after "CG STATUS - ": the worst finding first, then how many more. */
export function summary(broker: BrokerKind, checked: CheckedGroup[], status: CheckStatus): string {
  if (checked.length === 0) return 'no consumer groups'
  if (status === 'OK') {
    // a loop, not Math.max(...): an argument list as long as the groups overflows the stack
    let lag: number | null = null
    let time: number | null = null
    for (const {group: g} of checked) {
      if (g.lag !== null && (lag === null || g.lag > lag)) lag = g.lag
      if (g.timeLagMs !== null && (time === null || g.timeLagMs > time)) time = g.timeLagMs
    }
    const parts = [`${checked.length} group${checked.length === 1 ? '' : 's'} OK`]
    if (lag !== null) parts.push(`lag ${lag} at most`)
    if (time !== null) parts.push(`time behind ${duration(time)} at most`)
    return parts.join(', ')
  }
  const bad = checked.filter((c) => c.verdict.status === status)
  const first = bad[0]
  const worst = first.verdict.findings.find((f) => f.status === status) ?? first.verdict.findings[0]
  const more = checked.filter((c) => c.verdict.status !== 'OK').length - 1
  return `${groupLabel(broker, first.group)}: ${worst.text}${more > 0 ? `; ${more} more group${more === 1 ? '' : 's'} not OK` : ''}`
}

/** Above this many groups, perfdata has totals and the groups not OK (a line of 20,000 groups helps no one). */
export const PERFDATA_GROUPS = 100

/**
 * Perfdata: 'label'=value[unit];warn;crit;min per group and metric (durations in seconds). Over
 * PERFDATA_GROUPS groups: the number of groups, how many warn and are critical, the highest lag and time
 * behind, then the groups not OK (worst first, at most PERFDATA_GROUPS).
 */
export function perfdata(broker: BrokerKind, checked: CheckedGroup[], thresholds: Partial<Record<Metric, Threshold>>): string {
  const out: string[] = []
  const metrics: Metric[] = ['lag', 'timeLag', ...(Object.keys(thresholds) as Metric[]).filter((m) => m !== 'lag' && m !== 'timeLag')]
  const entry = (label: string, m: Metric, v: number) => {
    const spec = METRICS[m]
    const t = thresholds[m]
    const n = (x: number | null | undefined) => (x === null || x === undefined ? '' : spec.kind === 'duration' ? seconds(x) : String(x))
    out.push(`${quoteLabel(label)}=${n(v)}${spec.kind === 'duration' ? 's' : ''};${n(t?.warn)};${n(t?.crit)};0`)
  }
  let groups = checked
  if (checked.length > PERFDATA_GROUPS) {
    const count = (st: string) => checked.filter((c) => c.verdict.status === st).length
    out.push(`'groups'=${checked.length};;;0`, `'groups_warning'=${count('WARNING')};;;0`, `'groups_critical'=${count('CRITICAL')};;;0`)
    for (const m of metrics) {
      let max: number | null = null
      for (const c of checked) {
        const v = METRICS[m].value(c.group)
        if (v !== null && (max === null || v > max)) max = v
      }
      if (max !== null) entry(`max ${METRICS[m].label}`, m, max)
    }
    groups = checked
      .filter((c) => c.verdict.status !== 'OK')
      .sort((a, b) => worseFirst(a.verdict.status, b.verdict.status))
      .slice(0, PERFDATA_GROUPS)
  }
  for (const c of groups) {
    const label = groupLabel(broker, c.group)
    for (const m of metrics) {
      // nothing waiting is 0 s behind: a graph keeps its line
      const v = METRICS[m].value(c.group) ?? (m === 'timeLag' && c.group.lag === 0 ? 0 : null)
      if (v !== null) entry(`${label} ${METRICS[m].label}`, m, v)
    }
  }
  return out.join(' ')
}

function seconds(ms: number): string {
  return String(Math.round(ms) / 1000)
}

/** A perfdata label: quoted, without the two characters the format cannot carry (= and '). */
function quoteLabel(s: string): string {
  return `'${escapeControl(s).replace(/['=]/g, '_')}'`
}

/** The whole plugin output: the status line, then one line per group not OK (worst first). */
export function checkText(report: CheckReport, perf: string): string {
  const lines = [`CG ${report.status} - ${safeLine(report.summary)}${perf ? ` | ${perf}` : ''}`]
  const bad = report.groups.filter((g) => g.status !== 'OK').sort((a, b) => worseFirst(a.status, b.status))
  for (const g of bad) {
    const rates = g.consumeRate !== null ? ` [${fmtRate(g.consumeRate)}/s consumed]` : ''
    lines.push(`${g.status} ${safeLine(groupLabel(report.broker, g))}: ${g.findings.map((f) => safeLine(f.text)).join(', ')}${rates}`)
  }
  return `${lines.join('\n')}\n`
}
