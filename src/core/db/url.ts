import path from 'node:path'
import type { DbEngineName } from '../../adapters/db/types.js'

/** What a connection string says, before anything is connected to. */
export interface ParsedDbUrl {
  engine: DbEngineName
  url: string
  redactedUrl: string
  /** postgres: the database name; sqlite: the absolute file path */
  name: string
  local: boolean
}

const SQLITE_EXT = /\.(db|sqlite|sqlite3|db3)$/i

/** `postgres://user:secret@host/db` → `postgres://user:***@host/db`; other text unchanged. */
export function redactUrl(url: string): string {
  return url
    .replace(/^([a-z][\w+.-]*:\/\/[^:/@?#]*):[^@/?#]*@/i, '$1:***@')
    .replace(/([?&](?:password|sslpassword|pass)=)[^&#]*/gi, '$1***')
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]', ''])

function isLocalHost(host: string): boolean {
  const h = host.toLowerCase()
  return LOCAL_HOSTS.has(h) || /^127(\.\d{1,3}){3}$/.test(h) || h.startsWith('/')
}

/**
 * Parses a database URL. A SQLite path (`file:./dev.db`, `sqlite:///abs.db`, `./dev.db`) is
 * resolved against `baseDir`: the directory of the file that names it, as Prisma and Drizzle
 * resolve them. Returns undefined for text that is no database URL cpo knows.
 */
export function parseDbUrl(raw: string, baseDir: string): ParsedDbUrl | undefined {
  const url = raw.trim()
  const pg = /^(postgres|postgresql):\/\//i.exec(url)
  if (pg) return parsePostgres(url)
  let file: string | undefined
  if (/^file:/i.test(url)) file = url.slice(5).replace(/^\/\/(?=\/)/, '')
  else if (/^sqlite:\/\//i.test(url)) file = url.slice('sqlite://'.length)
  else if (/^sqlite:/i.test(url)) file = url.slice('sqlite:'.length)
  else if (!/^[a-z][\w+.-]*:/i.test(url) && SQLITE_EXT.test(url.split('?')[0] ?? '')) file = url
  if (file === undefined) return undefined
  file = decodeURIComponent(file.split('?')[0] ?? '')
  if (file === '' || file === ':memory:') return undefined
  const abs = path.resolve(baseDir, file)
  return { engine: 'sqlite', url: abs, redactedUrl: `file:${abs}`, name: abs, local: true }
}

function parsePostgres(url: string): ParsedDbUrl | undefined {
  let parsed: URL
  try {
    // `postgres://user@/db?host=/run/sock` (a socket, no host) is valid for libpq, not for URL.
    parsed = new URL(url.replace(/^(\w+:\/\/(?:[^/@]*@)?)\//, '$1localhost/'))
  } catch {
    return undefined
  }
  const host = decodeURIComponent(parsed.searchParams.get('host') ?? parsed.hostname)
  const name =
    decodeURIComponent(parsed.pathname.replace(/^\//, '')) ||
    decodeURIComponent(parsed.username) ||
    'postgres'
  return {
    engine: 'postgres',
    url,
    redactedUrl: redactUrl(url),
    name,
    local: isLocalHost(host),
  }
}

/** The engine a provider/dialect/tech-stack word names, if any. */
export function engineFromWord(word: string | undefined): DbEngineName | undefined {
  if (!word) return undefined
  const w = word.toLowerCase()
  if (/postgres|pg\b|neon|supabase|cockroach/.test(w)) return 'postgres'
  if (/sqlite|turso|libsql/.test(w)) return 'sqlite'
  return undefined
}
