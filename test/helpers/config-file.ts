// A cg config file for one test: written as JSON (JSON is YAML) with mode 0600, so cg does not warn that
// others may read it.
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

/** Writes a whole config document (`{default?, profiles}`) to a new temporary file; returns its path. */
export function configFile(doc: Record<string, unknown>): string {
  const path = join(mkdtempSync(join(tmpdir(), 'cg-config-')), 'config.yaml')
  writeFileSync(path, JSON.stringify(doc), {mode: 0o600})
  return path
}

/** A config file of these profiles. */
export const profilesFile = (profiles: Record<string, unknown>): string => configFile({profiles})

/** A config file whose one profile, `r`, is the default. */
export const defaultProfileFile = (profile: Record<string, unknown>): string => configFile({default: 'r', profiles: {r: profile}})
