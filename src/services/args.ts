// Positional arguments in a broker's own terms. A command passes them as given; each driver names them
// (STREAM GROUP on Redis, GROUP on Kafka, QUEUE on RabbitMQ) and takes a left-out one from the profile.
import type {Request} from '../core/requests.js'
import {usage} from '../errors/cg-error.js'

export type ProfileKey = 'stream' | 'group' | 'consumer' | 'queue'

/** One positional argument: its name in help (STREAM) and the profile key that can stand in for it. */
export interface ArgSpec {
  name: string
  profile?: ProfileKey
}

/**
 * The arguments named by `specs`, in order: given ones first, then the profile's value for each one left out
 * (a usage error naming it when the profile has none). More arguments than specs is a usage error showing
 * `usageLine`.
 */
export function namedArgs(req: Request<unknown>, specs: readonly ArgSpec[], usageLine: string): string[] {
  const given = req.args.filter((a) => a !== '')
  if (given.length > specs.length) throw usage(`too many arguments: ${usageLine}`, `Give ${specs.map((s) => s.name).join(' ')} at most.`)
  return specs.map((spec, i) => {
    if (i < given.length) return given[i]
    const fromProfile = spec.profile ? profileValue(req, spec.profile) : undefined
    if (fromProfile !== undefined) return fromProfile
    throw usage(
      `missing ${spec.name}: ${usageLine}`,
      spec.profile ? `Give ${spec.name} on the command line, or set \`${spec.profile}:\` in the profile.` : `Give ${spec.name} on the command line.`,
    )
  })
}

/** An optional argument: given, else undefined. */
export function optionalArg(req: Request<unknown>, index: number): string | undefined {
  const v = req.args[index]
  return v === undefined || v === '' ? undefined : v
}

export function profileValue(req: Request<unknown>, key: ProfileKey): string | undefined {
  const p = req.profile
  const v = key === 'queue' ? (p.options.queue ?? p.stream) : p[key]
  return v === undefined || v === null || v === '' ? undefined : String(v)
}
