import type {Cluster, Redis} from 'ioredis'
import {CLUSTER_URL, cluster, REDIS_URL, redis, seedDlq, uniq} from '../../helpers/redis.js'
import type {Kit} from './kit.js'

/** 10 entries; c1 read 6 and acked 2: lag 4, pending 4; 3 dead letters in STREAM:dlq naming the stream. */
function redisKit(name: string, url: string, connect: () => Promise<Redis | Cluster>): Kit {
  return {
    name,
    broker: 'redis',
    unreachable: (s) => ['groups', s.source, '--url', 'redis://127.0.0.1:1'],
    async seed() {
      const r = await connect()
      const stream = uniq('contract')
      const dlq = `${stream}:dlq`
      for (let i = 0; i < 10; i++) await r.xadd(stream, '*', 'n', String(i))
      await r.xgroup('CREATE', stream, 'workers', '0')
      const read = (await r.xreadgroup('GROUP', 'workers', 'c1', 'COUNT', 6, 'STREAMS', stream, '>')) as Array<[string, Array<[string, string[]]>]>
      const ids = read[0][1].map(([id]) => id)
      await r.xack(stream, 'workers', ids[0], ids[1])
      await seedDlq(r, dlq, stream, 3)
      return {
        url,
        argv: {groups: [stream], lag: ['workers', '--stream', stream], consumers: [stream, 'workers'], pending: [stream, 'workers'], replay: [stream]},
        group: 'workers',
        source: stream,
        expect: {lag: 4, pending: 4, consumers: 1, deadLetters: 3, type: 'stream'},
        missingGroup: ['consumers', stream, 'nogroup'],
        refused: ['offsets', 'delete', 'workers', '--topic', 'x'],
        foreignFlag: ['groups', stream, '--vhost', '/'],
        sourceDepth: () => r.xlen(stream),
        async cleanup() {
          await r.del(stream)
          await r.del(dlq)
          await r.quit()
        },
      }
    },
  }
}

export const REDIS_KITS: Kit[] = [redisKit('redis', REDIS_URL, redis), redisKit('redis-cluster', CLUSTER_URL, cluster)]
