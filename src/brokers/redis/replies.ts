/** ioredis RESP2 replies are flat [k, v, k, v] arrays: decode by field name, never by position. */
export function fields(reply: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  if (!Array.isArray(reply)) return out
  for (let i = 0; i + 1 < reply.length; i += 2) out[String(reply[i])] = reply[i + 1]
  return out
}

export function num(v: unknown): number | null {
  if (v === null || v === undefined) return null
  const n = typeof v === 'number' ? v : Number(String(v))
  return Number.isFinite(n) ? n : null
}

export function text(v: unknown): string | null {
  if (v === null || v === undefined) return null
  return Buffer.isBuffer(v) ? v.toString() : String(v)
}
