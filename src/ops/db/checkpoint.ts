import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { loadEngine } from '../../adapters/db/engines.js'
import type { DbCopyRef, DbCopyStrategy, DbEngine, DbLocation } from '../../adapters/db/types.js'
import { writeFileAtomic } from '../../adapters/fs.js'
import type { Repo } from '../../adapters/repo.js'
import { CHECKPOINTS_DIR } from '../../core/checkpoint/sidecars.js'
import { copyName, dbSidecars, sha256Hex } from '../../core/db/names.js'
import { CpoError } from '../../errors.js'
import { prepareSidecars, sidecarDir } from '../checkpoint/sidecars.js'
import type { RunEffect } from '../effects.js'
import { reopenEffect } from './effect.js'
import type { LocatedDb } from './locate.js'
import { readAppliedMigrations, readMigrationFiles } from './migration-truth.js'
import { type DbCheckpointMeta, readDbCheckpoint } from './store.js'

export type StrategyChoice = DbCopyStrategy | 'auto'

export interface TakeOptions {
  strategy?: StrategyChoice
  terminateConnections?: boolean
  /** The operation's effect journal: a template copy that closes live records that first. */
  runEffect?: RunEffect
}

/**
 * Picks how to copy: SQLite is always a file; PostgreSQL uses a template copy on a local server
 * nobody else is connected to (about 20× faster than a dump), else a dump.
 */
async function chooseStrategy(
  engine: DbEngine,
  db: DbLocation,
  choice: StrategyChoice,
  terminate: boolean,
): Promise<DbCopyStrategy> {
  if (db.engine === 'sqlite') {
    if (choice !== 'auto' && choice !== 'file') {
      throw new CpoError(
        'DB_STRATEGY_UNSUPPORTED',
        'usage',
        `--strategy ${choice} is for PostgreSQL; SQLite databases are copied as a file`,
        {
          hint: 'Leave out --strategy (or pass --strategy file) for a SQLite database.',
        },
      )
    }
    return 'file'
  }
  if (choice === 'file') {
    throw new CpoError('DB_STRATEGY_UNSUPPORTED', 'usage', '--strategy file is for SQLite', {
      hint: 'Use --strategy auto, template or dump for PostgreSQL.',
    })
  }
  if (choice !== 'auto') return choice
  if (!db.local) return 'dump'
  return terminate || (await engine.sessions(db)).length === 0 ? 'template' : 'dump'
}

/**
 * Copies the live database and writes the checkpoint's sidecars: the copy, the deterministic
 * schema text, the applied migrations and the metadata that records them. A checkpoint taken
 * again under the same name (`stage start --force`) parks the previous one's files under
 * `.checkpoints/replaced/<op>/` first: a copy is never overwritten.
 */
