import {CgError} from '../errors/cg-error.js'
import {exposedSecretsWarning, findConfigPath, loadConfig, userConfigPath, writeDefault, type ConfigFile} from '../profiles/config-file.js'
import {maskSecrets, redactUrl} from '../profiles/redact.js'
import {BUILT_IN_URL, buildProfile, lookup, resolveProfile, type BrokerKind, type Profile, type ResolveInput} from '../profiles/resolve.js'
import type {ServerInfo} from '../core/driver.js'

// What `cg profiles list/show/use/test` report. Plain data; every URL is masked here, and the JSON writer
// and the table scrub registered secrets once more on the way out.

export interface ConfigFileRef {
  path: string
  foundBy: ConfigFile['foundBy']
}

export interface ProfileSummary {
  name: string
  isDefault: boolean
  broker: BrokerKind | null
  url: string | null
  stream: string | null
  group: string | null
  consumer: string | null
  dlq: string | null
  /** why the profile cannot be used as written (a missing ${VAR}, a bad scheme), else null */
  error: string | null
}

export interface ProfileList {
  configFile: ConfigFileRef | null
  /** the file's `default:`, null without one */
  default: string | null
  profiles: ProfileSummary[]
  builtIn: {broker: BrokerKind; url: string}
}

export interface ProfileDetail {
  name: string | null
  source: Profile['source']
  broker: BrokerKind
  url: string
  stream: string | null
  group: string | null
  consumer: string | null
  dlq: string | null
  configFile: ConfigFileRef | null
  /** tls, sasl, username, management, ...; secrets are '***' */
  options: Record<string, unknown>
}

export interface ProfileUse {
  default: string
  previous: string | null
  configFile: ConfigFileRef
  /** true: nothing was written */
  dryRun: boolean
}

export interface ProfileTest {
  name: string | null
  source: Profile['source']
  broker: BrokerKind
  url: string
  ok: true
  version: string | null
  mode: string | null
  latencyMs: number
  /** Redis Sentinel: the master the sentinels named, "NAME at HOST:PORT" (absent elsewhere) */
  master?: string
}

interface Where {
  configFlag?: string
  env?: NodeJS.ProcessEnv
  cwd?: string
  warn?: (message: string) => void
}

async function configFile(where: Where): Promise<ConfigFile | null> {
  const found = findConfigPath(where.configFlag, where.env ?? process.env, where.cwd ?? process.cwd())
  if (!found) return null
  const file = await loadConfig(found)
  const exposed = exposedSecretsWarning(file)
  if (exposed) where.warn?.(exposed)
  return file
}

const ref = (file: ConfigFile | null): ConfigFileRef | null => (file ? {path: file.path, foundBy: file.foundBy} : null)

export async function listProfiles(where: Where): Promise<ProfileList> {
  const file = await configFile(where)
  const env = where.env ?? process.env
  const profiles: ProfileSummary[] = []
  for (const [name, raw] of Object.entries(file?.profiles ?? {})) {
    const isDefault = file?.default === name
    try {
      // building registers the profile's secrets, so they are scrubbed from everything printed after
      const p = buildProfile(name, 'file-default', raw ?? {}, undefined, file?.path, env)
      profiles.push({
        name,
        isDefault,
        broker: p.broker,
        url: redactUrl(p.url),
        stream: p.stream ?? null,
        group: p.group ?? null,
        consumer: p.consumer ?? null,
        dlq: p.dlq ?? null,
        error: null,
      })
    } catch (error) {
      // one broken profile must not hide the others
      const r = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>
      const s = (k: string) => (typeof r[k] === 'string' ? (r[k] as string) : null)
      profiles.push({
        name,
        isDefault,
        broker: null,
        url: s('url') && redactUrl(s('url')!),
        stream: s('stream'),
        group: s('group'),
        consumer: s('consumer'),
        dlq: s('dlq'),
        error: (error as Error).message,
      })
    }
  }
  return {configFile: ref(file), default: file?.default ?? null, profiles, builtIn: {broker: 'redis', url: BUILT_IN_URL}}
}

/** The profile `name` (as if given with --profile), else the one a command would use now. */
export async function showProfile(input: ResolveInput & {name?: string}): Promise<ProfileDetail> {
  const p = await resolveProfile({...input, profileFlag: input.name ?? input.profileFlag})
  const found = p.configPath ? findConfigPath(input.configFlag, input.env ?? process.env, input.cwd ?? process.cwd()) : null
  return {
    name: p.name,
    source: p.source,
    broker: p.broker,
    url: redactUrl(p.url),
    stream: p.stream ?? null,
    group: p.group ?? null,
    consumer: p.consumer ?? null,
    dlq: p.dlq ?? null,
    configFile: found ? {path: found.path, foundBy: found.foundBy} : null,
    options: maskSecrets(p.options),
  }
}

/** Sets the file's `default:`; only to a profile the file defines. */
export async function useProfile(name: string, where: Where, dryRun = false): Promise<ProfileUse> {
  const file = await configFile(where)
  if (!file) {
    // creating ~/.config/cg/config.yaml with only `default:` would name a profile that does not exist
    const path = userConfigPath(where.env ?? process.env)
    throw new CgError(
      'not_found',
      `profile "${name}" not found: no config file`,
      `Create ${path} (or a project .cg.yaml) with \`profiles: {${name}: {url: ...}}\` first.`,
    )
  }
  lookup(file, name)
  if (!dryRun) await writeDefault(file.path, name)
  return {default: name, previous: file.default ?? null, configFile: ref(file)!, dryRun}
}

export function testProfile(profile: Profile, info: ServerInfo): ProfileTest {
  return {
    name: profile.name,
    source: profile.source,
    broker: info.broker,
    url: redactUrl(profile.url),
    ok: true,
    version: info.version,
    mode: info.mode,
    latencyMs: info.latencyMs,
    ...(info.master === undefined ? {} : {master: info.master}),
  }
}
