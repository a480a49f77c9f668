import { createHash, randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import fsp from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {
  checkIdentifier,
  quoteIdent as ident,
  quoteLiteral as lit,
} from '../../core/db/postgres-names.js'
import { normalizePostgresSchema } from '../../core/db/postgres-schema.js'
import { parsePostgresUrl, postgresEnv } from '../../core/db/postgres-url.js'
import { parseDbUrl } from '../../core/db/url.js'
import { CpoError } from '../../errors.js'
import { failpoint } from '../failpoint.js'
import { fsyncDir } from '../fs.js'
import {
  errorText,
  installHint,
  runTool,
  sqlState,
  type ToolResult,
  toolError,
} from './postgres-run.js'
import {
  type FoundTool,
  findTool,
  majorOf,
  TOOL_NAMES,
  type ToolName,
  versionedToolDirs,
} from './postgres-tools.js'
import type { DbCopyInfo, DbCopyRef, DbEngine, DbLocation, DbProbe, DbSession } from './types.js'

/** Read size for checksums: 1 MiB chunks cost ~40% less CPU than the 64 KiB default. */
const HASH_CHUNK = 1 << 20

/** Printed by psql before each statement `execute` runs: the last one seen is the one that failed. */
const EXECUTE_MARK = 'cpo-execute-statement-'

/** A statement on one line, shortened, for a message. */
const oneLine = (sql: string): string => {
  const flat = sql.replace(/\s+/g, ' ').trim()
  return flat.length > 120 ? `${flat.slice(0, 117)}…` : flat
}

/** The application name cpo's own connections carry (pg_stat_activity shows it). */
export const CPO_APPLICATION = 'cpo'

/** A DbLocation for a postgres:// URL; the redacted form is the only one to show. */
export function postgresLocation(url: string): DbLocation {
  const found = parseDbUrl(url, process.cwd(), os.userInfo().username)
  // parseDbUrl returns undefined only for a URL the parser refuses: let it say why.
  if (found?.engine !== 'postgres') parsePostgresUrl(url)
  return found as DbLocation
}

export interface PostgresEngineOptions {
  /** Environment the tools run in (PATH is searched for them); process.env by default. */
  env?: NodeJS.ProcessEnv
  /** Directories searched after PATH; /usr/lib/postgresql/<major>/bin by default. */
  toolDirs?: string[]
}

/** Variables that would point libpq somewhere other than the URL says. */
const INHERITED_PG = /^PG(?!PASSFILE$|SERVICEFILE$|SYSCONFDIR$)/

export function createPostgresEngine(options: PostgresEngineOptions = {}): DbEngine {
  const baseEnv = options.env ?? process.env
  const dirs = options.toolDirs ?? versionedToolDirs()
  const tools = new Map<ToolName, Promise<FoundTool>>()

  const tool = (name: ToolName): Promise<FoundTool> => {
    let found = tools.get(name)
    if (!found) {
      found = findTool(name, baseEnv, dirs)
      tools.set(name, found)
    }
    return found
  }

  async function toolPath(name: ToolName): Promise<string> {
    const t = await tool(name)
    if (!t.path)
      throw new CpoError('DB_TOOL_MISSING', 'external', `${t.problem}`, { hint: installHint() })
    return t.path
  }

  /** The environment for a connection to `database` on db's server. */
  function envFor(db: DbLocation, database: string): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {}
    for (const [k, v] of Object.entries(baseEnv)) if (!INHERITED_PG.test(k)) env[k] = v
    Object.assign(env, postgresEnv(parsePostgresUrl(db.url), database))
    env.PGAPPNAME = CPO_APPLICATION
    env.PGCONNECT_TIMEOUT ??= '10'
    env.LC_MESSAGES = 'C'
    env.LC_ALL = 'C'
    return env
  }

  const secretOf = (db: DbLocation): string | undefined =>
    parsePostgresUrl(db.url).password || undefined

  /**
   * The database server-level statements connect to: never the live one, whose sessions block
   * template copies and renames (`postgres`, or `template1` when the live database is `postgres`).
   */
  const maintenance = (db: DbLocation): string =>
    db.name === 'postgres' ? 'template1' : 'postgres'

  async function psql(db: DbLocation, database: string, sql: string): Promise<ToolResult> {
    const args = [
      '-X',
      '-q',
      '-A',
      '-t',
      '-v',
      'ON_ERROR_STOP=1',
      '-v',
      'VERBOSITY=verbose',
      '-f',
      '-',
    ]
    return runTool(await toolPath('psql'), args, envFor(db, database), sql)
  }

  /** Runs SQL; a failure becomes a CpoError saying what was being done. */
  async function exec(
    db: DbLocation,
    database: string,
    sql: string,
    what: string,
  ): Promise<string> {
    const r = await psql(db, database, sql)
    if (r.code !== 0) throw toolError(what, r, secretOf(db))
    return r.stdout
  }

  async function rows(db: DbLocation, database: string, sql: string, what: string) {
    const out = await exec(
      db,
      database,
      `SELECT coalesce(json_agg(t), '[]') FROM (${sql}) t;\n`,
      what,
    )
    return JSON.parse(out.trim() || '[]') as Record<string, unknown>[]
  }

  const serverRows = (db: DbLocation, sql: string, what: string) =>
    rows(db, maintenance(db), sql, what)

  async function exists(db: DbLocation, name: string): Promise<boolean> {
    const found = await serverRows(
      db,
      `SELECT 1 AS x FROM pg_database WHERE datname = ${lit(name)}`,
      `could not look up database ${name}`,
    )
    return found.length > 0
  }

  async function sessionsOn(db: DbLocation, name: string): Promise<DbSession[]> {
    const found = await serverRows(
      db,
      `SELECT pid, coalesce(application_name, '') AS application, usename AS "user",
         to_char(backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS since
       FROM pg_stat_activity
       WHERE datname = ${lit(name)} AND pid <> pg_backend_pid() AND backend_type = 'client backend'
       ORDER BY pid`,
      `could not list the sessions on ${name}`,
    )
    return found.map((r) => {
      const s: DbSession = { pid: Number(r.pid), application: String(r.application ?? '') }
      if (r.user) s.user = String(r.user)
      if (r.since) s.since = String(r.since)
      return s
    })
  }

  function inUse(name: string, sessions: DbSession[], action: string): CpoError {
    const list = sessions
      .map(
        (s) =>
          `pid ${s.pid} (${s.application || 'no application name'}${s.user ? `, user ${s.user}` : ''}${s.since ? `, since ${s.since}` : ''})`,
      )
      .join('; ')
    return new CpoError(
      'DB_IN_USE',
      'conflict',
      `${action} needs nobody else connected to ${name}, and ${sessions.length} session${sessions.length === 1 ? ' is' : 's are'}: ${list}`,
      {
        hint: 'Stop what is connected (a dev server, psql, a GUI) and run the command again, or add --terminate-connections to end those sessions.',
        details: { database: name, sessions },
      },
    )
  }

  /**
   * Runs `step` with nobody connected to `name`: other sessions are refused, or (terminate)
   * locked out with ALLOW_CONNECTIONS false and ended; connections are always allowed again after.
   */
  async function alone<T>(
    db: DbLocation,
    name: string,
    terminate: boolean,
    action: string,
    step: () => Promise<T>,
    reopenAs: (ok: boolean) => string = () => name,
  ): Promise<T> {
    const others = await sessionsOn(db, name)
    if (others.length > 0 && !terminate) throw inUse(name, others, action)
    if (!terminate) {
      try {
        return await step()
      } catch (e) {
        // Someone connected between the check and the step: name them.
        if (e instanceof CpoError && e.code === 'DB_IN_USE') {
          const now = await sessionsOn(db, name).catch(() => [])
          if (now.length > 0) throw inUse(name, now, action)
        }
        throw e
      }
    }
    const m = maintenance(db)
    // A database already closed to connections (by its owner, before cpo ran) stays closed.
    const closedBefore = await serverRows(
      db,
      `SELECT 1 AS x FROM pg_database WHERE datname = ${lit(name)} AND NOT datallowconn`,
      `could not look up database ${name}`,
    )
    if (closedBefore.length === 0) {
      await exec(
        db,
        m,
        `ALTER DATABASE ${ident(name)} WITH ALLOW_CONNECTIONS false;\n`,
        `could not close ${name} to new connections`,
      )
    }
    let ok = false
    try {
      await exec(
        db,
        m,
        `SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity
         WHERE datname = ${lit(name)} AND pid <> pg_backend_pid() AND backend_type = 'client backend';\n`,
        `could not end the sessions on ${name}`,
      )
      const result = await step()
      ok = true
      return result
    } finally {
      if (closedBefore.length === 0)
        await exec(
          db,
          m,
          `ALTER DATABASE ${ident(reopenAs(ok))} WITH ALLOW_CONNECTIONS true;\n`,
          `could not open ${reopenAs(ok)} to connections again`,
        ).catch((e) => {
          if (ok) throw e
        })
    }
  }

  async function fsyncFile(file: string): Promise<void> {
    const handle = await fsp.open(file, 'r')
    try {
      await handle.sync()
    } finally {
      await handle.close()
    }
  }

  async function sha256File(file: string): Promise<string> {
    const hash = createHash('sha256')
    for await (const chunk of createReadStream(file, { highWaterMark: HASH_CHUNK }))
      hash.update(chunk as Buffer)
    return hash.digest('hex')
  }

  async function listDump(db: DbLocation, file: string): Promise<void> {
    const r = await runTool(
      await toolPath('pg_restore'),
      ['--list', '--', file],
      envFor(db, db.name),
    )
    if (r.code !== 0 || !/;\s*Archive created at/.test(r.stdout)) {
      throw new CpoError(
        'DB_COPY_UNREADABLE',
        'external',
        `the dump ${file} cannot be read: ${r.code !== 0 ? r.stderr.trim().split('\n')[0] : 'pg_restore lists no archive header'}`,
        { hint: 'Take a new database checkpoint: `cpo db checkpoint`.' },
      )
    }
  }

  async function copyDump(db: DbLocation, dest: string, checksum = true): Promise<DbCopyInfo> {
    if (!path.isAbsolute(dest))
      throw new CpoError('INTERNAL', 'internal', `dump path ${dest} is not absolute`)
    const dir = path.dirname(dest)
    await fsp.mkdir(dir, { recursive: true })
    const tmp = path.join(
      dir,
      `.${path.basename(dest)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`,
    )
    try {
      // -Z1: 2.7x faster than the default level at about the same size (README, databases).
      const args = ['-Fc', '-Z1', '--no-owner', '--no-privileges', '-f', tmp]
      const r = await runTool(await toolPath('pg_dump'), args, envFor(db, db.name))
      if (r.code !== 0) throw toolError(`pg_dump of ${db.name} failed`, r, secretOf(db))
      // The proof, the checksum and the flush to disk all follow the finished file: side by
      // side, so the disk writes back while the hash reads the page cache.
      const [sha256] = await Promise.all([
        checksum ? sha256File(tmp) : undefined,
        listDump(db, tmp),
        fsyncFile(tmp),
      ])
      const { size } = await fsp.stat(tmp)
      await fsp.rename(tmp, dest)
      await fsyncDir(dir)
      return { strategy: 'dump', location: dest, bytes: size, ...(sha256 ? { sha256 } : {}) }
    } catch (e) {
      await fsp.rm(tmp, { force: true }).catch(() => {})
      throw e
    }
  }

  async function copyTemplate(
    db: DbLocation,
    dest: string,
    terminate: boolean,
  ): Promise<DbCopyInfo> {
    checkIdentifier(dest)
    if (await exists(db, dest)) {
      throw new CpoError('DB_COPY_EXISTS', 'conflict', `a database named ${dest} already exists`, {
        hint: `Pick another checkpoint name, or drop the old copy first: \`cpo db prune\`.`,
      })
    }
    // CREATE DATABASE is atomic on the server: it either commits a whole copy or leaves nothing.
    await alone(db, db.name, terminate, `a template copy of ${db.name}`, () =>
      exec(
        db,
        maintenance(db),
        `CREATE DATABASE ${ident(dest)} TEMPLATE ${ident(db.name)} STRATEGY FILE_COPY;\n`,
        `could not copy ${db.name} to ${dest}`,
      ),
    )
    const size = await serverRows(
      db,
      `SELECT pg_database_size(${lit(dest)}) AS bytes`,
      `could not size ${dest}`,
    )
    return { strategy: 'template', location: dest, bytes: Number(size[0]?.bytes ?? 0) }
  }

  async function locale(db: DbLocation): Promise<string> {
    const found = await serverRows(
      db,
      `SELECT pg_encoding_to_char(encoding) AS encoding, datcollate, datctype, datlocprovider::text AS provider, daticulocale
       FROM pg_database WHERE datname = ${lit(db.name)}`,
      `could not read the encoding of ${db.name}`,
    )
    const r = found[0]
    if (!r) return ''
    let clause = ` ENCODING ${lit(String(r.encoding))} LC_COLLATE ${lit(String(r.datcollate))} LC_CTYPE ${lit(String(r.datctype))}`
    if (r.provider === 'i' && r.daticulocale)
      clause += ` LOCALE_PROVIDER icu ICU_LOCALE ${lit(String(r.daticulocale))}`
    return clause
  }

  async function dropDatabase(db: DbLocation, name: string): Promise<void> {
    await exec(
      db,
      maintenance(db),
      `DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE);\n`,
      `could not drop ${name}`,
    )
  }

  async function stage(
    db: DbLocation,
    copy: DbCopyRef,
    staged: string,
    schemaOnly = false,
  ): Promise<void> {
    checkIdentifier(staged)
    if (await exists(db, staged)) {
      throw new CpoError('DB_EXISTS', 'conflict', `a database named ${staged} already exists`, {
        hint: 'Run `cpo recover` if an earlier restore was interrupted; it puts such databases in order.',
      })
    }
    if (copy.strategy === 'template') {
      checkIdentifier(copy.location)
      await alone(db, copy.location, false, `building ${staged} from ${copy.location}`, () =>
        exec(
          db,
          maintenance(db),
          `CREATE DATABASE ${ident(staged)} TEMPLATE ${ident(copy.location)} STRATEGY FILE_COPY;\n`,
          `could not build ${staged} from ${copy.location}`,
        ),
      )
      return
    }
    if (copy.strategy !== 'dump') {
      throw new CpoError(
        'INTERNAL',
        'internal',
        `postgres cannot stage a copy of kind ${copy.strategy}`,
      )
    }
    await listDump(db, copy.location)
    const restore = await toolPath('pg_restore')
    await exec(
      db,
      maintenance(db),
      `CREATE DATABASE ${ident(staged)} TEMPLATE template0${await locale(db)};\n`,
      `could not create ${staged}`,
    )
    try {
      // libpq reads a conninfo string here, so any database name is safe; the rest comes from env.
      const target = `dbname='${staged.replace(/[\\']/g, (c) => `\\${c}`)}'`
      const args = [
        ...(schemaOnly ? ['--schema-only'] : []),
        '--single-transaction',
        '--exit-on-error',
        '--no-owner',
        '--no-privileges',
        '-d',
        target,
        '--',
        copy.location,
      ]
      const r = await runTool(restore, args, envFor(db, staged))
      if (r.code !== 0)
        throw toolError(
          `pg_restore into ${staged} failed (the live database was not touched)`,
          r,
          secretOf(db),
          'DB_RESTORE_FAILED',
        )
    } catch (e) {
      await dropDatabase(db, staged).catch(() => {})
      throw e
    }
  }

  async function swap(
    db: DbLocation,
    staged: string,
    keptAs: string,
    options: { terminateConnections?: boolean } = {},
  ): Promise<void> {
    for (const n of [db.name, staged, keptAs]) checkIdentifier(n)
    if (!(await exists(db, staged))) {
      throw new CpoError(
        'DB_NOT_FOUND',
        'notFound',
        `the database ${staged} to swap in does not exist`,
        {
          hint: 'Run `cpo recover` if an earlier restore was interrupted.',
        },
      )
    }
    if (await exists(db, keptAs)) {
      throw new CpoError('DB_EXISTS', 'conflict', `a database named ${keptAs} already exists`, {
        hint: 'Run `cpo recover` if an earlier restore was interrupted.',
      })
    }
    const stagedSessions = await sessionsOn(db, staged)
    if (stagedSessions.length > 0) throw inUse(staged, stagedSessions, `swapping ${staged} in`)
    // Both renames in one transaction: the server never shows a moment with no live database.
    await alone(
      db,
      db.name,
      options.terminateConnections === true,
      `swapping ${staged} in as ${db.name}`,
      async () => {
        await exec(
          db,
          maintenance(db),
          `BEGIN;
ALTER DATABASE ${ident(db.name)} RENAME TO ${ident(keptAs)};
ALTER DATABASE ${ident(staged)} RENAME TO ${ident(db.name)};
COMMIT;\n`,
          `could not swap ${staged} in as ${db.name}`,
        )
        // Both names moved; with terminateConnections the kept database is still closed here.
        failpoint('db-swapped-live')
      },
      (ok) => (ok ? keptAs : db.name),
    )
  }

  return {
    async probe(db) {
      const found = await Promise.all(TOOL_NAMES.map((n) => tool(n)))
      const tools = found.map(({ major: _m, ...t }) => t)
      const probe: DbProbe = { reachable: false, tools }
      const psqlTool = found.find((t) => t.name === 'psql')
      if (!psqlTool?.path) {
        probe.problem = {
          code: 'DB_TOOL_MISSING',
          message: `${psqlTool?.problem}`,
          hint: installHint(),
        }
        return probe
      }
      const r = await psql(db, db.name, `SELECT current_setting('server_version');\n`)
      if (r.code !== 0) {
        const e = toolError(
          `cannot connect to ${db.redactedUrl}`,
          r,
          secretOf(db),
          'DB_UNREACHABLE',
        )
        probe.problem = { code: e.code, message: e.message, hint: e.hint ?? '' }
        return probe
      }
      probe.reachable = true
      probe.serverVersion = r.stdout.trim()
      const serverMajor = majorOf(probe.serverVersion)
      for (const t of found) {
        const shown = tools.find((x) => x.name === t.name)
        if (!t.path) {
          probe.problem ??= {
            code: 'DB_TOOL_MISSING',
            message: `${t.problem}`,
            hint: installHint(serverMajor),
          }
        } else if (t.name !== 'psql' && serverMajor && t.major && t.major < serverMajor) {
          const message = `${t.name} ${t.version} is older than the server (${probe.serverVersion}) and refuses to read it`
          if (shown) shown.problem = message
          probe.problem ??= { code: 'DB_TOOL_TOO_OLD', message, hint: installHint(serverMajor) }
        }
      }
      return probe
    },

    sessions: (db) => sessionsOn(db, db.name),

    async copy(db, dest, options = {}) {
      if (dest.strategy === 'dump') return copyDump(db, dest.location, options.checksum !== false)
      if (dest.strategy === 'template')
        return copyTemplate(db, dest.location, options.terminateConnections === true)
      throw new CpoError(
        'INTERNAL',
        'internal',
        `postgres cannot make a copy of kind ${dest.strategy}`,
      )
    },

    async verifyCopy(db, copy) {
      if (copy.strategy === 'dump') {
        try {
          await fsp.access(copy.location)
        } catch {
          throw new CpoError(
            'DB_COPY_MISSING',
            'notFound',
            `the dump ${copy.location} is missing`,
            {
              hint: 'Take a new database checkpoint: `cpo db checkpoint`.',
            },
          )
        }
        return listDump(db, copy.location)
      }
      if (!(await exists(db, copy.location))) {
        throw new CpoError(
          'DB_COPY_MISSING',
          'notFound',
          `the template copy ${copy.location} does not exist on the server`,
          {
            hint: 'Take a new database checkpoint: `cpo db checkpoint`.',
          },
        )
      }
      const r = await psql(db, copy.location, 'SELECT 1;\n')
      if (r.code !== 0)
        throw toolError(
          `the template copy ${copy.location} cannot be read`,
          r,
          secretOf(db),
          'DB_COPY_UNREADABLE',
        )
    },

    async schema(db) {
      const r = await runTool(await toolPath('pg_dump'), ['-s', '-O', '-x'], envFor(db, db.name))
      if (r.code !== 0)
        throw toolError(`pg_dump --schema-only of ${db.name} failed`, r, secretOf(db))
      return normalizePostgresSchema(r.stdout)
    },

    async rowCounts(db) {
      // One statement for every table: exact counts through query_to_xml, no process per table.
      const found = await rows(
        db,
        db.name,
        `SELECT CASE WHEN n.nspname = 'public' THEN c.relname ELSE n.nspname || '.' || c.relname END AS name,
           (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I', n.nspname, c.relname), false, true, '')))[1]::text::bigint AS count
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
         ORDER BY 1`,
        `could not count the rows of ${db.name}`,
      )
      return Object.fromEntries(found.map((r) => [String(r.name), Number(r.count)]))
    },

    async query(db, sql) {
      const r = await psql(
        db,
        db.name,
        `BEGIN READ ONLY;\nSELECT coalesce(json_agg(t), '[]') FROM (${sql}) t;\nCOMMIT;\n`,
      )
      if (r.code !== 0) {
        // A migrations table that does not exist yet is an empty history, not an error.
        const state = sqlState(r.stderr)
        if (state === '42P01' || state === '3F000') return []
        throw toolError(`a query on ${db.name} failed`, r, secretOf(db))
      }
      return JSON.parse(r.stdout.trim() || '[]') as Record<string, unknown>[]
    },

    stage: (db, copy, staged) => stage(db, copy, staged),
    stageSchema: (db, copy, staged) => stage(db, copy, staged, true),
    swap,

    async rename(db, from, to) {
      for (const n of [from, to]) checkIdentifier(n)
      await exec(
        db,
        maintenance(db),
        `ALTER DATABASE ${ident(from)} RENAME TO ${ident(to)};\n`,
        `could not rename the database ${from} to ${to}`,
      )
    },
    exists: (db, name) => exists(db, name),

    async execute(db, statements) {
      // ON_ERROR_STOP ends the session at the first error: the open transaction never commits.
      // A marker before each statement (psql's \echo, on stdout) tells which one the error hit.
      const script = [
        'BEGIN;',
        ...statements.flatMap((s, i) => [`\\echo ${EXECUTE_MARK}${i + 1}`, s]),
        `\\echo ${EXECUTE_MARK}commit`,
        'COMMIT;',
        '',
      ].join('\n')
      const r = await psql(db, db.name, script)
      if (r.code === 0) return
      // Exit 3: the server reported an error and psql stopped (the transaction rolled back).
      // Anything else (a lost connection) leaves the outcome of COMMIT unknown.
      if (r.code !== 3 || !/ERROR:/.test(r.stderr))
        throw toolError(`the SQL on ${db.name} failed`, r, secretOf(db))
      const marks = [...r.stdout.matchAll(new RegExp(`^${EXECUTE_MARK}(\\w+)$`, 'gm'))]
      const last = marks.at(-1)?.[1]
      const index = last && last !== 'commit' ? Number(last) : undefined
      // The error's own line and its DETAIL (the offending row); NOTICEs of earlier statements
      // and the verbose SQLSTATE/LOCATION lines are noise here.
      const error = r.stderr.slice(r.stderr.indexOf('ERROR:'))
      const first = /^ERROR:\s+(?:[0-9A-Z]{5}:\s+)?(.*)$/m.exec(error)?.[1] ?? error
      const detail = /^DETAIL:\s+(.*)$/m.exec(error)?.[1]
      const text = errorText(`${first}${detail ? ` (${detail})` : ''}`, secretOf(db))
      const which =
        index === undefined
          ? 'COMMIT'
          : `statement ${index} of ${statements.length} (${oneLine(statements[index - 1] ?? '')})`
      throw new CpoError(
        'DB_SQL_FAILED',
        'external',
        `${which} failed on ${db.name}: ${text}; the transaction was rolled back, ${db.name} is as it was`,
        {
          hint: 'Fix what the message names (the live rows may not fit the old schema), then run the command again; nothing was changed.',
          details: {
            database: db.name,
            statement: index ?? null,
            sql: index === undefined ? 'COMMIT' : statements[index - 1],
            sqlState: sqlState(r.stderr) ?? null,
          },
        },
      )
    },

    async allowConnections(db, name, keepClosed = []) {
      checkIdentifier(name)
      const closed = await serverRows(
        db,
        `SELECT oid::text AS oid FROM pg_database WHERE datname = ${lit(name)} AND NOT datallowconn`,
        `could not look up database ${name}`,
      )
      const oid = closed[0]?.oid
      if (oid === undefined || keepClosed.includes(String(oid))) return false
      await exec(
        db,
        maintenance(db),
        `ALTER DATABASE ${ident(name)} WITH ALLOW_CONNECTIONS true;\n`,
        `could not open ${name} to connections again`,
      )
      return true
    },

    async closedDatabases(db, names) {
      if (names.length === 0) return []
      const found = await serverRows(
        db,
        `SELECT oid::text AS oid FROM pg_database WHERE NOT datallowconn AND datname IN (${names.map(lit).join(', ')}) ORDER BY 1`,
        'could not read which databases are closed to connections',
      )
      return found.map((r) => String(r.oid))
    },

    async drop(db, name) {
      checkIdentifier(name)
      // Only databases cpo made itself: never the live one, never a user's other database.
      if (name === db.name || !name.includes('__cpo_')) {
        throw new CpoError(
          'INTERNAL',
          'internal',
          `cpo drops only the databases it made (${name} is not one)`,
        )
      }
      await dropDatabase(db, name)
    },

    async list(db, prefix) {
      const found = await serverRows(
        db,
        `SELECT datname FROM pg_database WHERE starts_with(datname, ${lit(prefix)}) ORDER BY datname`,
        `could not list the databases of ${db.name}'s server`,
      )
      return found.map((r) => String(r.datname))
    },
  }
}

/** The engine with the tools found on PATH and in /usr/lib/postgresql/<major>/bin. */
export const postgresEngine: DbEngine = createPostgresEngine()

export default postgresEngine
