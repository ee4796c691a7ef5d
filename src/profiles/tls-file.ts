import {readFileSync} from 'node:fs'
import {isIP} from 'node:net'
import {dirname, resolve} from 'node:path'
import {CgError} from '../errors/cg-error.js'
import type {Profile} from './resolve.js'

/**
 * A TLS file (tls.ca / tls.cert / tls.key) of a profile, read relative to the profile's config file (or the
 * working directory). undefined when the field is not set (undefined or empty); a file that cannot be read
 * is a usage error naming the field and the full path.
 */
export function tlsFile(profile: Profile, field: string, path: string | undefined): Buffer | undefined {
  if (!path) return undefined
  const full = resolve(profile.configPath ? dirname(profile.configPath) : process.cwd(), path)
  try {
    return readFileSync(full)
  } catch (error) {
    throw new CgError('usage', `cannot read tls.${field} ${full}: ${(error as NodeJS.ErrnoException).code ?? error}`, `Fix tls.${field} in the profile.`)
  }
}

/** node:tls connection options, as every broker's client takes them. */
export interface TlsSettings {
  ca?: Buffer
  cert?: Buffer
  key?: Buffer
  passphrase?: string
  rejectUnauthorized: boolean
  servername?: string
}

/**
 * The profile's `tls:` as node:tls options, the same on every broker: `tls: {ca, cert, key, passphrase,
 * servername, insecure}` (files relative to the config file, read now so a bad path is a usage error up
 * front; `insecure: true` accepts any server certificate; `rejectUnauthorized: false` is read the same way),
 * or `tls: true` for TLS with the system CAs. undefined when neither the URL (`secure`) nor the profile asks
 * for TLS. `host` is the host connected to: the default SNI name (an IP address sends none).
 */
export function profileTls(profile: Profile, secure: boolean, host?: string): TlsSettings | undefined {
  const raw = profile.options.tls
  // `${VAR}` interpolation yields strings, so "false" must count as false
  const off = (v: unknown) => v !== undefined && v !== null && String(v) === 'false'
  if (!secure && (!raw || off(raw))) return undefined
  const t = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>
  const insecure = t.insecure !== undefined && t.insecure !== null && !off(t.insecure)
  const out: TlsSettings = {rejectUnauthorized: !insecure && !off(t.rejectUnauthorized)}
  for (const field of ['ca', 'cert', 'key'] as const) {
    const file = tlsFile(profile, field, t[field] == null ? undefined : String(t[field]))
    if (file) out[field] = file
  }
  if (t.passphrase != null && t.passphrase !== '') out.passphrase = String(t.passphrase)
  // SNI takes a DNS name only: node warns (DEP0123) when given an IP address
  const sni = t.servername != null ? String(t.servername) : host?.replace(/^\[|\]$/g, '')
  if (sni && !isIP(sni)) out.servername = sni
  return out
}
