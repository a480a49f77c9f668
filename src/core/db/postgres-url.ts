import { CpoError } from '../../errors.js'

/** A PostgreSQL connection URL taken apart; `password` is a secret and goes only into env vars. */
export interface PostgresUrl {
  /** Host names, IP addresses or socket directories (`?host=/path`); [] means libpq's default socket. */
  hosts: string[]
  port?: string
  user?: string
  password?: string
  database?: string
  /** Query parameters other than host/port/user/password/dbname (sslmode, sslrootcert, …). */
  params: Record<string, string>
}

const SCHEMES = ['postgres:', 'postgresql:']

function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part)
  } catch {
    throw badUrl(`its ${what} has an invalid percent-encoding`)
  }
}

function badUrl(why: string): CpoError {
  // Never quote the URL itself: it may hold a password.
  return new CpoError('DB_URL_INVALID', 'invalidInput', `the PostgreSQL URL is not valid: ${why}`, {
    hint: 'Use the form postgres://USER:PASSWORD@HOST:PORT/DATABASE (percent-encode @, : and / in the password).',
  })
}

/**
 * Parses `postgres://` and `postgresql://` URLs the way libpq does: several `host:port` pairs
 * separated by commas, IPv6 literals in brackets, percent-encoded parts, and `?host=/dir` for a
 * unix socket. WHATWG `URL` is not used: it rejects multi-host URLs and rewrites empty hosts.
 */
export function parsePostgresUrl(url: string): PostgresUrl {
  const colon = url.indexOf(':')
  const scheme = colon < 0 ? '' : url.slice(0, colon + 1).toLowerCase()
  if (!SCHEMES.includes(scheme) || url.slice(colon + 1, colon + 3) !== '//') {
    throw badUrl('it does not start with postgres:// or postgresql://')
  }
  let rest = url.slice(colon + 3)
  const hashAt = rest.indexOf('#')
  if (hashAt >= 0) rest = rest.slice(0, hashAt)
  const queryAt = rest.indexOf('?')
  const query = queryAt >= 0 ? rest.slice(queryAt + 1) : ''
  if (queryAt >= 0) rest = rest.slice(0, queryAt)
  const slashAt = rest.indexOf('/')
  const authority = slashAt >= 0 ? rest.slice(0, slashAt) : rest
  const path = slashAt >= 0 ? rest.slice(slashAt + 1) : ''

  const result: PostgresUrl = { hosts: [], params: {} }
  const atAt = authority.lastIndexOf('@')
  const userInfo = atAt >= 0 ? authority.slice(0, atAt) : undefined
  const hostPart = atAt >= 0 ? authority.slice(atAt + 1) : authority
  if (userInfo !== undefined) {
    const sep = userInfo.indexOf(':')
    const user = sep >= 0 ? userInfo.slice(0, sep) : userInfo
    if (user) result.user = decode(user, 'user name')
    if (sep >= 0) result.password = decode(userInfo.slice(sep + 1), 'password')
  }

  const ports: string[] = []
  if (hostPart) {
    for (const entry of hostPart.split(',')) {
      const m = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(entry)
      if (!m) throw badUrl('its host list cannot be read')
      const host = (m[1] ?? '').replace(/^\[(.*)\]$/, '$1')
      if (host) result.hosts.push(decode(host, 'host'))
      if (m[2]) ports.push(m[2])
    }
  }
  if (ports.length > 0) result.port = ports.join(',')
  if (path) result.database = decode(path, 'database name')

  for (const pair of query.split('&')) {
    if (!pair) continue
    const eq = pair.indexOf('=')
    const key = decode((eq >= 0 ? pair.slice(0, eq) : pair).replace(/\+/g, ' '), 'parameters')
    const value = decode((eq >= 0 ? pair.slice(eq + 1) : '').replace(/\+/g, ' '), 'parameters')
    if (key === 'host') result.hosts = value.split(',').filter(Boolean)
    else if (key === 'port') result.port = value
    else if (key === 'user') result.user = value
    else if (key === 'password') result.password = value
    else if (key === 'dbname') result.database = value
    else result.params[key] = value
  }
  return result
}

/** Loopback, a unix socket (a path, or no host: libpq's default socket) — the local rule. */
export function isLocalHost(host: string): boolean {
  const h = host.toLowerCase()
  if (h.startsWith('/') || h.startsWith('@')) return true
  if (h === 'localhost' || h.endsWith('.localhost')) return true
  if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)
}

/** Every host must be local: a list that may fail over to a remote server is remote. */
export function isLocalUrl(parsed: PostgresUrl): boolean {
  return parsed.hosts.every(isLocalHost)
}

/** The URL with its password (in the user info or `?password=`) replaced by `***`. */
export function redactPostgresUrl(url: string): string {
  let out = url.replace(/^([a-z]+:\/\/[^/?#]*?:)([^@/?#]*)(@)/i, (_m, a: string, pw: string, b) =>
    pw ? `${a}***${b}` : `${a}${b}`,
  )
  out = out.replace(/([?&]password=)[^&#]*/gi, '$1***')
  return out
}

/** The database name libpq would connect to: the URL's, else the user's name. */
export function databaseName(parsed: PostgresUrl, osUser: string): string {
  return parsed.database || parsed.user || osUser
}

/** Connection parameters as libpq environment variables, password included (env only). */
const PARAM_ENV: Record<string, string> = {
  sslmode: 'PGSSLMODE',
  sslrootcert: 'PGSSLROOTCERT',
  sslcert: 'PGSSLCERT',
  sslkey: 'PGSSLKEY',
  sslcrl: 'PGSSLCRL',
  sslpassword: 'PGSSLPASSWORD',
  channel_binding: 'PGCHANNELBINDING',
  gssencmode: 'PGGSSENCMODE',
  target_session_attrs: 'PGTARGETSESSIONATTRS',
  connect_timeout: 'PGCONNECT_TIMEOUT',
  options: 'PGOPTIONS',
  service: 'PGSERVICE',
}

export function postgresEnv(parsed: PostgresUrl, database: string): Record<string, string> {
  const env: Record<string, string> = { PGDATABASE: database }
  if (parsed.hosts.length > 0) env.PGHOST = parsed.hosts.join(',')
  if (parsed.port) env.PGPORT = parsed.port
  if (parsed.user) env.PGUSER = parsed.user
  if (parsed.password !== undefined) env.PGPASSWORD = parsed.password
  // Other parameters (Prisma's schema=, connection_limit=, pgbouncer=) mean nothing to libpq.
  for (const [key, value] of Object.entries(parsed.params)) {
    const name = PARAM_ENV[key]
    if (name) env[name] = value
  }
  return env
}

/**
 * The same URL pointing at another database on the same server (a scratch or copy database),
 * with every other part, the password included, unchanged.
 */
export function withDatabase(url: string, database: string): string {
  const start = url.indexOf('//') + 2
  const end = url.slice(start).search(/[?#]/)
  const tail = end < 0 ? '' : url.slice(start + end)
  const head = end < 0 ? url.slice(start) : url.slice(start, start + end)
  const slash = head.indexOf('/')
  const authority = slash < 0 ? head : head.slice(0, slash)
  const query = tail.replace(/([?&]dbname=)[^&#]*/i, `$1${encodeURIComponent(database)}`)
  return `${url.slice(0, start)}${authority}/${encodeURIComponent(database)}${query}`
}
