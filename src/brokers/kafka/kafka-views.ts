// How Kafka results read in a terminal: one table style (src/output/ui.ts), the common wording of
// src/output/wording.ts.
import type {Operation} from '../../core/operations.js'
import type {GroupCore, GroupsResult} from '../../core/results.js'
import type {HumanView} from '../../output/view-types.js'

type KafkaGroupRow = GroupCore & {protocol: string; protocolType: string}

export const views: Partial<Record<Operation, HumanView>> = {
  groups: (async (d, ui) => {
    await ui.rows(
      [
        {header: 'GROUP', get: (r) => r.group},
        {header: 'STATE', get: (r) => r.state},
        {header: 'PROTOCOL', get: (r) => r.protocol},
        {header: 'CONSUMERS', get: (r) => r.consumers, align: 'right'},
        {header: 'LAG', get: (r) => r.lag, align: 'right', empty: 'unknown'},
        {header: 'TOPICS', get: (r) => r.sources.join(',')},
      ],
      d.groups,
      '(no consumer groups)',
    )
  }) satisfies HumanView<GroupsResult<KafkaGroupRow>>,
}
