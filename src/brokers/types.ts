// What src/brokers/kafka and src/brokers/rabbitmq still import from here until they take `Connection` and
// `ServerInfo` from src/core/driver.ts; the Redis adapter's shape moved to src/brokers/redis/redis-types.ts.
// Delete this file once nothing imports it.
import type {ServerInfo} from '../core/driver.js'

export type {ServerInfo}

export interface Capabilities {
  claim: boolean
  setId: boolean
  reset: boolean
  consumerDelete: boolean
  groupCreate: boolean
  groupDelete: boolean
  dlq: boolean
}

export interface BaseAdapter {
  readonly broker: ServerInfo['broker']
  readonly capabilities: Capabilities
  close(): Promise<void>
  ping(): Promise<ServerInfo>
}
