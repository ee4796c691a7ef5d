// Status samples over time: a consumption and a production rate per group, the time to drain at that rate, and
// whether a group with work waiting has stopped consuming. cg check --stalled and the --watch views read these;
// the facts come from the drivers' status read (GroupStatus), so every broker gets the same arithmetic.
import type {GroupStatus, StatusResult} from '../core/results.js'

/** A group's identity across samples: Redis group names repeat on different streams. */
export function groupKey(g: Pick<GroupStatus, 'group' | 'sources'>): string {
  return `${g.sources.join('\u0001')}\u0000${g.group}`
}

/** How a group moved between the first and the last of the samples it appears in. */
export interface GroupTrend {
  /** records per second the group consumed; null when the broker keeps no such counter */
  consumeRate: number | null
  /** records per second added to its sources; null when unknown */
  produceRate: number | null
  /** how long the waiting records take at the current net rate; null when nothing waits or it does not drain */
  drainMs: number | null
  /** records wait and the group does not catch up (it consumes slower than it is produced, or not at all) */
  fallingBehind: boolean
  /** records wait and the group consumed nothing over the samples (known only where the broker counts consumption) */
  stalled: boolean
  /** the seconds the rates are taken over (0 with one sample) */
  spanMs: number
  /** lag at each sample, oldest first (null where unknown or the group was absent) */
  lagSeries: Array<number | null>
}

/** Keeps the last `keep` samples and answers each group's trend over them. */
export class StatusSeries {
  private readonly samples: StatusResult[] = []

  constructor(private readonly keep = 30) {}

  add(sample: StatusResult): void {
    this.samples.push(sample)
    if (this.samples.length > this.keep) this.samples.shift()
  }

  get latest(): StatusResult | undefined {
    return this.samples[this.samples.length - 1]
  }

  get size(): number {
    return this.samples.length
  }

  /** Every group of the latest sample with its trend, looked up once per sample (hundreds of groups). */
  trends(): Array<{group: GroupStatus; trend: GroupTrend}> {
    const latest = this.latest
    if (!latest) return []
    const index = this.samples.map((s) => new Map(s.groups.map((g) => [groupKey(g), g])))
    return latest.groups.map((group) => {
      const key = groupKey(group)
      const seen: Array<{at: number; g: GroupStatus}> = []
      const lagSeries: Array<number | null> = []
      this.samples.forEach((s, i) => {
        const g = index[i].get(key)
        lagSeries.push(g?.lag ?? null)
        if (g) seen.push({at: s.takenAt, g})
      })
      return {group, trend: trendOf(seen, lagSeries)}
    })
  }
}

function trendOf(seen: Array<{at: number; g: GroupStatus}>, lagSeries: Array<number | null>): GroupTrend {
  const last = seen[seen.length - 1]
  const first = seen[0]
  const spanMs = first && last ? last.at - first.at : 0
  const rate = (pick: (g: GroupStatus) => number | null): number | null => {
    if (!first || spanMs <= 0) return null
    const a = pick(first.g)
    const b = pick(last.g)
    // a counter that went down was reset (a group re-created, a stream trimmed and re-made): no rate
    if (a === null || b === null || b < a) return null
    return ((b - a) * 1000) / spanMs
  }
  const consumeRate = rate((g) => g.consumed)
  const produceRate = rate((g) => g.produced)
  const lag = last?.g.lag ?? null
  const waiting = lag !== null && lag > 0
  // the lag itself is the net rate's evidence where a counter is missing (RabbitMQ without stats)
  const firstLag = first?.g.lag ?? null
  const lagRate = spanMs > 0 && firstLag !== null && lag !== null ? ((lag - firstLag) * 1000) / spanMs : null
  const net = consumeRate !== null && produceRate !== null ? consumeRate - produceRate : lagRate !== null ? -lagRate : null
  return {
    consumeRate,
    produceRate,
    drainMs: waiting && net !== null && net > 0 ? Math.round((lag * 1000) / net) : null,
    fallingBehind: waiting && net !== null && net <= 0 && spanMs > 0,
    // without a consumption counter a steady lag could be a group consuming as fast as records come: not stalled
    stalled: waiting && spanMs > 0 && consumeRate === 0,
    spanMs,
    lagSeries,
  }
}
