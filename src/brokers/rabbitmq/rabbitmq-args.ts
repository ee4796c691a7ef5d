// RabbitMQ's positional arguments: one QUEUE (a queue's consumers are its group), taken from the profile's
// `queue:` (or `stream:`) when left out; `consumer delete` adds the consumer TAG. AMQP names are short
// strings, so a name over 255 bytes is a usage error here, before the broker is asked.
import type {Request} from '../../core/requests.js'
import {usage} from '../../errors/cg-error.js'
import {namedArgs, profileValue} from '../../services/args.js'

const MAX_NAME_BYTES = 255

/** The queue of a command that needs one: its one argument, else the profile's queue. */
export function queueArg(req: Request<unknown>, usageLine: string): string {
  const [queue] = namedArgs(req, [{name: 'QUEUE', profile: 'queue'}], usageLine)
  return amqpName(queue, 'QUEUE')
}

/** The queue of a command that lists all queues without one (groups, lag); an empty one is a usage error. */
export function optionalQueueArg(req: Request<unknown>, usageLine: string): string | undefined {
  if (req.args.length > 1)
    throw usage(`too many arguments: ${usageLine}`, "RabbitMQ has no named groups: the queue's consumers are the group, so give QUEUE only.")
  const queue = req.args[0]
  if (queue === undefined) return undefined
  if (queue === '') throw usage('empty QUEUE', `Give a queue name, or leave it out: ${usageLine}.`)
  return amqpName(queue, 'QUEUE')
}

/** QUEUE and TAG; a lone argument is the TAG, the queue then comes from the profile. */
export function queueAndTagArgs(req: Request<unknown>, usageLine: string): [queue: string, tag: string] {
  const given = req.args.filter((a) => a !== '')
  if (given.length === 1) {
    const queue = profileValue(req, 'queue')
    if (queue === undefined) throw usage(`missing QUEUE: ${usageLine}`, 'Give QUEUE TAG, or set `queue:` in the profile.')
    return [amqpName(queue, 'QUEUE'), amqpName(given[0], 'TAG')]
  }
  const [queue, tag] = namedArgs(req, [{name: 'QUEUE', profile: 'queue'}, {name: 'TAG'}], usageLine)
  return [amqpName(queue, 'QUEUE'), amqpName(tag, 'TAG')]
}

/** An AMQP short string (queue, exchange, consumer tag, routing key): at most 255 bytes. */
export function amqpName(name: string, what: string): string {
  const bytes = Buffer.byteLength(name)
  if (bytes > MAX_NAME_BYTES) {
    throw usage(
      `${what} is ${bytes} bytes long (${JSON.stringify(name.slice(0, 40))}...): AMQP names are at most ${MAX_NAME_BYTES} bytes`,
      'Check the name; no queue, exchange or tag can have a longer one.',
    )
  }
  return name
}

/** An optional flag holding an AMQP name. */
export function optionalName(value: string | undefined, flag: string): string | undefined {
  return value === undefined ? undefined : amqpName(value, flag)
}
