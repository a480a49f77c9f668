import { promises as fsp } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { DbEngineName, DbLocation } from '../../adapters/db/types.js'
import { type Repo, statePaths } from '../../adapters/repo.js'
import {
  parseDotenvText,
  readDrizzleConfig,
  readPrismaConfig,
  readPrismaSchema,
  type UrlRef,
} from '../../core/db/config-files.js'
import { engineFromWord, parseDbUrl } from '../../core/db/url.js'
import { CpoError, type ExitClass } from '../../errors.js'

/** A fact cpo found and the file (or flag, or variable) it came from. */
export interface Sourced<T> {
  value: T
  source: string
}

export type MigrationLayout = 'prisma' | 'drizzle-journal' | 'drizzle-v1' | 'none'

export interface MigrationSetup {
  orm: 'prisma' | 'drizzle'
  /** Relative to the repository root. */
  folder: string
  layout: MigrationLayout
  table: string
  /** postgres only (Drizzle keeps its table in schema `drizzle`). */
  schema?: string
}

/** How to find a database again without a secret (journaled in a db effect). */
export interface DbLocator {
  source: string
  engine: DbEngineName
  name: string
}

export interface LocatedDb {
  engine?: Sourced<DbEngineName>
  orm: Sourced<'prisma' | 'drizzle' | 'none'>
  url?: Sourced<string>
  location?: DbLocation
  locator?: DbLocator
  migrations?: MigrationSetup
  /** What is missing, in words, when no database could be found. */
  missing: string[]
  /** The variable the URL is read from (the ORM config's env("…"), else DATABASE_URL). */
  urlVariable?: string
}

/** The env files Next.js and dotenv-flow read, in the order they win. */
const ENV_FILES = ['.env.local', '.env.development', '.env'] as const
const PRISMA_FILES = ['prisma/schema.prisma', 'prisma.config.ts']
const DRIZZLE_CONFIGS = [
  'drizzle.config.ts',
  'drizzle.config.js',
  'drizzle.config.mjs',
  'drizzle.config.json',
]

const read = (file: string): Promise<string | undefined> =>
  fsp.readFile(file, 'utf8').catch(() => undefined)

export interface LocateOptions {
  dbUrl?: string
  /** Defaults to process.env. */
  env?: NodeJS.ProcessEnv
}

/**
 * Finds the project's database from its files (README.md, "Databases"): `--db-url`, else the
 * variable the ORM config names (DATABASE_URL when none) from the process env, `.env.local`,
 * `.env.development`, `.env`; or a literal URL in the Prisma schema / Drizzle config. Config files
 * are read as text, never executed. Nothing connects here.
 */
