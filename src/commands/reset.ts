import {Args, Flags} from '@oclif/core'
import {CgCommand, only} from '../base-command.js'
import {usageByBroker} from '../output/help.js'

export default class Reset extends CgCommand<typeof Reset> {
  static override summary = "Move a group's position: Redis SETID, Kafka offsets, a RabbitMQ stream's stored offset (a dry run unless --execute)."
  static override description = [
    "Redis: Kafka's reset modes mapped onto XGROUP SETID: earliest -> 0, latest -> the last id, a datetime or a duration ago -> the last entry before that time, --shift-by N entries from the current position (clamped to the stream). ENTRIESREAD is computed so lag stays known where that can be done correctly.",
    'Kafka: the modes of kafka-consumer-groups --reset-offsets for the partitions in SCOPE (--topic or --all-topics; --from-file brings its own), written through the admin API only while the group is Empty, Dead or absent; offsets out of the log are clamped with a warning. --export prints the plan as CSV for --from-file.',
    "RabbitMQ: a stream queue's stored offset of one named consumer (--consumer NAME): --to-earliest, --to-latest, --to-offset, --to-datetime (the first chunk the broker wrote at or after that time); refused (exit 4) while a consumer of that name is connected, and on classic and quorum queues (no consumer position).",
  ].join('\n\n')
  static override usage = usageByBroker([
    ['Redis', '[STREAM] [GROUP] MODE [--execute]'],
    ['Kafka', '[GROUP] MODE SCOPE [--execute]'],
    ['RabbitMQ', '[STREAM] --consumer NAME MODE [--execute]'],
  ])
  static override examples = [
    {
      description: 'Redis: plan moving group workers of stream tasks to the beginning; nothing changes.',
      command: '<%= config.bin %> reset tasks workers --to-earliest',
    },
    {description: 'Redis: redeliver what arrived since a time.', command: '<%= config.bin %> reset tasks workers --to-datetime 2024-05-01T12:00:00Z --execute'},
    {description: 'Redis: go back 100 entries.', command: '<%= config.bin %> reset tasks workers --shift-by=-100 --execute'},
    {
      description: 'Kafka: plan moving group billing back one hour on topic invoices.',
      command: '<%= config.bin %> reset billing --topic invoices --by-duration PT1H --url kafka://127.0.0.1:9092',
    },
    {
      description: 'Kafka: skip everything on partitions 0 and 1 of invoices.',
      command: '<%= config.bin %> reset billing --topic invoices:0,1 --to-latest --execute -p kafka',
    },
    {
      description: 'Kafka: write the plan as CSV, to edit it and apply it with --from-file.',
      command: '<%= config.bin %> reset billing --all-topics --to-current --export -p kafka > plan.csv',
    },
    {
      description: 'RabbitMQ: plan moving the stored offset of consumer billing on stream queue invoices back to offset 99.',
      command: '<%= config.bin %> reset invoices --consumer billing --to-offset 99 --url amqp://127.0.0.1:5672',
    },
    {description: 'Kafka: apply offsets from a CSV file.', command: '<%= config.bin %> reset billing --from-file plan.csv --execute -p kafka'},
  ]
  static override args = {
    source: Args.string({
      description:
        "Redis: STREAM (default: the profile's stream). Kafka: GROUP, the only argument (default: the profile's group). RabbitMQ: the stream QUEUE (default: the profile's queue).",
    }),
    group: Args.string({description: "Redis: GROUP (default: the profile's group). Kafka: not taken (topics go in --topic)."}),
  }
  static override flags = {
    'to-earliest': Flags.boolean({summary: 'Redeliver everything: Redis position 0, Kafka the log start.', helpGroup: 'MODE'}),
    'to-latest': Flags.boolean({summary: 'Skip everything: Redis the last entry, Kafka the log end.', helpGroup: 'MODE'}),
    'to-datetime': Flags.string({summary: 'Deliver entries from this time on (ISO 8601; no zone = UTC).', helpGroup: 'MODE'}),
    'by-duration': Flags.string({summary: 'Deliver entries from this long ago on (PnDTnHnMnS, e.g. PT1H).', helpGroup: 'MODE'}),
    'shift-by': Flags.string({summary: 'Move N entries (Kafka: offsets) forward (+) or back (-) from the current position.', helpGroup: 'MODE'}),
    'to-id': only(['redis'], Flags.string({summary: 'Redis: position = this id (<ms>-<seq>, $ or 0).', helpGroup: 'MODE'})),
    'to-current': only(['kafka'], Flags.boolean({summary: 'Kafka: keep the committed offsets (commits them for partitions in scope).', helpGroup: 'MODE'})),
    'to-offset': only(
      ['kafka', 'rabbitmq'],
      Flags.string({
        summary: 'Kafka: this offset on every partition in scope (clamped to the log). RabbitMQ stream: the stored offset (the last message processed).',
        helpGroup: 'MODE',
      }),
    ),
    'from-file': only(['kafka'], Flags.string({summary: 'Kafka: offsets from a CSV file (topic,partition,offset), as --export writes it.', helpGroup: 'MODE'})),
    topic: only(['kafka'], Flags.string({summary: 'Kafka: topic, or topic:p1,p2 (repeatable).', multiple: true, helpGroup: 'SCOPE'})),
    'all-topics': only(['kafka'], Flags.boolean({summary: 'Kafka: every topic the group has offsets for.', helpGroup: 'SCOPE'})),
    export: only(['kafka'], Flags.boolean({summary: 'Kafka: print the plan as CSV (topic,partition,offset) for --from-file.'})),
    consumer: only(
      ['rabbitmq'],
      Flags.string({summary: "RabbitMQ stream queue: the consumer (reference) name whose stored offset moves (default: the profile's consumer)."}),
    ),
    execute: Flags.boolean({summary: 'Carry the plan out (without it: print the plan only).', default: false}),
    'dry-run': Flags.boolean({summary: 'Print the plan only (what happens without --execute).', default: false}),
  }

  async run(): Promise<void> {
    await this.call('reset', this.flags)
  }
}
