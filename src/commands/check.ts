import {Flags} from '@oclif/core'
import {CgCommand, only, STATUS_SCOPE_ARGS} from '../base-command.js'
import type {BrokerKind} from '../core/broker.js'
import type {StatusResult} from '../core/results.js'
import {toCgError} from '../errors/error-map.js'
import {type CheckedGroup, type CheckReport, checkText, perfdata, showMetric, summary} from '../output/check-format.js'
import {usageByBroker} from '../output/help.js'
import {writeJson} from '../output/json.js'
import {safeLine} from '../output/escape.js'
import {redact} from '../profiles/redact.js'
import {CHECK_EXIT, type CheckRules, judge, type Metric, parseThreshold, worstOf} from '../services/check.js'
import {groupKey, StatusSeries} from '../services/status-series.js'
import {parseSpan} from '../services/time.js'
import {sleep} from '../services/wait.js'

const THRESHOLD = 'WARN[,CRIT]: above WARN is a warning, above CRIT critical'

export default class Check extends CgCommand<typeof Check> {
  static override summary =
    'Monitoring plugin: thresholds on lag, time behind, pending age, deliveries and dead letters (exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN).'
  static override description = [
    'Follows the monitoring-plugins conventions (Nagios, Icinga, Sensu, Zabbix external checks): the first line of stdout is `CG OK|WARNING|CRITICAL|UNKNOWN - <the worst, in words> | <perfdata>`, the next lines name every group over a threshold.',
    'Without GROUP every group on the broker is checked. Thresholds are WARN[,CRIT]; durations take 30s, 5m, 1h. A broker that cannot be reached, a group that does not exist or a bad threshold is UNKNOWN (exit 3).',
    '--stalled samples twice, --window apart: CRITICAL when a group with records waiting consumed nothing, WARNING when it consumes slower than records arrive.',
  ].join('\n\n')
  static override usage = usageByBroker([
    ['Redis', '[[STREAM] GROUP] [THRESHOLDS]'],
    ['Kafka', '[GROUP] [THRESHOLDS]'],
    ['RabbitMQ', '[QUEUE] [--vhost V] [THRESHOLDS]'],
  ])
  static override examples = [
    {
      description: 'Redis: every group; warn at 1000 waiting, critical at 10000 or 5 minutes behind.',
      command: '<%= config.bin %> check --lag 1000,10000 --time-lag 1m,5m',
    },
    {
      description: 'Redis: group workers of stream tasks, poison entries delivered 5+ times.',
      command: '<%= config.bin %> check tasks workers --deliveries 4,20',
    },
    {
      description: 'Kafka: group billing must keep consuming (sampled over 30 s).',
      command: '<%= config.bin %> check billing --stalled --window 30s --url kafka://127.0.0.1:9092',
    },
    {description: 'RabbitMQ: queue orders, dead letters piling up.', command: '<%= config.bin %> check orders --dlq 10,100 --url amqp://127.0.0.1:5672'},
  ]
  static override args = STATUS_SCOPE_ARGS
  static override flags = {
    lag: Flags.string({summary: `Records not yet read, ${THRESHOLD}.`}),
    'time-lag': Flags.string({summary: `Age of the oldest record not yet read (e.g. 1m,5m), ${THRESHOLD}.`}),
    'pending-idle': only(['redis'], Flags.string({summary: `Redis: age of the oldest pending entry (e.g. 5m,30m), ${THRESHOLD}.`})),
    // RabbitMQ keeps a quorum queue's delivery count in each message, where only a consumer sees it: not measurable without side effects
    deliveries: only(['redis'], Flags.string({summary: `Redis: highest delivery count among the 100 oldest pending entries, ${THRESHOLD}.`})),
    dlq: Flags.string({summary: `Dead letters waiting, ${THRESHOLD}.`}),
    stalled: Flags.boolean({summary: 'CRITICAL when a group with records waiting consumes nothing over --window; WARNING when it falls behind.'}),
    window: Flags.string({
      summary: "With --stalled: how long to watch (default 15s; RabbitMQ's management statistics refresh every 5 s, so keep it above that there).",
      dependsOn: ['stalled'],
    }),
    vhost: only(['rabbitmq'], Flags.string({summary: 'RabbitMQ: only this vhost.'})),
  }

  async run(): Promise<void> {
    const f = this.flags
    const thresholds: CheckRules['thresholds'] = {}
    const given: Array<[Metric, string | undefined]> = [
      ['lag', f.lag],
      ['timeLag', f['time-lag']],
      ['pendingIdle', f['pending-idle']],
      ['deliveries', f.deliveries],
      ['dlq', f.dlq],
    ]
    for (const [m, text] of given) if (text !== undefined) thresholds[m] = parseThreshold(m, text)
    const windowMs = f.stalled ? parseSpan(f.window ?? '15s', '--window') : 0
    const rules: CheckRules = {thresholds, stalled: f.stalled}

    const series = new StatusSeries(2)
    const first = await this.fetch('status', {vhost: f.vhost})
    series.add(first)
    if (f.stalled) {
      await sleep(windowMs, this.abort.signal)
      if (this.abort.signal.aborted) throw new Error('interrupted before the second sample')
      series.add(await this.fetch('status', {vhost: f.vhost}))
    }
    const latest = series.latest as StatusResult
    // rates need two samples: without --stalled there is one, and no trend to read
    const trends = new Map(f.stalled ? series.trends().map((t) => [groupKey(t.group), t.trend]) : [])
    const checked: CheckedGroup[] = latest.groups.map((group) => {
      const trend = f.stalled ? (trends.get(groupKey(group)) ?? null) : null
      return {group, trend, verdict: judge(group, rules, trend, showMetric)}
    })
    const status = worstOf(checked.map((c) => c.verdict.status))
    const report: CheckReport = {
      broker: latest.broker,
      status,
      exitCode: CHECK_EXIT[status],
      summary: summary(latest.broker, checked, status),
      groups: checked.map(({group: g, trend, verdict}) => ({
        group: g.group,
        sources: g.sources,
        status: verdict.status,
        lag: g.lag,
        timeLagMs: g.timeLagMs,
        consumers: g.consumers,
        pending: g.pending,
        oldestPendingMs: g.oldestPendingMs,
        maxDeliveries: g.maxDeliveries,
        dlq: g.dlq,
        consumeRate: trend?.consumeRate ?? null,
        produceRate: trend?.produceRate ?? null,
        findings: verdict.findings,
      })),
    }
    if (this.flags.json) await writeJson(report)
    else process.stdout.write(checkText(report, perfdata(latest.broker, checked, thresholds)))
    process.exitCode = report.exitCode
  }

  /** Every failure is UNKNOWN (exit 3) in a monitoring plugin, said on the first line of stdout. */
  override async catch(err: Error & {exitCode?: number}): Promise<void> {
    const e = toCgError(err)
    const message = redact(e.message)
    const hint = e.hint ? redact(e.hint) : null
    if (process.argv.includes('--json')) {
      const doc = {
        broker: (await this.brokerOrNull()) ?? null,
        status: 'UNKNOWN',
        exitCode: 3,
        summary: message,
        groups: [],
        error: {code: e.code, message, hint},
      }
      await writeJson(doc)
    } else {
      process.stdout.write(`CG UNKNOWN - ${safeLine(message)}\n${hint ? `${safeLine(hint)}\n` : ''}`)
    }
    process.exitCode = 3
  }

  private async brokerOrNull(): Promise<BrokerKind | null> {
    try {
      return (await this.profile()).broker
    } catch {
      return null
    }
  }
}