export async function locateDatabase(repo: Repo, options: LocateOptions = {}): Promise<LocatedDb> {
  const root = repo.root
  const env = options.env ?? process.env
  const prisma = await findPrisma(root)
  const drizzle = prisma ? undefined : await findDrizzle(root)
  const orm: LocatedDb['orm'] = prisma
    ? { value: 'prisma', source: prisma.source }
    : drizzle
      ? { value: 'drizzle', source: drizzle.file }
      : { value: 'none', source: 'no prisma/schema.prisma, prisma.config.ts or drizzle.config.*' }

  const ref: UrlRef | undefined = prisma?.url ?? drizzle?.facts.url
  const refSource = prisma?.urlSource ?? drizzle?.file
  // Prisma resolves a relative SQLite path against the schema's directory; Drizzle Kit against
  // the directory it runs in, the one holding its config.
  const baseDir = prisma ? path.dirname(path.join(root, prisma.schemaFile)) : root
  let url: Sourced<string> | undefined
  const urlVariable = ref && 'env' in ref ? ref.env : 'DATABASE_URL'
  if (options.dbUrl !== undefined) url = { value: options.dbUrl, source: '--db-url' }
  else if (ref && 'literal' in ref) url = { value: ref.literal, source: refSource as string }
  else url = await fromEnv(root, env, urlVariable)

  const parsed = url
    ? parseDbUrl(
        url.value,
        options.dbUrl !== undefined ? process.cwd() : baseDir,
        os.userInfo().username,
      )
    : undefined
  const techStack = await techStackEngine(root, statePaths(repo).project)
  const word = prisma?.provider ?? drizzle?.facts.dialect
  const engine: Sourced<DbEngineName> | undefined = parsed
    ? { value: parsed.engine, source: (url as Sourced<string>).source }
    : engineFromWord(word)
      ? {
          value: engineFromWord(word) as DbEngineName,
          source: (prisma?.providerSource ?? drizzle?.file) as string,
        }
      : techStack

  const missing: string[] = []
  if (!url) {
    const name = ref && 'env' in ref ? ref.env : 'DATABASE_URL'
    missing.push(
      `no database URL: ${name} is not set in the environment, ${ENV_FILES.join(', ')}, and --db-url was not given`,
    )
  } else if (!parsed) {
    missing.push(`the URL from ${url.source} is not a PostgreSQL or SQLite URL cpo knows`)
  }
  const location: DbLocation | undefined = parsed && { ...parsed }
  return {
    ...(engine ? { engine } : {}),
    orm,
    ...(url ? { url: { value: parsed?.redactedUrl ?? '(unparsed)', source: url.source } } : {}),
    ...(location
      ? {
          location,
          locator: {
            source: (url as Sourced<string>).source,
            engine: location.engine,
            name: location.name,
          },
        }
      : {}),
    ...(prisma || drizzle
      ? { migrations: await migrationSetup(root, prisma, drizzle, engine?.value) }
      : {}),
    missing,
    ...(url ? {} : { urlVariable }),
  }
}

/** The database, or a clear error saying what is missing. */
export async function requireDatabase(
  repo: Repo,
  options: LocateOptions = {},
): Promise<LocatedDb & { location: DbLocation; locator: DbLocator }> {
  const found = await locateDatabase(repo, options)
  if (!found.location || !found.locator) throw await missingDatabase(repo, found, options)
  return found as LocatedDb & { location: DbLocation; locator: DbLocator }
}

/**
 * Why no database was found, naming every place looked in and what each held (README.md,
 * "Databases": the flag, the variable in the environment and the env files, the ORM configs,
 * the techStack), with the command to run next. `exitClass` lets `cpo db status`, which reports
 * a problem rather than failing, keep its own exit code.
 */
export async function missingDatabase(
  repo: Repo,
  found: LocatedDb,
  options: LocateOptions = {},
  exitClass: ExitClass = 'notFound',
): Promise<CpoError> {
  const name = found.urlVariable ?? 'DATABASE_URL'
  const sqlite = found.engine?.value === 'sqlite'
  const example = sqlite ? 'file:./dev.db' : 'postgres://user:password@localhost:5432/app'
  const run = `cpo db status --db-url ${example}`
  if (found.url) {
    return new CpoError(
      'DB_NOT_CONFIGURED',
      exitClass,
      `the database URL from ${found.url.source} is not a PostgreSQL or SQLite URL cpo reads`,
      {
        hint: `Give a URL like postgres://user:password@host:5432/db, postgresql://…, or file:./dev.db (SQLite), e.g. \`${run}\`.`,
      },
    )
  }
  const env = options.env ?? process.env
  const envFiles = await Promise.all(
    ENV_FILES.map(async (file) => {
      const text = await read(path.join(repo.root, file))
      return `${file} (${text === undefined ? 'no such file' : `no ${name} in it`})`
    }),
  )
  const stateFile = statePaths(repo).project
  const looked = [
    '--db-url (not given)',
    `the environment (${name} ${env[name] ? 'set' : 'not set'})`,
    ...envFiles,
    found.orm.value === 'none'
      ? `${PRISMA_FILES.join(', ')} and ${DRIZZLE_CONFIGS.join(', ')} (none there)`
      : `${found.orm.source} (names no literal URL)`,
  ]
  const engineNote = found.engine
    ? `; the engine, ${found.engine.value}, comes from ${found.engine.source}`
    : `; no engine either (${stateFile} productDefinition.techStack.database is not set)`
  return new CpoError(
    'DB_NOT_CONFIGURED',
    exitClass,
    `no database URL found in ${repo.root}. Looked in: ${looked.join('; ')}${engineNote}`,
    {
      hint: `Pass the URL (\`${run}\`), or put ${name}=${example} in ${path.join(repo.root, '.env')} (or .env.local), then run \`cpo db status\`.`,
      details: { variable: name, looked },
    },
  )
}

