// Kafka behind the driver contract: each operation names its arguments (GROUP, TOPIC ...), calls the Kafka
// services, and returns plain data with the common core.
import type {DriverModule} from '../../core/driver.js'
import {groupsReport} from './kafka-lag.js'
import {optionalArg} from '../../services/args.js'
import type {KafkaAdapter} from './kafka-types.js'

function notYet(op: string): never {
  throw new Error(`${op}: not moved to the driver yet`)
}

export const driver: DriverModule<KafkaAdapter> = {
  broker: 'kafka',
  refusals: {
    setid: 'Kafka groups have committed offsets per partition, not one position: use `cg reset GROUP --to-offset N --topic T`.',
    'group:create': 'A Kafka group comes into being when a consumer joins or offsets are committed: use `cg reset GROUP --topic T --to-earliest --execute` to give a new group offsets.',
    'dlq:move': 'Kafka consumers write their own dead-letter topic (Spring .DLT, Kafka Connect errors.deadletterqueue): cg reads and replays it with `cg dlq replay --dlq TOPIC`.',
  },
  async connect(profile, opts) {
    const {PlatformaticKafkaAdapter} = await import('./kafka-adapter.js')
    return PlatformaticKafkaAdapter.connect(profile, opts)
  },
  ops: {
    async groups(conn, req) {
      const report = await groupsReport(conn, optionalArg(req, 0))
      return {
        broker: 'kafka',
        groups: report.groups.map(({members, topics, ...g}) => ({
          group: g.group,
          sources: topics,
          state: g.state,
          consumers: members,
          lag: g.lag,
          protocol: g.protocol,
          protocolType: g.protocolType,
        })),
      }
    },
    consumers: async () => notYet('consumers'),
    pending: async () => notYet('pending'),
    lag: async () => notYet('lag'),
  },
}
