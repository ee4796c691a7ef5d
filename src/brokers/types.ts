import type {BrokerKind} from '../profiles/resolve.js'
import type {DlqOps} from './dlq-types.js'
import type {RepairOps} from './repair-types.js'

/** Plain data rows that cross the adapter boundary. Unknown values are null, never 0. */
export interface GroupRow {
  source: string
  group: string
  consumers: number | null
  pending: number | null
  lastDeliveredId: string | null
  entriesRead: number | null
  lag: number | null
}

export interface ConsumerRow {
  name: string
  pending: number
  idleMs: number
  /** ms since the last successful read; null where the server does not say (Redis < 7.2) or never read */
  inactiveMs: number | null
}

export interface PendingSummary {
  source: string
  group: string
  consumer: string | null
  count: number
  minId: string | null
  maxId: string | null
  consumers: Array<{name: string; pending: number}>
}

export interface PendingEntry {
  id: string
  consumer: string
  idleMs: number
  deliveries: number
}

export interface PendingQuery {
  source: string
  group: string
  consumer?: string
  minIdleMs?: number
  start?: string
  end?: string
  /** null: all of them */
  count: number | null
}

export interface LagRow {
  source: string
  group: string
  lag: number | null
  pending: number | null
  oldestPendingId: string | null
  oldestPendingIdleMs: number | null
}

export interface ServerInfo {
  broker: BrokerKind
  version: string | null
  mode: string | null
  latencyMs: number
}

/** What a broker can do; a service asks before it calls, and refuses with exit 4 otherwise. */
export interface Capabilities {
  claim: boolean
  setId: boolean
  reset: boolean
  consumerDelete: boolean
  groupCreate: boolean
  groupDelete: boolean
  dlq: boolean
}

/** What every broker's adapter has: its kind, what it can do, a health check and close. */
export interface BaseAdapter {
  readonly broker: BrokerKind
  readonly capabilities: Capabilities
  close(): Promise<void>
  ping(): Promise<ServerInfo>
}

/**
 * The Redis Streams adapter. Kafka and RabbitMQ have their own shapes (src/brokers/kafka/kafka-types.ts,
 * src/brokers/rabbitmq/rabbitmq-types.ts); commands reach them through src/variants/.
 */
export interface BrokerAdapter extends BaseAdapter {
  readonly broker: 'redis'
  groups(source?: string): AsyncIterable<GroupRow>
  consumers(source: string, group: string): Promise<ConsumerRow[]>
  pendingSummary(source: string, group: string, consumer?: string): Promise<PendingSummary>
  pendingEntries(query: PendingQuery): AsyncIterable<PendingEntry>
  lag(group?: string, source?: string): AsyncIterable<LagRow>
  /** operation groups; absent where the broker has no such thing (the command then exits 4) */
  readonly repair?: RepairOps
  readonly dlq?: DlqOps
}
