import {CgError} from '../../errors/cg-error.js'
import type {VariantContext} from '../types.js'

// PLACEHOLDER: replaced by the real Kafka variant.
export async function run(ctx: VariantContext): Promise<void> {
  throw new CgError('unsupported', `${ctx.id} on Kafka is not built yet`)
}
