import path from 'node:path'
import type { DbEngineName } from '../../adapters/db/types.js'
import {
  databaseName,
  isLocalUrl,
  type PostgresUrl,
  parsePostgresUrl,
  redactPostgresUrl,
} from './postgres-url.js'

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

/**
 * Parses a database URL. A SQLite path (`file:./dev.db`, `sqlite:///abs.db`, `./dev.db`) is
 * resolved against `baseDir`: the directory of the file that names it, as Prisma and Drizzle
 * resolve them; a postgres URL without a database names the OS user's (`osUser`), as libpq does.
 * Returns undefined for text that is no database URL cpo knows.
 */
export function parseDbUrl(raw: string, baseDir: string, osUser = ''): ParsedDbUrl | undefined {
  const url = raw.trim()
  const pg = /^(postgres|postgresql):\/\//i.exec(url)
  if (pg) return parsePostgres(url, osUser)
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

/**
 * A postgres URL through the engine's parser (`postgres-url.ts`), the one that reads what libpq
 * reads (several hosts, `?host=/socket`, percent-encoding); a URL it refuses is no URL cpo knows.
 */
function parsePostgres(url: string, osUser: string): ParsedDbUrl | undefined {
  let parsed: PostgresUrl
  try {
    parsed = parsePostgresUrl(url)
  } catch {
    return undefined
  }
  return {
    engine: 'postgres',
    url,
    redactedUrl: redactPostgresUrl(url),
    name: databaseName(parsed, osUser),
    local: isLocalUrl(parsed),
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
