import type {BrokerKind} from '../profiles/resolve.js'
import type {Variant, VariantTable} from './types.js'

type OtherBroker = Exclude<BrokerKind, 'redis'>

/**
 * The Kafka or RabbitMQ variant of a command, or null when the broker has no such thing (the command
 * then refuses with exit 4 and the hint of `whyNot`).
 */
export async function loadVariant(broker: OtherBroker, id: string): Promise<Variant | null> {
  const mod = broker === 'kafka' ? await import('./kafka/index.js') : await import('./rabbitmq/index.js')
  const table: VariantTable = 'KAFKA' in mod ? mod.KAFKA : mod.RABBITMQ
  const load = table[id]
  if (!load) return null
  const {run} = await load()
  // names the broker cannot hold are refused (exit 2) before the variant calls the broker
  return async (ctx) => {
    await mod.checkNames(ctx)
    await run(ctx)
  }
}

/** Why a command has no meaning on a broker, and what to use instead. */
export function whyNot(broker: OtherBroker, id: string): string {
  const k: Record<string, string> = {
    setid: 'Kafka groups have committed offsets per partition, not one position: use `cg reset GROUP --to-offset N --topic T`.',
    'group:create': 'A Kafka group comes into being when a consumer joins or offsets are committed: use `cg reset GROUP --topic T --to-earliest --execute` to give a new group offsets.',
    'dlq:move': 'Kafka consumers write their own dead-letter topic (Spring .DLT, Kafka Connect errors.deadletterqueue): cg reads and replays it with `cg dlq replay --dlq TOPIC`.',
  }
  const r: Record<string, string> = {
    setid: 'Classic and quorum queues have no consumer position.',
    reset: 'Classic and quorum queues have no consumer position to move.',
    'group:create': 'A RabbitMQ "group" is the set of consumers of a queue; cg never declares queues.',
    'group:delete': 'A RabbitMQ "group" is the set of consumers of a queue; cg never deletes queues.',
    'dlq:move': 'RabbitMQ dead-letters by itself (reject without requeue, TTL, length limit, delivery limit): cg replays with `cg dlq replay QUEUE`.',
    'offsets:delete': 'Offsets are a Kafka notion.',
  }
  return (broker === 'kafka' ? k[id] : r[id]) ?? 'See the README for what each broker supports.'
}
