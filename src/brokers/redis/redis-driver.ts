// Redis Streams behind the driver contract. Each operation lives in a role file of this folder (inspect,
// status, claim, position, consumer delete, group admin, DLQ browse / move / replay), loaded when a command runs it.
import type {DriverModule} from '../../core/driver.js'
import type {RedisAdapter} from './redis-adapter.js'

const inspect = () => import('./redis-inspect.js')
const statusRead = () => import('./redis-status.js')
const claim = () => import('./redis-claim.js')
const position = () => import('./redis-position.js')
const consumerDelete = () => import('./redis-consumer-delete.js')
const groupAdmin = () => import('./redis-group-admin.js')
const dlqBrowse = () => import('./redis-dlq-browse.js')
const dlqMove = () => import('./redis-dlq-move.js')
const dlqReplay = () => import('./redis-dlq-replay.js')

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
    status: async (conn, req) => (await statusRead()).status(conn, req),
    groups: async (conn, req) => (await inspect()).groups(conn, req),
    consumers: async (conn, req) => (await inspect()).consumers(conn, req),
    pending: async (conn, req) => (await inspect()).pending(conn, req),
    lag: async (conn, req) => (await inspect()).lag(conn, req),
    claim: async (conn, req) => (await claim()).claim(conn, req),
    setid: async (conn, req) => (await position()).setId(conn, req),
    reset: async (conn, req) => (await position()).reset(conn, req),
    'consumer:delete': async (conn, req) => (await consumerDelete()).consumerDelete(conn, req),
    'group:create': async (conn, req) => (await groupAdmin()).groupCreate(conn, req),
    'group:delete': async (conn, req) => (await groupAdmin()).groupDelete(conn, req),
    'dlq:list': async (conn, req) => (await dlqBrowse()).dlqList(conn, req),
    'dlq:peek': async (conn, req) => (await dlqBrowse()).dlqPeek(conn, req),
    'dlq:move': async (conn, req) => (await dlqMove()).dlqMove(conn, req),
    'dlq:replay': async (conn, req) => (await dlqReplay()).dlqReplay(conn, req),
    'dlq:purge': async (conn, req) => (await dlqBrowse()).dlqPurge(conn, req),
  },
}
