import { createHash } from 'node:crypto'
import { createReadStream, promises as fsp } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { loadEngine } from '../../adapters/db/engines.js'
import type { DbLocation } from '../../adapters/db/types.js'
import type { Repo } from '../../adapters/repo.js'
import type { BackupManifest } from '../../core/backup/manifest.js'
import { copyName } from '../../core/db/names.js'
import { withDatabase } from '../../core/db/postgres-url.js'
import { parseDbUrl } from '../../core/db/url.js'
import { CpoError } from '../../errors.js'
import { databaseKey } from '../db/checkpoint.js'
import { requireDatabase } from '../db/locate.js'
import { copyRefOf, listDbCheckpoints } from '../db/store.js'

export interface BackupDbPart {
  /** The file to stream into the archive. */
  file: string
  manifest: NonNullable<BackupManifest['db']>
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/**
 * The database copy `backup create --with-db` puts in the `db/` slot (README.md, "Backups"): the
 * newest database checkpoint's copy when there is one, so the live database is not read a
 * second time (a template copy is dumped from the copy, a dump or SQLite file is taken as it
 * is, after it proves readable); else a fresh dump (`pg_dump -Fc`) or `VACUUM INTO` of live.
 */
export async function databaseForBackup(repo: Repo, scratch: string): Promise<BackupDbPart> {
  const found = await requireDatabase(repo)
  const db = found.location
  const engine = await loadEngine(db.engine)
  const ext = db.engine === 'postgres' ? 'dump' : 'sqlite'
  const base = db.engine === 'postgres' ? db.name : path.basename(db.name).replace(/\.[^.]+$/, '')
  const entry = `db/${base.replace(/[^\w.-]/g, '_')}.${ext}`
  const key = databaseKey(repo, db)
  const newest = (await listDbCheckpoints(repo))
    .filter((m) => m.engine === db.engine && m.database === key)
    .at(-1)
  let file: string | undefined
  let source = 'live'
  if (newest) {
    const copy = copyRefOf(repo, newest)
    try {
      await engine.verifyCopy(db, copy)
      if (copy.strategy === 'template') {
        file = path.join(scratch, `db.${ext}`)
        const fromCopy: DbLocation = {
          ...db,
          name: copy.location,
          url: withDatabase(db.url, copy.location),
        }
        await engine.copy(fromCopy, { strategy: 'dump', location: file })
      } else file = copy.location
      source = `checkpoint ${newest.checkpoint}`
    } catch {
      // A copy that is gone or unreadable: the live database it is, then.
      file = undefined
    }
  }
  if (!file) {
    file = path.join(scratch, `db.${ext}`)
    await engine.copy(db, { strategy: db.engine === 'postgres' ? 'dump' : 'file', location: file })
  }
  const { size } = await fsp.stat(file)
  return {
    file,
    manifest: {
      engine: db.engine,
      path: entry,
      size,
      sha256: await sha256File(file),
      source,
      database: key,
    },
  }
}

/** A location that only names the engine: reading a dump (pg_restore --list) connects nowhere. */
const offline = (engine: 'postgres' | 'sqlite', file: string): DbLocation =>
  engine === 'postgres'
    ? {
        engine,
        url: 'postgres://localhost/cpo_verify',
        redactedUrl: 'postgres://localhost/cpo_verify',
        name: 'cpo_verify',
        local: true,
      }
    : { engine, url: file, redactedUrl: `file:${file}`, name: file, local: true }

/**
 * `backup verify`: the `db/` slot as extracted into `staging` (its bytes were already checked
 * against the manifest with every entry) must also read as a database: `pg_restore --list` for
 * a dump, `PRAGMA quick_check` for a SQLite file.
 */
export async function backupDbProblems(
  staging: string,
  db: BackupManifest['db'],
): Promise<{ code: string; entry: string; message: string }[]> {
  if (!db) return []
  const file = path.join(staging, db.path)
  try {
    const engine = await loadEngine(db.engine)
    await engine.verifyCopy(offline(db.engine, file), {
      strategy: db.engine === 'postgres' ? 'dump' : 'file',
      location: file,
    })
    return []
  } catch (e) {
    return [
      {
        code: 'BACKUP_DB_UNREADABLE',
        entry: db.path,
        message: `the database copy ${db.path} cannot be read: ${e instanceof Error ? e.message : String(e)}`,
      },
    ]
  }
}

/** Where `restore <backup> <dir> --db-url <url>` puts the database: must be new, or empty. */
export async function checkBackupDbTarget(
  db: BackupManifest['db'],
  url: string,
  id: string,
): Promise<DbLocation> {
  if (!db) {
    throw new CpoError('BACKUP_HAS_NO_DB', 'usage', `backup ${id} holds no database copy`, {
      hint: 'Leave out --db-url, or restore a backup made with `cpo backup create --with-db`.',
    })
  }
  const target = parseDbUrl(url, process.cwd(), os.userInfo().username)
  if (!target || target.engine !== db.engine) {
    throw new CpoError(
      'DB_URL_INVALID',
      'invalidInput',
      `--db-url must be a ${db.engine} URL: backup ${id} holds a ${db.engine} database`,
      {
        hint:
          db.engine === 'postgres'
            ? 'Pass --db-url postgres://USER:PASSWORD@HOST:PORT/NEW_DATABASE.'
            : 'Pass --db-url file:/path/to/new.db.',
      },
    )
  }
  const engine = await loadEngine(target.engine)
  if (target.engine === 'postgres') {
    const probe = await engine.probe(target)
    if (!probe.reachable && probe.problem?.code !== 'DB_NOT_FOUND') {
      // A database that does not exist yet is the usual case: only a server problem stops here.
      const server = { ...target, name: 'postgres', url: withDatabase(target.url, 'postgres') }
      const again = await engine.probe(server)
      if (!again.reachable) {
        const p = again.problem ?? { code: 'DB_UNREACHABLE', message: 'unreachable', hint: '' }
        throw new CpoError(p.code, 'external', p.message, { hint: p.hint })
      }
    }
  }
  if (await engine.exists(target, target.name)) {
    const rows = await engine.rowCounts(target)
    if (Object.keys(rows).length > 0) {
      throw new CpoError(
        'DB_TARGET_NOT_EMPTY',
        'conflict',
        `${target.redactedUrl} already holds ${Object.keys(rows).length} table(s): a backup is restored into a new database only`,
        { hint: 'Name a database that does not exist yet in --db-url (cpo creates it).' },
      )
    }
  }
  return target
}

/**
 * Builds the backup's database at `target` (checked by checkBackupDbTarget): beside it under a
 * `__cpo_new_` name, then renamed in, so a failure leaves no half-restored database; an empty
 * database already there is kept as `<db>__cpo_before_<id>`.
 */
export async function restoreBackupDb(
  staging: string,
  db: NonNullable<BackupManifest['db']>,
  target: DbLocation,
  id: string,
): Promise<{ database: string; redactedUrl: string }> {
  const engine = await loadEngine(target.engine)
  const file = path.join(staging, db.path)
  const copy = { strategy: db.engine === 'postgres' ? 'dump' : 'file', location: file } as const
  const staged = copyName(target.name, `new_restore_${id}`)
  if (target.engine === 'sqlite') {
    await fsp.mkdir(path.dirname(target.name), { recursive: true })
    const side = `${target.name}__cpo_new_restore_${id}`
    await engine.stage(target, copy, side)
    if (await engine.exists(target, target.name))
      await engine.swap(target, side, `${target.name}__cpo_before_restore_${id}`)
    else await engine.rename(target, side, target.name)
  } else {
    await engine.stage(target, copy, staged)
    if (await engine.exists(target, target.name))
      await engine.swap(target, staged, copyName(target.name, `before_restore_${id}`))
    else await engine.rename(target, staged, target.name)
  }
  return { database: target.name, redactedUrl: target.redactedUrl }
}
