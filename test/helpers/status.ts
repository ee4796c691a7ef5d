import type {GroupStatus} from '../../src/core/results.js'

/** A GroupStatus for pure-logic tests: a group of stream tasks, nothing waiting, with `over` on top. */
export function groupStatus(over: Partial<GroupStatus> = {}): GroupStatus {
  return {
    group: 'workers',
    sources: ['tasks'],
    lag: 0,
    timeLagMs: null,
    timeLagNote: null,
    consumers: 1,
    pending: 0,
    oldestPendingMs: null,
    maxDeliveries: null,
    dlq: null,
    consumed: 100,
    produced: 100,
    partitions: null,
    ...over,
  }
}
