import {readFileSync} from 'node:fs'
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
