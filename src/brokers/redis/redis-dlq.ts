import type {DlqOps} from '../dlq-types.js'
import type {RedisAdapter} from './redis-adapter.js'

export class RedisDlq implements DlqOps {
  constructor(private readonly redis: RedisAdapter) {}
}
