import {BROKERS} from '../brokers/registry.js'
import type {BrokerKind} from '../core/broker.js'
import {CgError} from '../errors/cg-error.js'
import {parseBrokerUrl} from './broker-url.js'
import {exposedSecretsWarning, findConfigPath, interpolate, loadConfig, type ConfigFile, type RawProfile} from './config-file.js'
import {registerSecret, SECRET_KEYS} from './redact.js'

export type {BrokerKind} from '../core/broker.js'

export const BUILT_IN_URL = 'redis://127.0.0.1:6379'

export interface Profile {
  /** the profile's name, null for an ad-hoc --url / $CG_URL / the built-in default */
  name: string | null
  /** which rule picked it */
  source: 'flag' | 'env' | 'file-default' | 'built-in'
  broker: BrokerKind
  url: string
  stream?: string
  group?: string
  consumer?: string
  dlq?: string
  configPath?: string
  /** everything else the profile file says (tls, sasl, username, password, management, ...) */
  options: Record<string, unknown>
}

export interface ResolveInput {
  profileFlag?: string
  urlFlag?: string
  configFlag?: string
  env?: NodeJS.ProcessEnv
  cwd?: string
  warn?: (message: string) => void
}

const SCHEMES: Record<string, BrokerKind> = Object.fromEntries(BROKERS.flatMap((b) => b.schemes.map((s) => [`${s}:`, b.kind])))

/** Every URL scheme cg accepts, as written in a URL; the `s` forms connect with TLS. */
export const URL_SCHEMES: readonly string[] = Object.keys(SCHEMES).map((s) => `${s}//`)

/** "redis://, rediss://, redis+sentinel://, ..., amqp:// or amqps://", for help texts and hints. */
export const URL_SCHEMES_TEXT = `${URL_SCHEMES.slice(0, -1).join(', ')} or ${URL_SCHEMES[URL_SCHEMES.length - 1]}`

export function brokerOfUrl(url: string): BrokerKind {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*:)\/\//.exec(url)
  const broker = m ? SCHEMES[m[1].toLowerCase()] : undefined
  if (!broker)
    throw new CgError('usage', `cannot tell the broker from URL scheme of ${JSON.stringify(url.replace(/\/\/.*@/, '//***@'))}`, `Use ${URL_SCHEMES_TEXT}.`)
  return broker
}

/** flags > CG_PROFILE / CG_URL > the file's default > the built-in local Redis. */
export async function resolveProfile(input: ResolveInput): Promise<Profile> {
  const env = input.env ?? process.env
  const cwd = input.cwd ?? process.cwd()
  const found = findConfigPath(input.configFlag, env, cwd)
  const file = found ? await loadConfig(found) : undefined
  const exposed = file ? exposedSecretsWarning(file) : null
  if (exposed) input.warn?.(exposed)

  let name: string | undefined
  let url: string | undefined
  let source: Profile['source']
  if (input.profileFlag || input.urlFlag) {
    ;[name, url, source] = [input.profileFlag, input.urlFlag, 'flag']
  } else if (env.CG_PROFILE || env.CG_URL) {
    ;[name, url, source] = [env.CG_PROFILE || undefined, env.CG_URL || undefined, 'env']
  } else if (file?.default) {
    ;[name, source] = [file.default, 'file-default']
  } else {
    ;[url, source] = [BUILT_IN_URL, 'built-in']
  }

  const raw = name ? lookup(file, name) : {}
  return buildProfile(name ?? null, source, raw, url, file?.path, env)
}

/** The named profile of the file; not found (exit 5) names the profiles it has. */
export function lookup(file: ConfigFile | undefined, name: string): RawProfile {
  if (!file)
    throw new CgError(
      'not_found',
      `profile "${name}" not found: no config file`,
      'Create .cg.yaml or ~/.config/cg/config.yaml (see README: Profiles), or pass --url.',
    )
  const p = file.profiles[name]
  if (!p || typeof p !== 'object') {
    const names = Object.keys(file.profiles)
    throw new CgError(
      'not_found',
      `profile "${name}" not found in ${file.path}`,
      names.length ? `Known profiles: ${names.join(', ')}.` : 'The file defines no profiles.',
    )
  }
  return p
}

