import {usage} from '../errors/cg-error.js'

/** One host of a broker URL; `port` is null when the URL leaves it to the broker's default. */
export interface UrlHost {
  /** a name or an address; IPv6 without its brackets */
  host: string
  port: number | null
}

/** A broker URL taken apart and checked: every part decoded, nothing silently dropped. */
export interface BrokerUrl {
  /** "redis", "rediss", "redis+sentinel", "rediss+sentinel", "kafka", "kafkas", "amqp" or "amqps" */
  scheme: string
  tls: boolean
  username?: string
  password?: string
  /** one host; Kafka URLs may list several (kafka://h1:9092,h2:9092), and Sentinel URLs their sentinels */
  hosts: UrlHost[]
  /** Redis: the database of the path (/N; /MASTER/N behind Sentinel) */
  db?: number
  /** Redis Sentinel (redis+sentinel://): the name of the master the sentinels watch */
  master?: string
  /** RabbitMQ: the vhost of the path, decoded (%2F is "/"); undefined when the URL has no path */
  vhost?: string
}

// (no "scheme://user:pass@" here: the redaction of output would mask it)
const EXAMPLES: Record<string, string> = {
  redis: 'redis://HOST:PORT/DB, e.g. redis://127.0.0.1:6379/0 (credentials go before HOST as USER:PASSWORD@, %-encoded)',
  sentinel:
    "redis+sentinel://HOST:PORT[,HOST:PORT...]/MASTER[/DB], the sentinels then the master's name, e.g. redis+sentinel://127.0.0.1:26379/mymaster (the master's credentials go before the hosts as USER:PASSWORD@, %-encoded)",
  kafka: 'kafka://HOST:PORT[,HOST:PORT...], e.g. kafka://127.0.0.1:9092 (SASL PLAIN credentials go before the hosts as USER:PASSWORD@, %-encoded)',
  amqp: 'amqp://HOST:PORT/VHOST, e.g. amqp://127.0.0.1:5672/%2F (credentials go before HOST as USER:PASSWORD@, %-encoded)',
}

/**
 * Takes a broker URL apart and refuses (exit 2, naming the part) what cannot be meant: no host, a port that
 * is not a number from 1 to 65535, malformed %-encoding in the credentials or the path, a Redis database
 * that is not a number, several hosts outside Kafka, a path on Kafka, a ?query or #fragment (cg reads its
 * options from the profile, never from the URL). `where` says where the URL came from ("--url", ...).
 */
export function parseBrokerUrl(url: string, where = 'the URL'): BrokerUrl {
  // everything up to the last @ after the user name is masked: a malformed password may hold any character
  // [a-zA-Z] rather than the i flag, which means the same here: a case-insensitive expression costs ~0.5 ms
  // more to compile (the case closure of each class), on every run
  const shown = url.replace(/^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^:@/]*):.*@/s, '$1:***@')
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)([^?#]*)([?#].*)?$/s.exec(url)
  if (!m) throw usage(`${where} ${JSON.stringify(shown)} is not a URL`, 'Write it as SCHEME://HOST:PORT, e.g. redis://127.0.0.1:6379.')
  const scheme = m[1].toLowerCase()
  const sentinel = /^rediss?\+sentinel$/.test(scheme)
  const family = sentinel ? 'redis' : scheme.replace(/^(redis|kafka|amqp)s$/, '$1')
  const example = EXAMPLES[sentinel ? 'sentinel' : family] ?? EXAMPLES.redis
  const bad = (what: string) => usage(`${where} ${JSON.stringify(shown)}: ${what}`, `Write it as ${example}.`)
  if (m[4] !== undefined) throw bad(`cg takes no ${m[4].startsWith('?') ? '?query' : '#fragment'} in a broker URL`)

  const authority = m[2]
  // an @ after the authority: the credentials hold a raw / ? or # (and must not be read as host or port)
  if (!authority.includes('@') && url.slice(m[1].length + 3).includes('@'))
    throw bad('an @ after the host: %-encode the credentials (/ as %2F, ? as %3F, # as %23) or an @ in the path (%40)')
  const at = authority.lastIndexOf('@')
  const out: BrokerUrl = {scheme, tls: /^(rediss|kafkas|amqps|rediss\+sentinel)$/.test(scheme), hosts: []}
  if (at >= 0) {
    const info = authority.slice(0, at)
    const colon = info.indexOf(':')
    const user = colon >= 0 ? info.slice(0, colon) : info
    const password = colon >= 0 ? info.slice(colon + 1) : undefined
    if (user) out.username = decode(user, () => bad('the username has malformed %-encoding (write % as %25)'))
    if (password) out.password = decode(password, () => bad('the password has malformed %-encoding (write % as %25, @ as %40, : as %3A)'))
  }

  const hostList = authority.slice(at + 1)
  const parts = hostList.split(',')
  if (parts.length > 1 && family !== 'kafka' && !sentinel) throw bad('only kafka:// and redis+sentinel:// URLs list several hosts')
  for (const part of parts) out.hosts.push(hostPort(part.trim(), bad))

  const path = m[3]
  if (sentinel) {
    const m2 = /^\/([^/]+)(?:\/(.*))?$/.exec(path)
    if (!m2) throw bad('the master name is missing (the path of a Sentinel URL is /MASTER or /MASTER/DB)')
    out.master = decode(m2[1], () => bad('the master name has malformed %-encoding (write % as %25)'))
    const db = m2[2]
    if (db !== undefined && db !== '') {
      if (!/^\d{1,9}$/.test(db)) throw bad(`the database ${JSON.stringify(db)} is not a number (the path of a Sentinel URL is /MASTER or /MASTER/DB)`)
      out.db = Number(db)
    }
  } else if (family === 'redis') {
    if (path !== '' && path !== '/') {
      const db = path.slice(1)
      if (!/^\d{1,9}$/.test(db)) throw bad(`the database ${JSON.stringify(db)} is not a number (the path of a Redis URL is the database: /0, /1, ...)`)
      out.db = Number(db)
    }
  } else if (family === 'amqp') {
    if (path !== '') out.vhost = decode(path.slice(1), () => bad('the vhost has malformed %-encoding (write / as %2F, % as %25)'))
  } else if (family === 'kafka') {
    if (path !== '' && path !== '/') throw bad(`a Kafka URL has no path (${JSON.stringify(path)})`)
  }
  return out
}

function hostPort(text: string, bad: (what: string) => Error): UrlHost {
  const m = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(text)
  const rawHost = m?.[1] ?? ''
  const rawPort = m?.[2]
  if (rawHost === '' || rawHost === '[]') throw bad('the host is missing')
  let host = rawHost
  if (host.startsWith('[')) {
    host = host.slice(1, -1)
    if (!/^[0-9a-f:.]+$/i.test(host)) throw bad(`the host ${JSON.stringify(rawHost)} is not an IPv6 address`)
  } else if (/[\s%\\"<>^`{|}[\]\x00-\x1f\x7f]/.test(host)) {
    throw bad(`the host ${JSON.stringify(host)} is not a host name or address`)
  }
  if (rawPort === undefined) return {host, port: null}
  if (!/^\d+$/.test(rawPort)) throw bad(`the port ${JSON.stringify(rawPort)} is not a number`)
  const port = Number(rawPort)
  if (port < 1 || port > 65535) throw bad(`the port ${rawPort} is out of range (1 to 65535)`)
  return {host, port}
}

function decode(text: string, onError: () => Error): string {
  try {
    return decodeURIComponent(text)
  } catch {
    throw onError()
  }
}
