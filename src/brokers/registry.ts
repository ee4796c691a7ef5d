// The one list of brokers cg speaks. The profile parser, the schemes in help and hints, and the driver and
// views a command runs all come from here; a broker's code is imported only when a command needs it.
import type {BrokerKind} from '../core/broker.js'
import type {DriverModule} from '../core/driver.js'
import type {Operation} from '../core/operations.js'
import type {HumanView} from '../output/view-types.js'

export interface BrokerEntry {
  readonly kind: BrokerKind
  /** URL schemes without "://": the plain one first, then its TLS form, then other forms (Redis Sentinel) */
  readonly schemes: readonly [plain: string, tls: string, ...more: string[]]
  /** the driver module (src/brokers/<broker>/<broker>-driver.ts) */
  driver(): Promise<DriverModule>
  /** how each operation's result reads in a terminal (src/brokers/<broker>/<broker>-views.ts) */
  views(): Promise<Partial<Record<Operation, HumanView>>>
}

export const BROKERS: readonly BrokerEntry[] = [
  {
    kind: 'redis',
    schemes: ['redis', 'rediss', 'redis+sentinel', 'rediss+sentinel'],
    driver: async () => (await import('./redis/redis-driver.js')).driver,
    views: async () => (await import('./redis/redis-views.js')).views,
  },
  {
    kind: 'kafka',
    schemes: ['kafka', 'kafkas'],
    driver: async () => (await import('./kafka/kafka-driver.js')).driver,
    views: async () => (await import('./kafka/kafka-views.js')).views,
  },
  {
    kind: 'rabbitmq',
    schemes: ['amqp', 'amqps'],
    driver: async () => (await import('./rabbitmq/rabbitmq-driver.js')).driver,
    views: async () => (await import('./rabbitmq/rabbitmq-views.js')).views,
  },
]

export function brokerEntry(kind: BrokerKind): BrokerEntry {
  const entry = BROKERS.find((b) => b.kind === kind)
  if (!entry) throw new Error(`no broker ${kind} in the registry`)
  return entry
}
