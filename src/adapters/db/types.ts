// src/adapters/db/types.ts
export type DbEngineName = 'postgres' | 'sqlite'

/**
 * A database cpo found. `url` may hold a password: never print, journal, store or pass it on a
 * command line (postgres tools get it through PGPASSWORD/PG* env vars); show `redactedUrl`.
 */
export interface DbLocation {
  engine: DbEngineName
  url: string
  redactedUrl: string
  /** postgres: the database name; sqlite: the absolute file path */
  name: string
  /** localhost, 127.0.0.0/8, ::1, a unix socket, or a sqlite file: restores need no --remote */
  local: boolean
}

export interface DbTool {
  name: string
  path?: string
  version?: string
  problem?: string
}

export interface DbProbe {
  reachable: boolean
  /** CpoError-style code: DB_UNREACHABLE, DB_AUTH_FAILED, DB_NOT_FOUND, DB_TOOL_MISSING, DB_TOOL_TOO_OLD */
  problem?: { code: string; message: string; hint: string }
  serverVersion?: string
  tools: DbTool[]
}

export type DbCopyStrategy = 'dump' | 'template' | 'file'

/** A copy of a database: a file (dump, sqlite file) or a database on the same server (template). */
export interface DbCopyRef {
  strategy: DbCopyStrategy
  /** absolute file path (dump, file) or database name (template) */
  location: string
}

export interface DbCopyInfo extends DbCopyRef {
  bytes?: number
  sha256?: string
}

export interface DbSession {
  pid: number
  application: string
  user?: string
  since?: string
}

export interface DbEngine {
  probe(db: DbLocation): Promise<DbProbe>
  /** Other sessions on the database (postgres); [] for sqlite. */
  sessions(db: DbLocation): Promise<DbSession[]>
  /**
   * Copies the live database to `dest` (a file path or a database name) without disturbing it:
   * written under a temporary name, checked (pg_restore --list / quick_check), fsynced, renamed.
   * Never leaves a partial copy under `dest`.
   */
  copy(
    db: DbLocation,
    dest: DbCopyRef,
    options?: {
      terminateConnections?: boolean
      /**
       * false: no sha256 of a file copy (`bytes` only). A checkpoint passes it: nothing reads a
       * checkpoint's digest, and a backup hashes the bytes it archives itself.
       */
      checksum?: boolean
    },
  ): Promise<DbCopyInfo>
  /** Proves a copy can be read; throws a CpoError naming what is wrong. */
  verifyCopy(db: DbLocation, copy: DbCopyRef): Promise<void>
  /** Deterministic schema text (postgres: pg_dump -s -O -x without comments/SET/\restrict; sqlite: sqlite_master sorted). */
  schema(db: DbLocation): Promise<string>
  rowCounts(db: DbLocation): Promise<Record<string, number>>
  /** Rows of a read-only query as JSON objects (migration tables); [] when the table is missing. */
  query(db: DbLocation, sql: string): Promise<Record<string, unknown>[]>
  /**
   * Builds a database from `copy` beside the live one, as `staged` (a database name or a file
   * path); never touches the live database. A failure leaves no `staged` behind.
   */
  stage(db: DbLocation, copy: DbCopyRef, staged: string): Promise<void>
  /**
   * Renames live → keptAs and staged → live (postgres: two ALTER DATABASE … RENAME; sqlite: the
   * file with its -wal/-shm). Needs no other session on live (`terminateConnections` ends them).
   */
  swap(
    db: DbLocation,
    staged: string,
    keptAs: string,
    options?: { terminateConnections?: boolean },
  ): Promise<void>
  /**
   * Renames one database (postgres: ALTER DATABASE … RENAME; sqlite: the file with its
   * -wal/-shm): how a revert puts a kept database back when the live one is missing (a crash
   * between the two renames of `swap`).
   */
  rename(db: DbLocation, from: string, to: string): Promise<void>
  /**
   * Like `stage`, with the copy's schema only and no rows (postgres: a scratch database for
   * `cpo db down-sql`). Optional: an engine without it is staged in full.
   */
  stageSchema?(db: DbLocation, copy: DbCopyRef, staged: string): Promise<void>
  /**
   * Lets connections into a database again (postgres: ALLOW_CONNECTIONS true) when it is there and
   * closed, unless it is one of `keepClosed` (closed before cpo ran, see `closedDatabases`): how
   * a revert reopens a database a crash left locked out (`terminateConnections`).
   * Optional: an engine that never closes a database has nothing to reopen.
   */
  allowConnections?(db: DbLocation, name: string, keepClosed?: string[]): Promise<boolean>
  /**
   * Of the named databases, the ones that are there and closed to connections now, by an
   * identity that survives a rename (postgres: the oid): journaled before cpo closes anything,
   * so a revert passes them to `allowConnections` as `keepClosed` and leaves them as they were.
   */
  closedDatabases?(db: DbLocation, names: string[]): Promise<string[]>
  /**
   * Runs statements in one transaction (postgres: `cpo db down-sql --apply`); all or nothing.
   * A statement the server refuses throws `DB_SQL_FAILED` (details: its 1-based `statement`,
   * `null` for COMMIT): the transaction rolled back and the database is as it was. Any other
   * failure (a lost connection) leaves the outcome unknown.
   */
  execute?(db: DbLocation, statements: string[]): Promise<void>
  exists(db: DbLocation, nameOrPath: string): Promise<boolean>
  drop(db: DbLocation, nameOrPath: string): Promise<void>
  /** Databases/files whose name starts with the prefix (template copies, kept databases). */
  list(db: DbLocation, prefix: string): Promise<string[]>
}
