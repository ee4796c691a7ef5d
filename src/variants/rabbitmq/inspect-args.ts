import {usage} from '../../errors/cg-error.js'
import {warn} from '../../output/log.js'
import type {VariantContext} from '../types.js'

/**
 * The queue of a RabbitMQ command: its positional arguments (exactly `count` of them), else the profile's
 * `queue:` (or `stream:`) when the queue is the only one left out.
 */
export async function positionals(ctx: VariantContext, names: string[], usageLine: string): Promise<string[]> {
  const given = Object.values(ctx.args).filter((v): v is string => v !== undefined && v !== '')
  if (given.length === names.length) return given
  if (given.length === names.length - 1) {
    const p = await ctx.profile()
    const q = p.options.queue ?? p.stream
    if (q !== undefined && q !== null && q !== '') return [String(q), ...given]
  }
  throw usage(`on RabbitMQ: ${usageLine}`, given.length > names.length ? `RabbitMQ has no named groups: the queue's consumers are the group, so give ${names.join(' ')} only.` : `Give ${names.join(' ')}, or set \`queue:\` in the profile.`)
}

export function flag<T = string>(ctx: VariantContext, name: string): T | undefined {
  const v = ctx.flags[name]
  return v === undefined || v === null ? undefined : (v as T)
}

/** Flags with no RabbitMQ meaning are refused as a usage error rather than ignored. */
export function refuseFlags(ctx: VariantContext, names: string[], why: string): void {
  for (const n of names) {
    const v = ctx.flags[n]
    if (v !== undefined && v !== false) throw usage(`--${n} has no meaning on RabbitMQ`, why)
  }
}

export function warnAll(warnings: string[]): void {
  for (const w of warnings) warn(`warning: ${w}`)
}
