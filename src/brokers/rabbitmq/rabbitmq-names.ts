import {usage} from '../../errors/cg-error.js'

/** AMQP 0-9-1 sends queue, exchange, vhost, routing key, consumer tag and message id as a shortstr. */
export const AMQP_NAME_MAX_BYTES = 255

/** The flags whose values are AMQP names (checked with the positional arguments). */
const NAME_FLAGS = ['dlq', 'to-exchange', 'routing-key', 'vhost'] as const

/** A name RabbitMQ could hold: at most 255 bytes of UTF-8. A usage error (exit 2) before any call otherwise. */
export function checkAmqpName(value: string | undefined, what: string): void {
  if (value === undefined) return
  const bytes = Buffer.byteLength(value, 'utf8')
  if (bytes > AMQP_NAME_MAX_BYTES) {
    const shown = value.length > 40 ? `${value.slice(0, 40)}...` : value
    throw usage(
      `${what} ${JSON.stringify(shown)} is ${bytes} bytes long; AMQP names are at most ${AMQP_NAME_MAX_BYTES} bytes`,
      'No queue, exchange or vhost can have this name: check the argument (cg groups lists the queues).',
    )
  }
}

/** Every positional argument and name flag of a RabbitMQ command, and the names the profile supplies. */
export function checkAmqpNames(
  args: readonly string[],
  flags: Record<string, unknown>,
  profile: {stream?: string; dlq?: string; options: Record<string, unknown>},
): void {
  for (const value of args) checkAmqpName(value, 'the name')
  for (const name of NAME_FLAGS) {
    const v = flags[name]
    if (typeof v === 'string') checkAmqpName(v, `--${name}`)
  }
  const queue = profile.options.queue ?? profile.stream
  if (queue != null) checkAmqpName(String(queue), "the profile's queue")
  if (profile.dlq != null) checkAmqpName(profile.dlq, "the profile's dlq")
}