async function fromEnv(
  root: string,
  env: NodeJS.ProcessEnv,
  name: string,
): Promise<Sourced<string> | undefined> {
  const value = env[name]
  if (value) return { value, source: `environment variable ${name}` }
  for (const file of ENV_FILES) {
    const text = await read(path.join(root, file))
    const v = text === undefined ? undefined : parseDotenvText(text)[name]
    if (v) return { value: v, source: `${file} (${name})` }
  }
  return undefined
}

interface PrismaFound {
  source: string
  schemaFile: string
  provider?: string
  providerSource?: string
  url?: UrlRef
  urlSource?: string
  migrationsPath?: string
}

async function findPrisma(root: string): Promise<PrismaFound | undefined> {
  const configText = await read(path.join(root, 'prisma.config.ts'))
  const config = configText === undefined ? {} : readPrismaConfig(configText)
  const schemaFile = config.schema ?? 'prisma/schema.prisma'
  const schemaText = await read(path.join(root, schemaFile))
  if (configText === undefined && schemaText === undefined) return undefined
  const schema = schemaText === undefined ? {} : readPrismaSchema(schemaText)
  const url = config.url ?? schema.url
  return {
    source: configText !== undefined ? 'prisma.config.ts' : schemaFile,
    schemaFile,
    ...(schema.provider ? { provider: schema.provider, providerSource: schemaFile } : {}),
    ...(url ? { url, urlSource: config.url ? 'prisma.config.ts' : schemaFile } : {}),
    ...(config.migrationsPath ? { migrationsPath: config.migrationsPath } : {}),
  }
}

async function findDrizzle(root: string) {
  for (const file of DRIZZLE_CONFIGS) {
    const text = await read(path.join(root, file))
    if (text !== undefined) return { file, facts: readDrizzleConfig(text, file.endsWith('.json')) }
  }
  return undefined
}

async function techStackEngine(
  root: string,
  stateFile: string,
): Promise<Sourced<DbEngineName> | undefined> {
  const text = await read(path.join(root, stateFile))
  if (text === undefined) return undefined
  try {
    const word = JSON.parse(text)?.productDefinition?.techStack?.database
    const engine = typeof word === 'string' ? engineFromWord(word) : undefined
    return engine
      ? { value: engine, source: `${stateFile} productDefinition.techStack.database` }
      : undefined
  } catch {
    return undefined
  }
}

async function migrationSetup(
  root: string,
  prisma: PrismaFound | undefined,
  drizzle: Awaited<ReturnType<typeof findDrizzle>>,
  engine: DbEngineName | undefined,
): Promise<MigrationSetup> {
  if (prisma) {
    const folder = path.normalize(
      prisma.migrationsPath ?? path.join(path.dirname(prisma.schemaFile), 'migrations'),
    )
    return { orm: 'prisma', folder, layout: 'prisma', table: '_prisma_migrations' }
  }
  const facts = drizzle?.facts ?? {}
  const folder = path.normalize(facts.out ?? 'drizzle')
  const journal = await read(path.join(root, folder, 'meta', '_journal.json'))
  const entries = await fsp.readdir(path.join(root, folder)).catch(() => [] as string[])
  const layout: MigrationLayout =
    journal !== undefined
      ? 'drizzle-journal'
      : entries.some((e) => /^\d{14}_/.test(e))
        ? 'drizzle-v1'
        : 'none'
  return {
    orm: 'drizzle',
    folder,
    layout,
    table: facts.migrationsTable ?? '__drizzle_migrations',
    ...(engine === 'postgres' ? { schema: facts.migrationsSchema ?? 'drizzle' } : {}),
  }
}
