// cg metrics: the Prometheus text exposition format (version 0.0.4, which OpenMetrics scrapers read too and
// `promtool check metrics` validates). One series per group and source (RabbitMQ adds its vhost label); Kafka groups get one per topic, and
// cg_partition_lag per partition. Unknown values are left out (a missing series, never a made-up 0).
import type {BrokerKind} from '../core/broker.js'
import type {GroupStatus, StatusResult} from '../core/results.js'

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

export interface Collection {
  broker: BrokerKind
  /** the status read, or null when it failed */
  result: StatusResult | null
  /** failed collections since the process started */
  errors: number
  durationMs: number
}

interface Family {
  name: string
  type: 'gauge' | 'counter'
  help: string
  samples: string[]
}

function family(name: string, type: Family['type'], help: string): Family {
  return {name, type, help, samples: []}
}

/** A label value as the format wants it: backslash, double quote and newline escaped. */
function labelValue(v: string): string {
  return NEEDS_ESCAPE.test(v) ? v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : v
}
const NEEDS_ESCAPE = /[\\"\n]/

function num(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Math.round(v * 1000) / 1000)
}

/** Per source of a group: Kafka from its partitions (one row per topic), else the group's own figures. */
function perSource(g: GroupStatus): Array<{source: string; lag: number | null; timeLagMs: number | null; pending: number | null}> {
  if (!g.partitions || g.sources.length <= 1) {
    return g.sources.map((source) => ({source, lag: g.lag, timeLagMs: g.timeLagMs, pending: g.pending}))
  }
  return g.sources.map((source) => {
    const parts = g.partitions?.filter((p) => p.source === source) ?? []
    const lags = parts.map((p) => p.lag).filter((x): x is number => x !== null)
    const times = parts.map((p) => p.timeLagMs).filter((x): x is number => x !== null)
    const lag = lags.length ? lags.reduce((a, b) => a + b, 0) : null
    return {source, lag, timeLagMs: times.length ? Math.max(...times) : null, pending: lag}
  })
}

/** The exposition text of one collection. */
export function exposition(c: Collection): string {
  const up = family('cg_up', 'gauge', 'Whether the broker answered the last collection (1) or not (0).')
  const errors = family('cg_collect_errors_total', 'counter', 'Collections that failed since cg started.')
  const took = family('cg_collect_duration_seconds', 'gauge', 'How long the last collection took.')
  const lag = family('cg_group_lag', 'gauge', 'Records the group has not read yet.')
  const lagSeconds = family('cg_group_lag_seconds', 'gauge', 'Age of the oldest record the group has not read (0 when nothing waits).')
  const consumers = family('cg_group_consumers', 'gauge', 'Consumers (members) of the group.')
  const pending = family('cg_group_pending', 'gauge', 'What the group has not finished (Redis pending entries, Kafka lag, RabbitMQ ready + unacked).')
  const partitionLag = family('cg_partition_lag', 'gauge', 'Kafka: records the group has not read on the partition.')
  const dlq = family('cg_dlq_depth', 'gauge', 'Dead letters waiting for the group.')
  const b = `broker="${labelValue(c.broker)}"`
  up.samples.push(`cg_up{${b}} ${c.result ? 1 : 0}`)
  errors.samples.push(`cg_collect_errors_total{${b}} ${c.errors}`)
  took.samples.push(`cg_collect_duration_seconds{${b}} ${num(c.durationMs / 1000)}`)
  // label sets written as text once per group and source (this runs for every group on every scrape)
  for (const g of c.result?.groups ?? []) {
    // RabbitMQ: the same queue name may live in two vhosts
    const v = (g as {vhost?: unknown}).vhost
    const bv = typeof v === 'string' ? `${b},vhost="${labelValue(v)}"` : b
    const group = labelValue(g.group)
    for (const s of perSource(g)) {
      const l = `{${bv},source="${labelValue(s.source)}",group="${group}"}`
      if (s.lag !== null) lag.samples.push(`cg_group_lag${l} ${s.lag}`)
      if (s.timeLagMs !== null) lagSeconds.samples.push(`cg_group_lag_seconds${l} ${num(s.timeLagMs / 1000)}`)
      else if (s.lag === 0) lagSeconds.samples.push(`cg_group_lag_seconds${l} 0`)
      if (g.consumers !== null) consumers.samples.push(`cg_group_consumers${l} ${g.consumers}`)
      if (s.pending !== null) pending.samples.push(`cg_group_pending${l} ${s.pending}`)
    }
    for (const p of g.partitions ?? []) {
      if (p.lag === null) continue
      partitionLag.samples.push(`cg_partition_lag{${b},source="${labelValue(p.source)}",group="${group}",partition="${p.partition}"} ${p.lag}`)
    }
    if (g.dlq && g.dlq.depth !== null) {
      dlq.samples.push(`cg_dlq_depth{${bv},source="${labelValue(g.sources.join(','))}",group="${group}",dlq="${labelValue(g.dlq.name)}"} ${g.dlq.depth}`)
    }
  }
  const out: string[] = []
  for (const f of [up, errors, took, lag, lagSeconds, consumers, pending, partitionLag, dlq]) {
    if (f.samples.length === 0) continue
    // one join per family: no argument list as long as the groups (a spread of 100,000 overflows the stack)
    out.push(`# HELP ${f.name} ${f.help}\n# TYPE ${f.name} ${f.type}\n${f.samples.join('\n')}`)
  }
  return `${out.join('\n')}\n`
}
