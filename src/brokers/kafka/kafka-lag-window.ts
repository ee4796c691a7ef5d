// Lag evaluation over a window of samples, after LinkedIn Burrow's rules (pure logic; no I/O).
//
// Each partition gets samples of (committed offset, log-end offset, lag) taken over the window.
// Burrow's evaluator, in its order:
//   - current lag 0 (last sample) .......................... ok
//   - no commit for longer than the window ................. stopped
//   - lag was 0 at some sample in the window ............... ok
//   - the committed offset went backwards .................. rewound
//   - the committed offset never moved (lag > 0) ........... stalled
//   - offsets moved, but lag never decreased ............... warn
//   - otherwise ............................................ ok
// OffsetFetch carries no commit timestamps, so "no commit for longer than the window" is read from what
// the samples show: the committed offset never moved AND no member of the group owns the partition
// (nobody is consuming it). A partition whose offset never moved while a member owns it is "stalled"
// (the consumer is there but makes no progress). A partition without any committed offset has no
// status (null): its position is unknown.
// A group's status is its worst partition's: ok < warn < rewound < stalled < stopped.
import {usage} from '../../errors/cg-error.js'
import {parseSpan} from '../../services/time.js'

export type WindowStatus = 'ok' | 'warn' | 'stalled' | 'stopped' | 'rewound'

export const SEVERITY: Record<WindowStatus, number> = {ok: 0, warn: 1, rewound: 2, stalled: 3, stopped: 4}

export interface Sample {
  /** committed offset, null = none */
  offset: number | null
  /** log-end offset, null = unknown */
  logEnd: number | null
}

function lagOf(s: Sample): number | null {
  return s.offset === null || s.logEnd === null ? null : Math.max(0, s.logEnd - s.offset)
}

/** The status of one partition from its samples (oldest first); `owned` = a member has it assigned. */
export function partitionStatus(samples: Sample[], owned: boolean): WindowStatus | null {
  const known = samples.filter((s) => s.offset !== null)
  if (known.length === 0) return null
  const lags = known.map(lagOf)
  const last = lags[lags.length - 1]
  if (last === 0) return 'ok'
  const offsets = known.map((s) => s.offset as number)
  const moved = offsets.some((o, i) => i > 0 && o !== offsets[i - 1])
  if (!moved && !owned && last !== null && last > 0) return 'stopped'
  if (lags.some((l) => l === 0)) return 'ok'
  if (offsets.some((o, i) => i > 0 && o < offsets[i - 1])) return 'rewound'
  if (!moved) return 'stalled'
  const numeric = lags.filter((l): l is number => l !== null)
  const neverDecreased = numeric.every((l, i) => i === 0 || l >= numeric[i - 1])
  if (numeric.length >= 2 && neverDecreased) return 'warn'
  return 'ok'
}

/** The worst of these statuses (nulls ignored; null when there is none). */
export function worst(statuses: Array<WindowStatus | null>): WindowStatus | null {
  let out: WindowStatus | null = null
  for (const s of statuses) if (s && (out === null || SEVERITY[s] > SEVERITY[out])) out = s
  return out
}

/**
 * A --window value as ms: "30s", "500ms", "2m", "1h", or ISO 8601 (PT30S, PT1M). At least 1 s.
 */
export function parseWindow(value: string): number {
  const ms = parseSpan(value, '--window')
  if (ms < 1000) throw usage(`--window ${value} is shorter than 1 s`, 'Sample over at least 1 s (e.g. --window 10s).')
  return Math.round(ms)
}

/** When to take each of `samples` samples over `windowMs` (ms after the start; first at 0, last at windowMs). */
export function sampleTimes(windowMs: number, samples: number): number[] {
  if (!Number.isInteger(samples) || samples < 2) throw usage(`--samples ${samples} is too few`, 'Take at least 2 samples.')
  return Array.from({length: samples}, (_, i) => Math.round((windowMs * i) / (samples - 1)))
}
