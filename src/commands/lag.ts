import {Args, Flags} from '@oclif/core'
import {CgCommand, only} from '../base-command.js'
import {usageByBroker} from '../output/help.js'

export default class Lag extends CgCommand<typeof Lag> {
  static override summary = 'Lag per group (Redis: with its oldest pending entry; Kafka: per partition, --window statuses; RabbitMQ: backlog per queue).'
  static override description = [
    'Redis: the number of entries not yet delivered to each group, and its oldest pending entry; "unknown" where Redis cannot tell (after SETID without ENTRIESREAD, or deletions past the group position).',
    'Kafka: log-end minus committed offset per group and partition (the kafka-consumer-groups --describe numbers); --window samples the offsets and gives each partition a status.',
    "RabbitMQ: the backlog (ready messages) of each queue, with unacked messages and consumers. A stream queue: its named consumers (connected ones that carry a name, and --consumer NAME) with their stored offset, lag (the stream's last offset minus it) and time behind.",
  ].join('\n\n')
  static override usage = usageByBroker([
    ['Redis', '[GROUP] [--stream S]'],
    ['Kafka', '[GROUP] [--topic T] [--window D]'],
    ['RabbitMQ', '[QUEUE] [--vhost V]'],
  ])
  static override examples = [
    {description: 'Redis: every group of every stream.', command: '<%= config.bin %> lag'},
    {description: 'Redis: the groups named workers, on stream tasks only, as JSON.', command: '<%= config.bin %> lag workers --stream tasks --json'},
    {description: 'Kafka: group billing, partition by partition.', command: '<%= config.bin %> lag billing --url kafka://127.0.0.1:9092'},
    {description: 'Kafka: watch for 30 s which partitions are stalled.', command: '<%= config.bin %> lag billing --window 30s -p kafka'},
    {description: 'RabbitMQ: the backlog of queue orders.', command: '<%= config.bin %> lag orders --url amqp://127.0.0.1:5672'},
    {
      description: 'RabbitMQ: the lag of consumer billing of stream queue invoices.',
      command: '<%= config.bin %> lag invoices --consumer billing --url amqp://127.0.0.1:5672',
    },
    {description: 'Any broker: a live view of every group, refreshed every 5 s (q quits).', command: '<%= config.bin %> lag --watch --interval 5s'},
    {
      description: 'Any broker: one JSON document per sample, for a script.',
      command: "<%= config.bin %> lag --watch --json | jq -c '.groups[] | {group, lag, consumeRate}'",
    },
  ]
  static override args = {group: Args.string({description: 'Only this one (default: all): Redis GROUP (of any stream), Kafka GROUP, RabbitMQ QUEUE.'})}
  static override flags = {
    consumer: only(
      ['rabbitmq'],
      Flags.string({
        summary: 'RabbitMQ stream queue: a consumer (reference) name whose stored offset to show (repeatable; 3.10 cannot list them).',
        multiple: true,
      }),
    ),
    stream: only(['redis'], Flags.string({summary: 'Redis: only groups of this stream.'})),
    topic: only(['kafka'], Flags.string({summary: 'Kafka: only this topic.'})),
    window: only(
      ['kafka'],
      Flags.string({summary: 'Kafka: sample offsets over this long (e.g. 30s, PT1M) and give each partition a status: ok, warn, stalled, stopped, rewound.'}),
    ),
    samples: only(['kafka'], Flags.integer({summary: 'Kafka: samples taken over --window (default 5).', min: 2})),
    vhost: only(['rabbitmq'], Flags.string({summary: 'RabbitMQ: only this vhost.'})),
    watch: Flags.boolean({
      summary: 'A live view: lag, time behind, rates, a lag sparkline and the time to drain, every --interval (q quits); JSON Lines when piped.',
      exclusive: ['window'],
    }),
    interval: Flags.string({summary: 'With --watch: how often to sample (default 2s).', dependsOn: ['watch']}),
  }

  async run(): Promise<void> {
    const {group} = this.args
    const {stream, topic, watch, interval, vhost} = this.flags
    if (!watch) {
      await this.call('lag', this.flags)
      return
    }
    const source = stream ?? topic
    await this.watch({
      flags: {vhost},
      args: group === undefined ? [] : [group],
      interval,
      keep: source === undefined ? undefined : (g) => g.sources.includes(source),
      title: `cg lag${group === undefined ? '' : ` ${group}`}${source === undefined ? '' : ` (${source})`}`,
    })
  }
}
