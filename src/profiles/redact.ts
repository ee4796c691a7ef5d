// Secrets never reach any output. Every secret the resolver sees is registered here and scrubbed from
// anything printed (tables, JSON, errors, --verbose logs).
const secrets = new Set<string>()

export function registerSecret(value: unknown): void {
  // YAML reads `password: 123456` as a number; it is still a secret
  const s = typeof value === 'number' || typeof value === 'bigint' ? String(value) : value
  if (typeof s === 'string' && s.length >= 3) secrets.add(s)
}

const URL_CREDENTIALS = /(\b[a-z][a-z0-9+.-]*:\/\/)([^:/@\s]*):([^@/\s]+)@/gi

export function redactUrl(url: string): string {
  return url.replace(URL_CREDENTIALS, (_m, scheme: string, user: string) => `${scheme}${user}:***@`)
}

/** True when the text would come out of redact() changed. */
export function needsRedaction(text: string): boolean {
  if (text.includes('://')) return true
  for (const s of secrets) if (text.includes(s)) return true
  return false
}

export function redact(text: string): string {
  let out = text.includes('://') ? redactUrl(text) : text
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join('***')
  return out
}

export const SECRET_KEYS = new Set(['password', 'pass', 'secret', 'token', 'sasl', 'key', 'passphrase', 'privateKey', 'sentinelPassword'])

/** A deep copy with secret-looking keys masked and URL credentials removed. */
export function maskSecrets<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T
  if (Array.isArray(value)) return value.map((v) => maskSecrets(v)) as T
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) {
      if (SECRET_KEYS.has(k) && v !== undefined && v !== null && typeof v !== 'object') out[k] = '***'
      else out[k] = maskSecrets(v)
    }
    return out as T
  }
  return value
}
