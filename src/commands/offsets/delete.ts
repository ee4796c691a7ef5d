import {Args, Flags} from '@oclif/core'
import {CgCommand} from '../../base-command.js'
import {CgError} from '../../errors/cg-error.js'

export default class OffsetsDelete extends CgCommand<typeof OffsetsDelete> {
  static override summary = 'Kafka: delete a group\'s committed offsets for topics (OffsetDelete).'
  static override description = 'Refused (exit 4) for a topic the group still consumes; the rest of the group\'s offsets stay.'
  static override examples = ['<%= config.bin %> offsets delete billing --topic invoices --url kafka://127.0.0.1:9092', '<%= config.bin %> offsets delete billing --topic invoices:0,1 --dry-run']
  static override args = {group: Args.string({description: 'group (default: the profile\'s group)'})}
  static override flags = {
    topic: Flags.string({summary: 'Topic, or topic:p1,p2 (repeatable).', multiple: true}),
    'dry-run': Flags.boolean({summary: 'Print the offsets that would go; change nothing.'}),
  }

  async run(): Promise<void> {
    if (await this.variant()) return
    throw new CgError('unsupported', 'offsets delete is not possible on redis', 'Offsets are a Kafka notion; on Redis use `cg group delete` or `cg setid`.')
  }
}
