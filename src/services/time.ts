// Date-times and durations as Kafka's reset tool takes them (--to-datetime, --by-duration): cg reset parses
// them the same way on Redis and Kafka. The Redis position code itself is src/brokers/redis/redis-position.ts.
import {usage} from '../errors/cg-error.js'

/** ISO 8601 date-time; without a zone it is UTC. Returns epoch ms. */
export function parseDatetime(value: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?)?(Z|[+-]\d{2}:?\d{2})?$/i.exec(value.trim())
  const bad = () =>
    usage(
      `--to-datetime ${JSON.stringify(value)} is not an ISO 8601 date-time`,
      'Use for example 2024-05-01T12:00:00Z, 2024-05-01T14:00:00+02:00 or 2024-05-01 (no zone = UTC).',
    )
  if (!m) throw bad()
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone = 'Z'] = m
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}${frac.slice(0, 4)}${zone.length === 5 ? zone.slice(0, 3) + ':' + zone.slice(3) : zone.toUpperCase()}`
  const ms = Date.parse(iso)
  const day = Date.parse(`${y}-${mo}-${d}T00:00:00Z`)
  // some engines roll 2024-02-31 over to March: compare the date back to refuse it
  if (!Number.isFinite(ms) || !Number.isFinite(day) || new Date(day).toISOString().slice(0, 10) !== `${y}-${mo}-${d}`) throw bad()
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) throw bad()
  return ms
}

/** ISO 8601 duration PnDTnHnMnS (Kafka's --by-duration), e.g. PT1H, P1DT12H, PT0.5S. Returns ms. */
export function parseDuration(value: string): number {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(value.trim())
  if (!m || value.trim().toUpperCase() === 'P' || /T$/i.test(value.trim()) || m.slice(1).every((x) => x === undefined)) {
    throw usage(`--by-duration ${JSON.stringify(value)} is not an ISO 8601 duration`, 'Use PnDTnHnMnS, for example PT30M, PT1H or P1DT12H.')
  }
  const [d = '0', h = '0', mi = '0', s = '0'] = m.slice(1)
  return Math.round(((Number(d) * 24 + Number(h)) * 60 + Number(mi)) * 60_000 + Number(s) * 1000)
}

/**
 * A span as people write it on the command line: 30s, 5m, 1h, 500ms, a bare number of seconds, or ISO 8601
 * (PT1M, P1DT2H). `flag` names the flag in the error. Returns ms.
 */
export function parseSpan(value: string, flag: string): number {
  const v = value.trim()
  let ms: number | undefined
  const simple = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/i.exec(v)
  if (simple) {
    const n = Number(simple[1])
    const unit = (simple[2] ?? 's').toLowerCase()
    ms = n * {ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000}[unit as 'ms' | 's' | 'm' | 'h' | 'd']
  } else {
    const iso = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(v)
    if (iso && !/^P$|T$/i.test(v) && iso.slice(1).some((x) => x !== undefined)) {
      const [d = '0', h = '0', mi = '0', s = '0'] = iso.slice(1)
      ms = ((Number(d) * 24 + Number(h)) * 60 + Number(mi)) * 60_000 + Number(s) * 1000
    }
  }
  if (ms === undefined || !Number.isFinite(ms)) throw usage(`${flag} ${JSON.stringify(value)} is not a duration`, 'Use for example 30s, 2m, 500ms or PT1M.')
  return Math.round(ms)
}
