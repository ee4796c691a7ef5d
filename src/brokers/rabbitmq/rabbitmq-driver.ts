// RabbitMQ behind the driver contract: a group is a queue's competing consumers, so operations take the
// QUEUE (`group` and `sources` in results are the queue's name). Each operation lives in its role's file
// (inspect, repair, dlq-*) and returns plain data with the common core.
import {checkAmqpNames} from './rabbitmq-names.js'
import type {DriverModule} from '../../core/driver.js'
import {listOp, peekOp} from './rabbitmq-dlq-browse.js'
import {purgeOp} from './rabbitmq-dlq-purge.js'
import {replayOp} from './rabbitmq-dlq-replay.js'
import {consumersOp, groupsOp, lagOp, pendingOp} from './rabbitmq-inspect.js'
import {claimOp, consumerDeleteOp} from './rabbitmq-repair.js'
import {statusOp} from './rabbitmq-status.js'
import {resetOp} from './rabbitmq-stream-ops.js'
import type {RabbitAdapter} from './rabbitmq-types.js'

export const driver: DriverModule<RabbitAdapter> = {
  broker: 'rabbitmq',
  refusals: {
    setid: 'Classic and quorum queues have no consumer position.',
    'group:create': 'A RabbitMQ "group" is the set of consumers of a queue; cg never declares queues.',
    'group:delete': 'A RabbitMQ "group" is the set of consumers of a queue; cg never deletes queues.',
    'dlq:move': 'RabbitMQ dead-letters by itself (reject without requeue, TTL, length limit, delivery limit): cg replays with `cg dlq replay QUEUE`.',
    'offsets:delete': 'Offsets are a Kafka notion.',
  },
  checkNames: (_op, req) => checkAmqpNames(req.args, req.flags, req.profile),
  async connect(profile, opts) {
    const {AmqpRabbitAdapter} = await import('./rabbitmq-adapter.js')
    return AmqpRabbitAdapter.connect(profile, opts)
  },
  ops: {
    status: statusOp,
    groups: groupsOp,
    consumers: consumersOp,
    pending: pendingOp,
    lag: lagOp,
    reset: resetOp,
    claim: claimOp,
    'consumer:delete': consumerDeleteOp,
    'dlq:list': listOp,
    'dlq:peek': peekOp,
    'dlq:replay': replayOp,
    'dlq:purge': purgeOp,
  },
}
