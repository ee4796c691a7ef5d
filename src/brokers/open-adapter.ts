import type {Profile} from '../profiles/resolve.js'
import {CgError} from '../errors/cg-error.js'
import type {BrokerAdapter} from './types.js'

export interface ConnectOptions {
  timeoutMs: number
}

/** Broker clients are imported here, on first use, so `cg --help` never loads them. */
export async function openAdapter(profile: Profile, opts: ConnectOptions): Promise<BrokerAdapter> {
  switch (profile.broker) {
    case 'redis': {
      const {RedisAdapter} = await import('./redis/redis-adapter.js')
      return RedisAdapter.connect(profile, opts)
    }
    default:
      throw new CgError('unsupported', `${profile.broker} is not supported by this version of cg`, 'Use a redis:// profile.')
  }
}
