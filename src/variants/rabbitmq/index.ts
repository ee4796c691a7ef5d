import {checkAmqpNames} from '../../brokers/rabbitmq/rabbitmq-names.js'
import type {VariantTable} from '../types.js'

/**
 * Commands with a RabbitMQ meaning; any other command is refused on RabbitMQ (exit 4). Each first checks
 * the names it was given against the AMQP limit, so a name RabbitMQ cannot hold never reaches the broker.
 */
export const RABBITMQ: VariantTable = namesChecked({
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
})

function namesChecked(table: VariantTable): VariantTable {
  return Object.fromEntries(
    Object.entries(table).map(([id, load]) => [
      id,
      async () => {
        const {run} = await load()
        return {
          run: async (ctx) => {
            checkAmqpNames(ctx.args, ctx.flags, await ctx.profile())
            await run(ctx)
          },
        }
      },
    ]),
  )
}
