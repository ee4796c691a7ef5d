import {checkKafkaNames} from '../../brokers/kafka/kafka-names.js'
import type {VariantContext, VariantTable} from '../types.js'

/** Commands with a Kafka meaning; any other command is refused on Kafka (exit 4). */
export const KAFKA: VariantTable = {
  groups: () => import('./groups.js'),
  consumers: () => import('./consumers.js'),
  pending: () => import('./pending.js'),
  lag: () => import('./lag.js'),
  claim: () => import('./claim.js'),
  reset: () => import('./reset.js'),
  'group:delete': () => import('./group-delete.js'),
  'offsets:delete': () => import('./offsets-delete.js'),
  'consumer:delete': () => import('./consumer-delete.js'),
  'dlq:replay': () => import('./dlq-replay.js'),
  'dlq:list': () => import('./dlq-list.js'),
  'dlq:peek': () => import('./dlq-peek.js'),
  'dlq:purge': () => import('./dlq-purge.js'),
}

/** Names Kafka cannot hold (an illegal topic name, a string over 32767 bytes) are refused before any call. */
export async function checkNames(ctx: VariantContext): Promise<void> {
  checkKafkaNames(ctx.id, ctx.args, ctx.flags)
}
