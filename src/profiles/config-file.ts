import {existsSync, readFileSync, statSync, mkdirSync, writeFileSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'
import {homedir} from 'node:os'
import {CgError} from '../errors/cg-error.js'

export interface RawProfile {
  broker?: string
  url?: string
  brokers?: string[] | string
  stream?: string
  group?: string
  consumer?: string
  dlq?: string
  [key: string]: unknown
}

export interface ConfigFile {
  path: string
  /** which rule found it: --config, $CG_CONFIG, a project .cg.yaml or the user config */
  foundBy: 'flag' | 'env' | 'project' | 'user'
  default?: string
  profiles: Record<string, RawProfile>
}

export const PROJECT_FILE = '.cg.yaml'

export function userConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config')
  return join(base, 'cg', 'config.yaml')
}

/** The lookup order of the spec: --config, $CG_CONFIG, .cg.yaml walking up, then the user config. */
export function findConfigPath(flag: string | undefined, env: NodeJS.ProcessEnv, cwd: string): {path: string; foundBy: ConfigFile['foundBy']} | null {
  if (flag) return {path: resolve(cwd, flag), foundBy: 'flag'}
  if (env.CG_CONFIG) return {path: resolve(cwd, env.CG_CONFIG), foundBy: 'env'}
  let dir = resolve(cwd)
  for (;;) {
    const candidate = join(dir, PROJECT_FILE)
    if (existsSync(candidate)) return {path: candidate, foundBy: 'project'}
    const parent = dirname(dir)
    if (parent === dir) break
    dir = parent
  }
  const user = userConfigPath(env)
  return existsSync(user) ? {path: user, foundBy: 'user'} : null
}

/** `${VAR}` is read from the environment; a missing variable is a usage error, not an empty string. */
export function interpolate(value: unknown, env: NodeJS.ProcessEnv, where: string): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
      const v = env[name]
      if (v === undefined) throw new CgError('usage', `${where} uses \${${name}} but ${name} is not set`, `Export ${name} or change the profile.`)
      return v
    })
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, env, `${where}[${i}]`))
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = interpolate(v, env, `${where}.${k}`)
    return out
  }
  return value
}

export async function loadConfig(found: {path: string; foundBy: ConfigFile['foundBy']}): Promise<ConfigFile> {
  let text: string
  try {
    text = readFileSync(found.path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT')
      throw new CgError('usage', `config file ${found.path} does not exist`, 'Fix --config / $CG_CONFIG, or create the file (see README: Profiles).')
    throw new CgError('usage', `cannot read config file ${found.path}: ${code}`, 'Check the file permissions.')
  }
  const {parse} = await import('yaml')
  let doc: unknown
  try {
    doc = parse(text) ?? {}
  } catch (error) {
    throw new CgError('usage', `config file ${found.path} is not valid YAML: ${(error as Error).message.split('\n')[0]}`, 'Fix the YAML syntax.')
  }
  if (typeof doc !== 'object' || Array.isArray(doc))
    throw new CgError('usage', `config file ${found.path} must be a mapping`, 'Expected `default:` and `profiles:` keys.')
  const d = doc as {default?: unknown; profiles?: unknown}
  const profiles = (d.profiles ?? {}) as Record<string, RawProfile>
  if (typeof profiles !== 'object' || Array.isArray(profiles))
    throw new CgError('usage', `config file ${found.path}: profiles must be a mapping of names`, 'See README: Profiles.')
  return {path: found.path, foundBy: found.foundBy, default: typeof d.default === 'string' ? d.default : undefined, profiles}
}

/** True when group or others may read the file (mode & 044). */
export function readableByOthers(path: string): boolean {
  try {
    return (statSync(path).mode & 0o044) !== 0
  } catch {
    return false
  }
}

const SECRET_FIELDS = /^(password|pass|secret|token|passphrase)$/
const ONLY_VAR = /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/
const URL_PASSWORD = /:\/\/[^/@\s:]*:([^@/\s]+)@/

/** A secret written in the file itself; `password: ${VAR}` keeps it in the environment instead. */
export function hasSecrets(value: unknown, key?: string): boolean {
  if (Array.isArray(value)) return value.some((v) => hasSecrets(v))
  if (value && typeof value === 'object') return Object.entries(value).some(([k, v]) => hasSecrets(v, k))
  if (value === null || value === undefined || value === '') return false
  if (key && SECRET_FIELDS.test(key)) return !ONLY_VAR.test(String(value))
  const inUrl = typeof value === 'string' ? URL_PASSWORD.exec(value) : null
  return inUrl !== null && !ONLY_VAR.test(inUrl[1])
}

/** The warning for a file that holds secrets and that other users can read, else null. */
export function exposedSecretsWarning(file: ConfigFile): string | null {
  if (!readableByOthers(file.path) || !hasSecrets(file.profiles)) return null
  return `warning: ${file.path} holds secrets and can be read by other users; run: chmod 600 ${file.path}`
}

/** Sets `default:` in the file, keeping every other byte of it (comments, layout); creates the file when missing. */
export async function writeDefault(path: string, name: string): Promise<void> {
  const {isMap, isScalar, parseDocument, stringify} = await import('yaml')
  const text = existsSync(path) ? readFileSync(path, 'utf8') : ''
  const doc = parseDocument(text)
  const value = stringify(name).trimEnd()
  let out: string | undefined
  if (isMap(doc.contents) && !doc.contents.flow) {
    const items = doc.contents.items
    const current = items.find((p) => isScalar(p.key) && p.key.value === 'default')
    if (current && isScalar(current.value) && current.value.range && current.value.range[1] > current.value.range[0]) {
      const [start, end] = current.value.range
      out = text.slice(0, start) + value + text.slice(end)
    } else if (!current && isScalar(items[0]?.key) && items[0].key.range) {
      const start = items[0].key.range[0]
      out = text.slice(0, start) + `default: ${value}\n` + text.slice(start)
    }
  }
  if (out === undefined) {
    // an empty or unusual file: let the YAML library rewrite it
    if (!doc.contents) doc.contents = doc.createNode({}) as never
    doc.set('default', name)
    out = doc.toString()
  }
  mkdirSync(dirname(path), {recursive: true})
  writeFileSync(path, out, {mode: 0o600})
}
