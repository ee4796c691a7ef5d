// Kafka fixtures for the integration tests: the brokers `npm run brokers:up` starts (scripts/kafka/).
// A test that cannot reach them fails; it never skips.
export {uniq} from './redis.js'

/** The newest 4.x (primary) and 3.9.x (compatibility) brokers. */
export const KAFKA_TARGETS = [
  {name: 'kafka-4', url: 'kafka://127.0.0.1:9092', bootstrap: '127.0.0.1:9092'},
  {name: 'kafka-3.9', url: 'kafka://127.0.0.1:9192', bootstrap: '127.0.0.1:9192'},
] as const
export const KAFKA = KAFKA_TARGETS[0]
export const KAFKA_COMPAT = KAFKA_TARGETS[1]
