// Redis Streams behind the driver contract: each operation names its arguments (STREAM GROUP ...), calls
// the adapter and the Redis services, and returns plain data with the common core.
import type {DriverModule} from '../../core/driver.js'
import {mapRows} from '../../core/results.js'
import {optionalArg} from '../../services/args.js'
import type {RedisAdapter} from './redis-adapter.js'

function notYet(op: string): never {
  throw new Error(`${op}: not moved to the driver yet`)
}

export const driver: DriverModule<RedisAdapter> = {
  broker: 'redis',
  refusals: {
    'offsets:delete': 'Offsets are a Kafka notion: on Redis move a group with cg setid or cg reset, or delete it with cg group delete.',
  },
  async connect(profile, opts) {
    const {RedisAdapter} = await import('./redis-adapter.js')
    return RedisAdapter.connect(profile, opts)
  },
  ops: {
    async groups(conn, req) {
      const rows = conn.groups(optionalArg(req, 0))
      return {
        broker: 'redis',
        groups: mapRows(rows, (r) => ({
          group: r.group,
          sources: [r.source],
          state: null,
          consumers: r.consumers,
          lag: r.lag,
          pending: r.pending,
          lastDeliveredId: r.lastDeliveredId,
          entriesRead: r.entriesRead,
        })),
      }
    },
    consumers: async () => notYet('consumers'),
    pending: async () => notYet('pending'),
    lag: async () => notYet('lag'),
  },
}
