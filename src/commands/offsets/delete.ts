import {Args, Flags} from '@oclif/core'
import {CgCommand} from '../../base-command.js'
import {usageByBroker} from '../../output/help.js'

export default class OffsetsDelete extends CgCommand<typeof OffsetsDelete> {
  static override summary = "Kafka only: delete a group's committed offsets for topics (OffsetDelete)."
  static override description = [
    "Refused (exit 4) for a topic the group still consumes; the rest of the group's offsets stay.",
    'Redis and RabbitMQ: refused (exit 4): offsets are a Kafka notion (on Redis, see cg group delete and cg setid).',
  ].join('\n\n')
  static override usage = usageByBroker([['Kafka', '[GROUP] --topic T[:P,...]']])
  static override examples = [
    {
      description: 'Kafka: forget where group billing was on topic invoices.',
      command: '<%= config.bin %> offsets delete billing --topic invoices --url kafka://127.0.0.1:9092',
    },
    {description: 'Kafka: partitions 0 and 1 only, as a plan.', command: '<%= config.bin %> offsets delete billing --topic invoices:0,1 --dry-run -p kafka'},
  ]
  static override args = {group: Args.string({description: "Kafka: GROUP (default: the profile's group)."})}
  static override flags = {
    topic: Flags.string({summary: 'Topic, or topic:p1,p2 (repeatable).', multiple: true}),
    'dry-run': Flags.boolean({summary: 'Print the offsets that would go; change nothing.'}),
  }

  async run(): Promise<void> {
    await this.call('offsets:delete', this.flags)
  }
}