export function buildProfile(
  name: string | null,
  source: Profile['source'],
  rawIn: RawProfile,
  urlOverride: string | undefined,
  configPath: string | undefined,
  env: NodeJS.ProcessEnv,
): Profile {
  const raw = interpolate(rawIn, env, name ? `profile ${name}` : 'profile') as RawProfile
  const {broker: brokerField, url: rawUrl, brokers, stream, group, consumer, dlq, ...options} = raw
  let url = urlOverride ?? rawUrl
  if (!url && brokers) url = `kafka://${Array.isArray(brokers) ? brokers.join(',') : brokers}`
  if (!url && options.sentinels !== undefined) url = sentinelUrl(name, options)
  else if (options.sentinels !== undefined && !urlOverride)
    throw new CgError(
      'usage',
      `profile ${name} has both url and sentinels`,
      'Give the sentinels and the master `name:`, or a redis+sentinel://HOST:PORT,.../MASTER url, not both.',
    )
  if (!url && brokerField === 'redis') url = BUILT_IN_URL
  if (!url) throw new CgError('usage', `profile ${name ?? ''} has no url`, 'Add `url:` (or `brokers:` for Kafka) to the profile.')
  const broker = brokerOfUrl(url)
  if (brokerField && !urlOverride && brokerField !== broker) {
    throw new CgError('usage', `profile ${name} says broker ${String(brokerField)} but its url is ${broker}`, 'Make `broker:` match the url scheme.')
  }
  registerSecrets(raw)
  // the password as written, then as decoded: neither may reach any output, error messages included
  const cred = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^:@/]*:(.*)@/s.exec(url)
  if (cred) registerSecret(cred[1])
  const where = urlOverride !== undefined ? (source === 'env' ? '$CG_URL' : '--url') : rawUrl ? `the url of profile ${name}` : `the brokers of profile ${name}`
  const parsed = parseBrokerUrl(url, where)
  if (parsed.password !== undefined) registerSecret(parsed.password)
  return {name, source, broker, url, stream: str(stream), group: str(group), consumer: str(consumer), dlq: str(dlq), configPath, options}
}

/**
 * A Redis Sentinel profile (`sentinels: [host:port, ...]`, `name: MASTER`, optional `db: N`) as the URL it
 * means: redis+sentinel://HOST:PORT,.../MASTER[/DB]. The master's credentials stay in username/password.
 */
function sentinelUrl(name: string | null, options: Record<string, unknown>): string {
  const {sentinels, name: master, db} = options
  const list = (Array.isArray(sentinels) ? sentinels : String(sentinels ?? '').split(',')).map((h) => String(h).trim()).filter(Boolean)
  const hint = 'Write it as sentinels: [127.0.0.1:26379, ...] and name: MASTER (the name the sentinels monitor, as in SENTINEL MASTERS).'
  if (list.length === 0) throw new CgError('usage', `profile ${name ?? ''}: sentinels lists no sentinel`, hint)
  if (master === undefined || master === null || master === '') throw new CgError('usage', `profile ${name ?? ''} has sentinels but no master name`, hint)
  const path = `/${encodeURIComponent(String(master))}${db !== undefined && db !== null ? `/${String(db)}` : ''}`
  return `redis+sentinel://${list.join(',')}${path}`
}

function registerSecrets(value: unknown, key?: string): void {
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) registerSecrets(v, k)
  } else if (key && SECRET_KEYS.has(key)) {
    registerSecret(value)
  }
}

function str(v: unknown): string | undefined {
  return v === undefined || v === null ? undefined : String(v)
}
