// The brokers cg speaks, as plain names; src/brokers/registry.ts says how each is reached.
export type BrokerKind = 'redis' | 'kafka' | 'rabbitmq'

export const BROKER_KINDS: readonly BrokerKind[] = ['redis', 'kafka', 'rabbitmq']

/** How people write the broker's name, in help and messages. */
export const BROKER_LABEL: Record<BrokerKind, string> = {redis: 'Redis', kafka: 'Kafka', rabbitmq: 'RabbitMQ'}
