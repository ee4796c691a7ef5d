import {checkAmqpNames} from '../../brokers/rabbitmq/rabbitmq-names.js'
import type {VariantContext, VariantTable} from '../types.js'

/** Commands with a RabbitMQ meaning; any other command is refused on RabbitMQ (exit 4). */
export const RABBITMQ: VariantTable = {
  groups: () => import('./groups.js'),
  consumers: () => import('./consumers.js'),
  pending: () => import('./pending.js'),
  lag: () => import('./lag.js'),
  claim: () => import('./claim.js'),
  'consumer:delete': () => import('./consumer-delete.js'),
  'dlq:list': () => import('./dlq-list.js'),
  'dlq:peek': () => import('./dlq-peek.js'),
  'dlq:replay': () => import('./dlq-replay.js'),
  'dlq:purge': () => import('./dlq-purge.js'),
}

/** Names RabbitMQ cannot hold (over 255 bytes) are refused before any call. */
export async function checkNames(ctx: VariantContext): Promise<void> {
  checkAmqpNames(ctx.args, ctx.flags, await ctx.profile())
}
