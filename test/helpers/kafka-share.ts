// A share-group (KIP-932) member for the integration tests: Apache Kafka's console share consumer (4.x jars).
import {randomBytes} from 'node:crypto'
import {backgroundTool, KAFKA, kafkaAdmin, sleep} from './kafka.js'

export interface ShareMemberHandle {
  clientId: string
  stop: () => Promise<void>
}

/**
 * A member of share group `group` reading `topic` (ConsoleShareConsumer). Resolves once the broker lists the
 * group as a share group in state Stable, and keeps running until stop().
 */
export async function shareMember(opts: {bootstrap?: string; group: string; topic: string; timeoutMs?: number}): Promise<ShareMemberHandle> {
  const bootstrap = opts.bootstrap ?? KAFKA.bootstrap
  const clientId = `cg-test-share-${randomBytes(3).toString('hex')}`
  const {stderr, exited, stop} = backgroundTool([
    'latest',
    'org.apache.kafka.tools.consumer.ConsoleShareConsumer',
    '--bootstrap-server',
    bootstrap,
    '--topic',
    opts.topic,
    '--group',
    opts.group,
    '--command-property',
    `client.id=${clientId}`,
  ])
  const admin = kafkaAdmin(bootstrap)
  try {
    const deadline = Date.now() + (opts.timeoutMs ?? 60_000)
    for (;;) {
      const groups = await admin.listGroups({types: ['share']}).catch(() => new Map())
      if (groups.get(opts.group)?.state?.toUpperCase() === 'STABLE') break
      if (exited()) throw new Error(`console share consumer exited early:\n${stderr()}`)
      if (Date.now() > deadline) throw new Error(`share group ${opts.group} not Stable after ${opts.timeoutMs ?? 60_000} ms\n${stderr()}`)
      await sleep(250)
    }
  } catch (error) {
    await stop()
    throw error
  } finally {
    await admin.close()
  }
  return {clientId, stop}
}
