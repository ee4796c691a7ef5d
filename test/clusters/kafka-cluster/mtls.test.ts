// The README's "Kafka cluster with mTLS" profile, as written, against the kafka-cluster deployment's mTLS
// listeners (127.0.0.1:9492-9494, client certificate required; the nodes talk to each other over PLAINTEXT):
// cg bootstraps through the list, reaches the coordinator and every leader over TLS, and reads and repairs as
// over the plain-text listeners. A missing client certificate and a wrong CA are exit 69 in one line.
import {join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {runCg} from '../../helpers/cli.js'
import {profilesFile} from '../../helpers/config-file.js'
import {CLUSTER_BOOTSTRAP, CLUSTER_URL, clusterSettled} from '../../helpers/kafka-cluster.js'
import {kafkaAdmin, kname, testCerts, withLaggingGroup} from '../../helpers/kafka.js'
import {expectValid} from '../../helpers/schemas.js'

const MTLS = 'kafkas://127.0.0.1:9492,127.0.0.1:9493,127.0.0.1:9494'

describe('kafka-cluster over mTLS: the README profile', () => {
  const certs = testCerts()
  const c = (f: string) => join(certs, f)
  const topic = kname('kc-mtls')
  const group = kname('kc-mtls-g')
  const path = profilesFile({
    'kafka-cluster-mtls': {url: MTLS, tls: {ca: c('ca.pem'), cert: c('client.pem'), key: c('client.key')}},
    // the first node of the list does not answer (nothing listens on 9499): the next one bootstraps
    deadFirst: {url: 'kafkas://127.0.0.1:9499,127.0.0.1:9493', tls: {ca: c('ca.pem'), cert: c('client.pem'), key: c('client.key')}},
    noCert: {url: MTLS, tls: {ca: c('ca.pem')}},
    wrongCa: {url: MTLS, tls: {ca: c('wrong-ca.pem'), cert: c('client.pem'), key: c('client.key')}},
  })
  const cg = (...args: string[]) => runCg([...args, '--config', path])

  // a cluster started a moment ago may not take idempotent writes yet (InitProducerId): wait until it does
  beforeAll(async () => {
    const admin = kafkaAdmin(CLUSTER_BOOTSTRAP)
    try {
      await clusterSettled(admin, CLUSTER_BOOTSTRAP)
    } finally {
      await admin.close()
    }
  }, 120_000)
  withLaggingGroup(CLUSTER_BOOTSTRAP, topic, group)

  it('groups, consumers and lag answer as over plain text; a reset over mTLS moves the offsets', async () => {
    const groups = await cg('groups', '-p', 'kafka-cluster-mtls', '--json')
    expect(groups.code, groups.stderr).toBe(0)
    expectValid('groups.json', groups.json(), 'groups over mTLS')
    expect(groups.json().groups.map((g: {group: string}) => g.group)).toContain(group)

    const lag = await cg('lag', group, '-p', 'kafka-cluster-mtls', '--json')
    expect(lag.code, lag.stderr).toBe(0)
    const plain = await runCg(['lag', group, '--url', CLUSTER_URL, '--json'])
    expect(plain.code, plain.stderr).toBe(0)
    expect(lag.json().groups[0]).toMatchObject({group, lag: 5})
    expect(lag.json().groups[0].partitions.map((p: {lag: number}) => p.lag)).toEqual(plain.json().groups[0].partitions.map((p: {lag: number}) => p.lag))

    const reset = await cg('reset', group, '--to-offset', '1', '--topic', topic, '--execute', '-p', 'kafka-cluster-mtls', '--json')
    expect(reset.code, reset.stderr).toBe(0)
    expect(reset.json()).toMatchObject({group, executed: true})
    const after = await runCg(['lag', group, '--url', CLUSTER_URL, '--json'])
    expect(after.json().groups[0]).toMatchObject({group, lag: 8})
  })

  it('a list whose first node does not answer bootstraps through the next', async () => {
    const r = await cg('lag', group, '-p', 'deadFirst', '--json')
    expect(r.code, r.stderr).toBe(0)
    expect(r.json().groups[0].group).toBe(group)
  })

  it('no client certificate, or the wrong CA: exit 69, one line naming the problem', async () => {
    const none = await cg('groups', '-p', 'noCert')
    expect(none.code).toBe(69)
    expect(none.stderr).toMatch(/^Error: .*127\.0\.0\.1:949[234] failed: the server requires a client certificate, and none was sent/m)
    const wrong = await cg('groups', '-p', 'wrongCa')
    expect(wrong.code).toBe(69)
    expect(wrong.stderr).toMatch(/^Error: .*127\.0\.0\.1:949[234] failed: the server certificate is not signed by a CA cg trusts/m)
    for (const r of [none, wrong]) expect(r.stderr.trim().split('\n').length, r.stderr).toBeLessThanOrEqual(2)
  })
})
