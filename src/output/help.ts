// Help that speaks each broker: the usage lines of a command, one form per broker it serves.

export type BrokerLabel = 'Redis' | 'Kafka' | 'RabbitMQ'

/**
 * oclif `static usage` lines, aligned, each ending with the broker it is for:
 *
 *     $ cg reset [STREAM] [GROUP] MODE [--execute]     # Redis
 *     $ cg reset [GROUP] MODE [--topic T] [--execute]  # Kafka
 */
export function usageByBroker(forms: Array<[BrokerLabel, string]>): string[] {
  const width = Math.max(...forms.map(([, form]) => form.length))
  return forms.map(([broker, form]) => `<%= command.id %> ${form.padEnd(width)}  # ${broker}`)
}

/** How the dlq commands find the DLQ on each broker. */
export const WHICH_DLQ =
  "Which DLQ: --dlq, else the profile's dlq (Redis, Kafka), else found from the argument: STREAM:dlq on Redis; on Kafka TOPIC.dlq, TOPIC-dlq or TOPIC.DLT, the first that exists; on RabbitMQ QUEUE itself, or the queue its dead-letter exchange routes to."
