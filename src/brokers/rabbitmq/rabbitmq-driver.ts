// RabbitMQ behind the driver contract: a group is a queue's competing consumers, so operations take the
// QUEUE (`group` and `sources` in results are the queue's name). Each operation calls the RabbitMQ services
// and returns plain data with the common core.
import type {DriverModule} from '../../core/driver.js'
import {groups} from '../../services/rabbitmq/inspect.js'
import {mapRows} from '../../core/results.js'
import {optionalArg} from '../../services/args.js'
import type {RabbitAdapter} from './rabbitmq-types.js'

function notYet(op: string): never {
  throw new Error(`${op}: not moved to the driver yet`)
}

export const driver: DriverModule<RabbitAdapter> = {
  broker: 'rabbitmq',
  refusals: {
    setid: 'Classic and quorum queues have no consumer position.',
    reset: 'Classic and quorum queues have no consumer position to move.',
    'group:create': 'A RabbitMQ "group" is the set of consumers of a queue; cg never declares queues.',
    'group:delete': 'A RabbitMQ "group" is the set of consumers of a queue; cg never deletes queues.',
    'dlq:move': 'RabbitMQ dead-letters by itself (reject without requeue, TTL, length limit, delivery limit): cg replays with `cg dlq replay QUEUE`.',
    'offsets:delete': 'Offsets are a Kafka notion.',
  },
  async connect(profile, opts) {
    const {AmqpRabbitAdapter} = await import('./rabbitmq-adapter.js')
    return AmqpRabbitAdapter.connect(profile, opts)
  },
  ops: {
    async groups(conn, req) {
      const report = await groups(conn, {queue: optionalArg(req, 0), vhost: req.flags.vhost})
      return {
        broker: 'rabbitmq',
        serverVersion: report.serverVersion,
        vhost: report.vhost,
        groups: mapRows(report.groups, (q) => ({group: q.queue, sources: [q.queue], lag: q.ready, ...q})),
      }
    },
    consumers: async () => notYet('consumers'),
    pending: async () => notYet('pending'),
    lag: async () => notYet('lag'),
  },
}