export async function takeDbCheckpoint(
  repo: Repo,
  found: LocatedDb & { location: DbLocation },
  checkpoint: string,
  opId: string,
  options: TakeOptions = {},
): Promise<DbCheckpointMeta> {
  const db = found.location
  const engine = await loadEngine(db.engine)
  await prepareSidecars(repo)
  const dir = await sidecarDir(repo)
  const strategy = await chooseStrategy(
    engine,
    db,
    options.strategy ?? 'auto',
    options.terminateConnections === true,
  )
  const previous = await readDbCheckpoint(repo, checkpoint)
  if (previous) await parkCheckpointFiles(repo, engine, db, previous, opId)
  const dest: DbCopyRef =
    strategy === 'template'
      ? { strategy, location: copyName(db.name, checkpoint) }
      : {
          strategy,
          location: path.join(
            dir,
            dbSidecars.copy(checkpoint, strategy === 'dump' ? 'dump' : 'sqlite'),
          ),
        }
  if (
    strategy === 'template' &&
    options.terminateConnections &&
    options.runEffect &&
    found.locator
  ) {
    await options.runEffect((await reopenEffect(db, found.locator, [db.name])) as never, () =>
      Promise.resolve(),
    )
  }
  // No sha256 of the copy here: nothing reads a checkpoint's digest (a restore proves the copy
  // with pg_restore --list / quick_check, a backup hashes the bytes it archives itself), and it
  // cost ~0.5 s CPU per GB (bench/README.md, "Databases").
  const copying = engine.copy(db, dest, {
    terminateConnections: options.terminateConnections === true,
    checksum: false,
  })
  // Schema and migrations are read from the copy where it is a file: exactly what was copied.
  // A dump reads live beside the copy (pg_dump holds no lock that blocks readers), so its
  // schema and history are read meanwhile; a template copy needs live to itself, so after.
  const fromCopy: DbLocation =
    strategy === 'file' ? { ...db, name: dest.location, url: dest.location } : db
  const read = () =>
    Promise.all([
      engine.schema(fromCopy),
      found.migrations
        ? readAppliedMigrations(engine, fromCopy, found.migrations)
        : Promise.resolve([]),
    ])
  let info: Awaited<typeof copying>
  let schema: string
  let applied: Awaited<ReturnType<typeof readAppliedMigrations>>
  if (strategy === 'dump') {
    const reading = read()
    // Both settle before either failure is reported, so no read outlives the command.
    const [c, r] = await Promise.allSettled([copying, reading])
    if (c.status === 'rejected') throw c.reason
    if (r.status === 'rejected') throw r.reason
    info = c.value
    ;[schema, applied] = r.value
  } else {
    info = await copying
    ;[schema, applied] = await read()
  }
  const files = found.migrations ? await readMigrationFiles(repo.root, found.migrations) : []
  const meta: DbCheckpointMeta = {
    version: 1,
    checkpoint,
    time: new Date().toISOString(),
    opId,
    engine: db.engine,
    redactedUrl: db.redactedUrl,
    database: databaseKey(repo, db),
    strategy,
    location: strategy === 'template' ? dest.location : path.relative(repo.root, dest.location),
    ...(info.bytes === undefined ? {} : { bytes: info.bytes }),
    ...(info.sha256 === undefined ? {} : { sha256: info.sha256 }),
    schemaHash: sha256Hex(schema),
    schemaFile: dbSidecars.schema(checkpoint),
    migrationsFile: dbSidecars.migrations(checkpoint),
    orm: found.orm.value,
    migrations: applied
      .filter((a) => !a.rolledBack)
      .map((a) => a.name ?? files.find((f) => f.hash === a.hash)?.name ?? a.hash),
  }
  await writeFileAtomic(path.join(dir, meta.schemaFile), schema)
  await writeFileAtomic(
    path.join(dir, meta.migrationsFile),
    `${JSON.stringify({ applied, files }, null, 2)}\n`,
  )
  // The metadata last: a checkpoint without it is not listed, so a crash leaves no half record.
  await writeFileAtomic(
    path.join(dir, dbSidecars.meta(checkpoint)),
    `${JSON.stringify(meta, null, 2)}\n`,
  )
  return meta
}

/** Moves a checkpoint's files out of the way (kept, never deleted), e.g. when it is replaced. */
export async function parkCheckpointFiles(
  repo: Repo,
  engine: DbEngine,
  db: DbLocation,
  meta: DbCheckpointMeta,
  opId: string,
  folder = 'replaced',
): Promise<string> {
  const to = path.join(repo.root, CHECKPOINTS_DIR, folder, opId)
  await fsp.mkdir(to, { recursive: true })
  const files = [dbSidecars.meta(meta.checkpoint), meta.schemaFile, meta.migrationsFile]
  if (meta.strategy !== 'template') files.push(path.relative(CHECKPOINTS_DIR, meta.location))
  else if (await engine.exists(db, meta.location)) {
    await engine.rename(db, meta.location, copyName(meta.location, `${folder}_${opId.slice(-4)}`))
  }
  for (const f of files) {
    await fsp
      .rename(path.join(repo.root, CHECKPOINTS_DIR, f), path.join(to, path.basename(f)))
      .catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw e
      })
  }
  return path.relative(repo.root, to)
}

/**
 * How a checkpoint names its database: a SQLite file inside the work tree relative to it (the
 * project may move, or be restored from a backup elsewhere), anything else as it is.
 */
export function databaseKey(repo: Repo, db: DbLocation): string {
  if (db.engine !== 'sqlite') return db.name
  const rel = path.relative(repo.root, db.name)
  return rel.startsWith('..') || path.isAbsolute(rel) ? db.name : rel
}
