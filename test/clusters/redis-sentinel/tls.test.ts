import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {Redis} from 'ioredis'
import {runCg} from '../../helpers/cli.js'
import {fieldValues, seedDlq, seedGroup, uniq} from '../../helpers/redis.js'
import {failover, MASTER_NAME, TLS_SENTINEL_PORTS, tlsMaster, tlsMasterPort, tlsSentinelConfig} from '../../helpers/redis-sentinel.js'

// Redis Sentinel over TLS (the README's "Redis Sentinel with TLS" profile): sentinels and data nodes speak
// TLS only and require client certificates; the profile's tls: serves both the sentinels and the master.

const config = tlsSentinelConfig()

describe('Redis Sentinel with TLS and client certificates', () => {
  let r: Redis
  const keys: string[] = []
  beforeAll(async () => {
    r = await tlsMaster()
  })
  afterAll(async () => {
    for (const k of keys) await r.del(k)
    await r.quit()
  })

  it('profiles test resolves the master through the TLS sentinels', async () => {
    const res = await runCg(['profiles', 'test', '--config', config, '--json'])
    expect(res.code, res.stderr).toBe(0)
    expect(res.json()).toMatchObject({mode: 'sentinel', master: `${MASTER_NAME} at 127.0.0.1:${await tlsMasterPort()}`})
  })

  it('groups, claim and dlq replay over TLS', async () => {
    const s = uniq('sentinel-tls')
    keys.push(s, `${s}:dlq`)
    const ids = await seedGroup(r, s, 'workers', 30, ['w1'])
    const groups = await runCg(['groups', s, '--config', config, '--json'])
    expect(groups.code, groups.stderr).toBe(0)
    expect(groups.json().groups).toEqual([expect.objectContaining({group: 'workers', pending: 30})])
    const claim = await runCg(['claim', s, 'workers', '--idle', '0', '--to', 'w2', '--config', config, '--json'])
    expect(claim.code, claim.stderr).toBe(0)
    expect(claim.json().claimedIds).toEqual(ids)
    const t = uniq('sentinel-tls-replay')
    keys.push(t, `${t}:dlq`)
    await seedDlq(r, `${t}:dlq`, t, 40)
    const replay = await runCg(['dlq', 'replay', t, '--config', config, '--json'])
    expect(replay.code, replay.stderr).toBe(0)
    expect(replay.json().totals).toMatchObject({replayed: 40, failed: 0})
    expect(new Set(await fieldValues(r, t, 'uid')).size).toBe(40)
    expect(await r.xlen(`${t}:dlq`)).toBe(0)
  })

  it('the wrong CA: exit 69, one line naming the certificate problem', async () => {
    const res = await runCg(['groups', '--config', tlsSentinelConfig({ca: 'wrong-ca.pem', cert: 'client.pem', key: 'client.key'})])
    expect(res.code).toBe(69)
    const lines = res.stderr.trim().split('\n')
    expect(lines).toHaveLength(2)
    expect(lines[0]).toBe(
      'Error: TLS handshake with the Redis sentinel at 127.0.0.1:26390 failed: the server certificate is not signed by a CA cg trusts (SELF_SIGNED_CERT_IN_CHAIN)',
    )
  })

  it('no client certificate: exit 69, the sentinel asked for one', async () => {
    const res = await runCg(['groups', '--config', tlsSentinelConfig({ca: 'ca.pem'}), '--json'])
    expect(res.code).toBe(69)
    expect(res.json().error.message).toMatch(/^TLS handshake with the Redis sentinel at 127\.0\.0\.1:26390 failed: .*certificate required/)
  })

  it('plain text against the TLS sentinels: exit 69, a TLS-only port is named', async () => {
    const res = await runCg(['groups', '--url', `redis+sentinel://127.0.0.1:${TLS_SENTINEL_PORTS[0]}/${MASTER_NAME}`, '--json'])
    expect(res.code).toBe(69)
    expect(res.json().error.message).toContain('a TLS-only port?')
  })

  it('after a failover of the TLS set, the profile finds the new master', async () => {
    const before = await tlsMasterPort()
    await failover('tls')
    const after = await tlsMasterPort()
    expect(after).not.toBe(before)
    const res = await runCg(['profiles', 'test', '--config', config, '--json'])
    expect(res.code, res.stderr).toBe(0)
    expect(res.json().master).toBe(`${MASTER_NAME} at 127.0.0.1:${after}`)
    r.disconnect()
    r = await tlsMaster()
  }, 120_000)
})
