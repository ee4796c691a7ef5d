import type {Profile} from '../profiles/resolve.js'
import type {KafkaAdapter} from './kafka/kafka-types.js'
import type {RabbitAdapter} from './rabbitmq/rabbitmq-types.js'
import type {BrokerAdapter} from './types.js'

export interface ConnectOptions {
  timeoutMs: number
}

export type AnyAdapter = BrokerAdapter | KafkaAdapter | RabbitAdapter

/** Broker clients are imported here, on first use, so `cg --help` never loads them. */
export async function openAdapter(profile: Profile, opts: ConnectOptions): Promise<AnyAdapter> {
  switch (profile.broker) {
    case 'redis': {
      const {RedisAdapter} = await import('./redis/redis-adapter.js')
      return RedisAdapter.connect(profile, opts)
    }
    case 'kafka': {
      const {PlatformaticKafkaAdapter} = await import('./kafka/kafka-adapter.js')
      return PlatformaticKafkaAdapter.connect(profile, opts)
    }
    case 'rabbitmq': {
      const {AmqpRabbitAdapter} = await import('./rabbitmq/rabbitmq-adapter.js')
      return AmqpRabbitAdapter.connect(profile, opts)
    }
  }
}
