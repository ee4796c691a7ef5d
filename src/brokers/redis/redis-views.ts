// How Redis results read in a terminal: one table style (src/output/ui.ts), the common wording of
// src/output/wording.ts.
import type {Operation} from '../../core/operations.js'
import type {GroupCore, GroupsResult} from '../../core/results.js'
import type {HumanView} from '../../output/view-types.js'

type RedisGroupRow = GroupCore & {pending: number | null; lastDeliveredId: string | null; entriesRead: number | null}

export const views: Partial<Record<Operation, HumanView>> = {
  groups: (async (d, ui) => {
    await ui.rows(
      [
        {header: 'STREAM', get: (r) => r.sources[0]},
        {header: 'GROUP', get: (r) => r.group},
        {header: 'CONSUMERS', get: (r) => r.consumers, align: 'right'},
        {header: 'PENDING', get: (r) => r.pending, align: 'right'},
        {header: 'LAST-DELIVERED', get: (r) => r.lastDeliveredId},
        {header: 'ENTRIES-READ', get: (r) => r.entriesRead, align: 'right', empty: 'unknown'},
        {header: 'LAG', get: (r) => r.lag, align: 'right', empty: 'unknown'},
      ],
      d.groups,
      '(no consumer groups)',
    )
  }) satisfies HumanView<GroupsResult<RedisGroupRow>>,
}
