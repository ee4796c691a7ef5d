import {Flags} from '@oclif/core'
import {CgCommand, only, STATUS_SCOPE_ARGS} from '../base-command.js'
import type {StatusResult} from '../core/results.js'
import {usage} from '../errors/cg-error.js'
import {toCgError} from '../errors/error-map.js'
import {usageByBroker} from '../output/help.js'
import {writeJson} from '../output/json.js'
import {warn} from '../output/log.js'
import {type Collection, exposition} from '../output/metrics-format.js'
import {serveMetrics} from '../services/metrics-server.js'
import {withDeadline} from '../services/wait.js'

export default class Metrics extends CgCommand<typeof Metrics> {
  static override summary = 'Prometheus metrics of every group (lag, time behind, consumers, pending, dead letters), printed or served.'
  static override description = [
    'Prints the Prometheus text exposition format (promtool check metrics accepts it): cg_up, cg_group_lag, cg_group_lag_seconds, cg_group_consumers, cg_group_pending, cg_partition_lag (Kafka), cg_dlq_depth, with labels broker, source, group (and partition, dlq).',
    '--serve ADDR serves /metrics, collecting on each scrape within --timeout; while the broker is away cg_up is 0 and cg_collect_errors_total counts the failures, and the next scrape reconnects. SIGTERM or Ctrl-C stops it.',
    'Without --serve, a broker that cannot be reached still prints cg_up 0, then exits 69.',
  ].join('\n\n')
  static override usage = usageByBroker([
    ['Redis', '[[STREAM] GROUP] [--serve ADDR]'],
    ['Kafka', '[GROUP] [--serve ADDR]'],
    ['RabbitMQ', '[QUEUE] [--vhost V] [--serve ADDR]'],
  ])
  static override examples = [
    {
      description: "Redis: every group, once (e.g. for node_exporter's textfile collector).",
      command: '<%= config.bin %> metrics > /var/lib/node_exporter/cg.prom',
    },
    {
      description: 'Kafka: serve /metrics for Prometheus on port 9464.',
      command: '<%= config.bin %> metrics --serve 127.0.0.1:9464 --url kafka://127.0.0.1:9092',
    },
    {description: 'RabbitMQ: queue orders only.', command: '<%= config.bin %> metrics orders --url amqp://127.0.0.1:5672'},
  ]
  static override args = STATUS_SCOPE_ARGS
  static override flags = {
    serve: Flags.string({summary: 'Serve /metrics on HOST:PORT (e.g. 127.0.0.1:9464) instead of printing once.'}),
    vhost: only(['rabbitmq'], Flags.string({summary: 'RabbitMQ: only this vhost.'})),
  }

  private errors = 0

  async run(): Promise<void> {
    if (this.flags.serve !== undefined) {
      if (this.flags.json) throw usage('--serve speaks the Prometheus format, not JSON', 'Leave --json out, or print once with cg metrics --json.')
      const broker = (await this.profile()).broker
      await serveMetrics(this.flags.serve, {
        collect: () => this.collect(broker),
        log: warn,
        signal: this.abort.signal,
      })
      return
    }
    if (this.flags.json) {
      await writeJson(await this.fetch('status', {vhost: this.flags.vhost}))
      return
    }
    const broker = (await this.profile()).broker
    const c = await this.collect(broker)
    process.stdout.write(exposition(c))
    if (!c.result) throw this.lastError
  }

  private lastError: unknown

  /** One collection: the status read within --timeout, or cg_up 0 and a new connection next time. */
  private async collect(broker: Collection['broker']): Promise<Collection> {
    const started = performance.now()
    let result: StatusResult | null = null
    try {
      result = await withDeadline(this.fetch('status', {vhost: this.flags.vhost}), this.flags.timeout)
    } catch (error) {
      // bad input (a foreign flag, a bad name) is not a broker outage: it ends the command
      const e = toCgError(error)
      if (e.fromInput) throw e
      this.errors++
      this.lastError = e
      await this.disconnect()
    }
    return {broker, result, errors: this.errors, durationMs: performance.now() - started}
  }
}
