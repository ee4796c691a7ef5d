import {CgError} from '../../errors/cg-error.js'
import type {VariantContext} from '../types.js'

/** Kafka has no per-message ownership: nothing to claim. Says what to do instead (exit 4). */
export async function run(_ctx: VariantContext): Promise<void> {
  throw new CgError(
    'unsupported',
    'claim is not possible on Kafka: a partition is owned by one member at a time and there is no per-message ownership to move',
    'To free a stuck member\'s partitions: `cg consumer delete GROUP MEMBER` (the group rebalances). To re-read or skip records: stop the group, then `cg reset GROUP --topic T --shift-by N --execute`.',
  )
}
