export function median(xs) {
  if (!xs.length) return null
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

export function round(x, digits = 2) {
  if (x === null || x === undefined || !Number.isFinite(x)) return x ?? null
  const f = 10 ** digits
  return Math.round(x * f) / f
}

/** min / median / max of a sample, rounded, for the result files */
export function spread(xs, digits = 1) {
  return {
    n: xs.length,
    min: round(Math.min(...xs), digits),
    median: round(median(xs), digits),
    max: round(Math.max(...xs), digits),
    samples: xs.map((x) => round(x, digits)),
  }
}
