import type {RepairOps} from '../repair-types.js'
import type {RedisAdapter} from './redis-adapter.js'

export class RedisRepair implements RepairOps {
  constructor(private readonly redis: RedisAdapter) {}
}
