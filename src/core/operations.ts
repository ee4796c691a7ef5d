// The operations of the driver contract: one per command that talks to a broker, named by the command id, and
// `status`: one group's health facts (GroupStatus), which cg check, cg metrics and the --watch views read.
// A driver implements the reads, and whichever repairs and DLQ operations its broker has; the base command
// refuses the others (exit 4) with the driver's hint, before connecting.

export const READS = ['groups', 'consumers', 'pending', 'lag', 'status'] as const
export const REPAIRS = ['claim', 'setid', 'reset', 'consumer:delete', 'group:create', 'group:delete', 'offsets:delete'] as const
export const DLQ_OPS = ['dlq:list', 'dlq:peek', 'dlq:move', 'dlq:replay', 'dlq:purge'] as const

export type ReadOp = (typeof READS)[number]
export type RepairOp = (typeof REPAIRS)[number]
export type DlqOp = (typeof DLQ_OPS)[number]
export type Operation = ReadOp | RepairOp | DlqOp

export const OPERATIONS: readonly Operation[] = [...READS, ...REPAIRS, ...DLQ_OPS]

/** "dlq:replay" -> "dlq replay", as people type it. */
export function opName(op: Operation): string {
  return op.replace(/:/g, ' ')
}
