import {exec} from 'node:child_process'
import {readFile} from 'node:fs/promises'
import {dirname, resolve} from 'node:path'
import {CgError, usage} from '../../errors/cg-error.js'
import type {Profile} from '../../profiles/resolve.js'

/**
 * Where a SASL/OAUTHBEARER token comes from: `token` (the token itself), `tokenFile` (a file holding it, read
 * again whenever a fresh token is needed: an agent may rotate it) or `tokenCommand` (a shell command that
 * prints it, like kafkactl's token provider plugins and the Java clients' login callback handlers).
 */
export interface OAuthTokenSource {
  /** for messages: "sasl.token", "sasl.tokenFile /path", "sasl.tokenCommand" (never the token) */
  describe: string
  /** the token to send now: cached while fresh, fetched again before it expires */
  token(): Promise<string>
  /** the `exp` of the last token fetched (ms since the epoch), if it carried one */
  expiresAt(): number | undefined
}

/** How long a token without an `exp` claim is reused before it is fetched again. */
const NO_EXP_REUSE_MS = 5 * 60_000

/** The `exp` claim of a JWT (ms since the epoch), or undefined when the token is not a JWT or has none. */
export function jwtExpiry(token: string): number | undefined {
  const parts = token.split('.')
  if (parts.length < 2) return undefined
  try {
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as {exp?: unknown}
    return typeof claims.exp === 'number' && Number.isFinite(claims.exp) ? claims.exp * 1000 : undefined
  } catch {
    return undefined
  }
}

/**
 * The profile's OAUTHBEARER token source (exactly one of token / tokenFile / tokenCommand). A token is
 * reused until half of its lifetime (fetch time to `exp`) has passed, then fetched again: the client
 * re-authenticates at 80% of the session lifetime the broker grants (KIP-368), so a long run always has a
 * fresh token by then. A token without `exp` is reused for 5 minutes (a token file is read again at most
 * that often, a command run again).
 */
export function oauthTokenSource(profile: Profile, sasl: Record<string, unknown>, timeoutMs: number): OAuthTokenSource {
  const given = (['token', 'tokenFile', 'tokenCommand'] as const).filter((k) => sasl[k] != null && String(sasl[k]) !== '')
  if (given.length !== 1)
    throw usage(
      given.length
        ? `SASL OAUTHBEARER takes one of sasl.token, sasl.tokenFile, sasl.tokenCommand, not ${given.join(' and ')}`
        : 'SASL OAUTHBEARER needs a token',
      'Set one of sasl.token (${VAR} reads the environment), sasl.tokenFile (a file holding the token) or sasl.tokenCommand (a command that prints it).',
    )
  const kind = given[0]
  const value = String(sasl[kind])
  let fetch: () => Promise<string>
  let describe: string
  if (kind === 'token') {
    describe = 'sasl.token'
    fetch = async () => value
  } else if (kind === 'tokenFile') {
    const full = resolve(profile.configPath ? dirname(profile.configPath) : process.cwd(), value)
    describe = `sasl.tokenFile ${full}`
    fetch = async () => {
      try {
        return await readFile(full, 'utf8')
      } catch (error) {
        throw new CgError(
          'usage',
          `cannot read sasl.tokenFile ${full}: ${(error as NodeJS.ErrnoException).code ?? error}`,
          'Fix sasl.tokenFile in the profile.',
        )
      }
    }
  } else {
    describe = 'sasl.tokenCommand'
    fetch = () => runTokenCommand(value, Math.max(timeoutMs, 15_000))
  }
  let cached: {token: string; fetchedAt: number; exp?: number} | undefined
  let pending: Promise<string> | undefined
  const fresh = (now: number) => {
    if (!cached) return false
    if (cached.exp === undefined) return now < cached.fetchedAt + NO_EXP_REUSE_MS
    return now < cached.fetchedAt + (cached.exp - cached.fetchedAt) / 2
  }
  return {
    describe,
    expiresAt: () => cached?.exp,
    token() {
      if (fresh(Date.now())) return Promise.resolve((cached as {token: string}).token)
      pending ??= fetch()
        .then((raw) => {
          const token = raw.trim()
          if (!token) throw new CgError('auth', `${describe} gave an empty token`, 'It must yield the OAuth bearer token (a JWT) and nothing else.')
          cached = {token, fetchedAt: Date.now(), exp: jwtExpiry(token)}
          return token
        })
        .finally(() => (pending = undefined))
      return pending
    },
  }
}

/** Runs the command through the shell; its stdout is the token. Failure: one line, never the output. */
function runTokenCommand(command: string, timeoutMs: number): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    exec(command, {timeout: timeoutMs, maxBuffer: 1 << 20, windowsHide: true}, (error, stdout, stderr) => {
      if (!error) return resolvePromise(stdout)
      const e = error as NodeJS.ErrnoException & {code?: number | string; killed?: boolean; signal?: string}
      const why = e.killed
        ? `did not finish within ${Math.round(timeoutMs / 1000)}s`
        : typeof e.code === 'number'
          ? `exited with status ${e.code}`
          : `failed: ${e.signal ?? e.code ?? e.message}`
      // the command's own complaint (first line of stderr, shortened); stdout may hold a token: never shown
      const said = String(stderr ?? '')
        .split('\n')
        .map((l) => l.trim())
        .find(Boolean)
      reject(
        new CgError(
          'auth',
          `sasl.tokenCommand ${why}${said ? `: ${said.slice(0, 200)}` : ''}`,
          'Run the command by hand: it must print the OAuth bearer token on stdout and exit 0.',
        ),
      )
    })
  })
}
