import { createHash } from 'node:crypto'
import { promises as fsp } from 'node:fs'
import path from 'node:path'
import type { DbEngine, DbLocation } from '../../adapters/db/types.js'
import {
  type AppliedMigration,
  compareMigrations,
  drizzleRows,
  type FixCommands,
  type MigrationComparison,
  type MigrationFile,
  prismaRows,
} from '../../core/db/migrations.js'
import type { MigrationSetup } from './locate.js'

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex')

/** The migration files in the tree, oldest first, with the sha256 each ORM records. */
export async function readMigrationFiles(
  root: string,
  setup: MigrationSetup,
): Promise<MigrationFile[]> {
  const dir = path.join(root, setup.folder)
  if (setup.layout === 'drizzle-journal') {
    const journal = JSON.parse(
      await fsp.readFile(path.join(dir, 'meta', '_journal.json'), 'utf8'),
    ) as {
      entries?: Array<{ tag: string; when: number }>
    }
    const files: MigrationFile[] = []
    for (const e of journal.entries ?? []) {
      const bytes = await fsp.readFile(path.join(dir, `${e.tag}.sql`)).catch(() => undefined)
      if (bytes) files.push({ name: e.tag, hash: sha256(bytes), when: e.when })
    }
    return files
  }
  const names = (await fsp.readdir(dir, { withFileTypes: true }).catch(() => []))
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
  const files: MigrationFile[] = []
  for (const name of names) {
    const bytes = await fsp.readFile(path.join(dir, name, 'migration.sql')).catch(() => undefined)
    if (bytes) files.push({ name, hash: sha256(bytes) })
  }
  return files
}

const quoteId = (s: string): string => `"${s.replace(/"/g, '""')}"`

/** The rows of the migrations table ([] when it does not exist yet). */
export async function readAppliedMigrations(
  engine: DbEngine,
  db: DbLocation,
  setup: MigrationSetup,
): Promise<AppliedMigration[]> {
  const table = `${setup.schema && db.engine === 'postgres' ? `${quoteId(setup.schema)}.` : ''}${quoteId(setup.table)}`
  if (setup.orm === 'prisma') {
    return prismaRows(
      await engine.query(
        db,
        `SELECT migration_name, checksum, finished_at, rolled_back_at FROM ${table} ORDER BY started_at, migration_name`,
      ),
    )
  }
  return drizzleRows(await engine.query(db, `SELECT * FROM ${table} ORDER BY created_at`))
}

export async function migrationTruth(
  root: string,
  engine: DbEngine,
  db: DbLocation,
  setup: MigrationSetup,
  fixes: FixCommands = {},
): Promise<MigrationComparison> {
  const [files, applied] = await Promise.all([
    readMigrationFiles(root, setup),
    readAppliedMigrations(engine, db, setup),
  ])
  return compareMigrations(setup.orm, files, applied, fixes)
}
