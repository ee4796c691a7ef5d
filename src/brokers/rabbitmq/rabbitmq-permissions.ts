// The permissions a repair needs, checked before it changes anything. RabbitMQ has no call that tells a
// user (who is not an administrator) its own permissions, so cg asks the broker with an operation that can
// never succeed: queue.bind / exchange.bind with the default exchange as the source. The broker checks
// write permission on the destination first and refuses it (ACCESS_REFUSED naming the resource), and only
// then refuses any binding to the default exchange ("operation not permitted on the default exchange"):
// either way the channel closes and nothing is bound.
import {CgError} from '../../errors/cg-error.js'
import type {RabbitAdapter} from './rabbitmq-types.js'

export type Permission = 'configure' | 'write' | 'read'
export type ResourceKind = 'queue' | 'exchange'

/** "access to queue 'q' in vhost 'v' refused for user 'u'" (with "write " etc. in front on some versions) */
const REFUSED = /ACCESS_REFUSED - (?:(configure|write|read) )?access to (queue|exchange) '(.*)' in vhost '(.*)' refused for user '(.*?)'/

/** An ACCESS_REFUSED channel error, parsed; null when the text is not one. */
export function accessRefused(err: unknown): {permission: Permission | null; kind: ResourceKind; name: string; vhost: string; user: string} | null {
  const m = REFUSED.exec((err as Error)?.message ?? String(err))
  if (!m) return null
  return {permission: (m[1] as Permission | undefined) ?? null, kind: m[2] as ResourceKind, name: m[3], vhost: m[4], user: m[5]}
}

/** A resource's name for messages: the default exchange "" is amq.default to the broker's permissions. */
function shown(kind: ResourceKind, name: string): string {
  return kind === 'exchange' && (name === '' || name === 'amq.default') ? 'exchange amq.default (the default exchange)' : `${kind} ${name}`
}

/**
 * The refusal (exit 4) of an operation that lacks `permission` on a resource: the permission, the resource,
 * the user and the vhost named, and the permissions to grant as a hint. `action` says what was refused
 * ("purge the DLQ orders.dlq").
 */
export function permissionRefused(a: RabbitAdapter, permission: Permission, kind: ResourceKind, name: string, action: string): CgError {
  const {username: user, vhost} = a.options
  const resource = kind === 'exchange' && name === '' ? 'amq.default' : name
  const regex = `^${resource.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`
  const args = (['configure', 'write', 'read'] as const).map((p) => (p === permission ? `'${regex}'` : `<${p}>`)).join(' ')
  return new CgError(
    'refused',
    `user ${user} may not ${action}: it has no ${permission} permission on ${shown(kind, name)} in vhost ${vhost} (ACCESS_REFUSED)`,
    `Nothing was changed. Run it as a user with ${permission} permission on ${resource}, or grant it: rabbitmqctl set_permissions -p ${JSON.stringify(vhost)} ${user} ${args} (the ${permission} pattern must match ${resource}).`,
  )
}

/**
 * Refuses (exit 4) before anything is changed when the user lacks write permission on the queue or
 * exchange. Any other answer (allowed, or a broker that does not check in this order) lets the repair go on:
 * the broker still checks every operation itself.
 */
export async function requireWrite(a: RabbitAdapter, kind: ResourceKind, name: string, action: string): Promise<void> {
  const ch = await a.channel()
  try {
    // the default exchange can be the source of no binding: this never binds anything
    if (kind === 'queue') await ch.bindQueue(name, '', '')
    else await ch.bindExchange(name, '', '')
  } catch (err) {
    const r = accessRefused(err)
    if (r && r.kind === kind && (r.name === name || (kind === 'exchange' && name === '' && r.name === 'amq.default')))
      throw permissionRefused(a, 'write', kind, name, action)
  } finally {
    await ch.close().catch(() => undefined)
  }
}
