/**
 * Migration truth (README.md, "Databases"): the migrations the database says it applied,
 * compared with the migration files in the tree. Pure: the ops read files and tables.
 */

export type MigrationOrm = 'prisma' | 'drizzle'

/** One migration file in the tree. */
export interface MigrationFile {
  /** Prisma: the folder name; Drizzle: the journal tag or the v1 folder name. */
  name: string
  /** sha256 hex of the .sql bytes */
  hash: string
  /** Drizzle journal `when` (ms): what `created_at` holds for it. */
  when?: number
}

/** One row of the migrations table. */
export interface AppliedMigration {
  name?: string
  hash: string
  createdAt?: number
  /** Prisma: finished_at and rolled_back_at both null. */
  failed?: boolean
  /** Prisma: rolled back with `migrate resolve --rolled-back` (as if never applied). */
  rolledBack?: boolean
}

export type MigrationProblemKind = 'applied-but-missing' | 'pending' | 'failed' | 'edited'

export interface MigrationProblem {
  kind: MigrationProblemKind
  name: string
  message: string
  fix: string
}

export interface MigrationComparison {
  applied: string[]
  files: string[]
  problems: MigrationProblem[]
  inSync: boolean
}

export interface FixCommands {
  /** e.g. `cpo db restore stage-2-start`, or undefined when no checkpoint fits. */
  restore?: string
}

const APPLY: Record<MigrationOrm, string> = {
  prisma: 'npx prisma migrate deploy',
  drizzle: 'npx drizzle-kit migrate',
}

/** Rows of `_prisma_migrations` as cpo reads them. */
export function prismaRows(rows: Record<string, unknown>[]): AppliedMigration[] {
  return rows.map((r) => {
    const finished = r.finished_at !== null && r.finished_at !== undefined
    const rolledBack = r.rolled_back_at !== null && r.rolled_back_at !== undefined
    return {
      name: String(r.migration_name),
      hash: String(r.checksum),
      failed: !finished && !rolledBack,
      rolledBack,
    }
  })
}

/**
 * Rows of `__drizzle_migrations`. In SQLite `id` is NULL in every row (SERIAL is no rowid alias
 * there), so rows are ordered by `created_at`, which node drivers may return as a string.
 */
export function drizzleRows(rows: Record<string, unknown>[]): AppliedMigration[] {
  return rows
    .map((r) => ({
      hash: String(r.hash),
      ...(r.created_at === null || r.created_at === undefined
        ? {}
        : { createdAt: Number(r.created_at) }),
      ...(typeof r.name === 'string' ? { name: r.name } : {}),
    }))
    .sort((a, b) => (a.createdAt ?? 0) - (b.createdAt ?? 0))
}

export function compareMigrations(
  orm: MigrationOrm,
  files: MigrationFile[],
  applied: AppliedMigration[],
  fixes: FixCommands = {},
): MigrationComparison {
  const problems: MigrationProblem[] = []
  const restore = fixes.restore
  const missingFix = restore
    ? `${restore} (the database goes back with the code)`
    : 'check out the code that has this migration, or restore a database checkpoint taken before it (`cpo db list`)'
  const matched = new Set<MigrationFile>()
  const appliedNames: string[] = []
  for (const row of applied) {
    if (row.rolledBack) continue
    const file = findFile(orm, files, row, matched)
    const name = file?.name ?? row.name ?? `hash ${row.hash.slice(0, 12)}`
    appliedNames.push(name)
    if (file) matched.add(file)
    if (row.failed) {
      problems.push({
        kind: 'failed',
        name,
        message: `migration ${name} failed part-way: the database may be half-changed`,
        fix: restore
          ? `${restore}, fix the migration, then ${APPLY[orm]}`
          : `npx prisma migrate resolve --rolled-back ${name} after fixing the database, then ${APPLY[orm]}`,
      })
    } else if (!file) {
      problems.push({
        kind: 'applied-but-missing',
        name,
        message: `migration ${name} is applied to the database but not in the tree (the code was rolled back, the database was not)`,
        fix: missingFix,
      })
    } else if (file.hash !== row.hash) {
      problems.push({
        kind: 'edited',
        name,
        message: `migration ${name} was edited after it was applied (its sha256 differs from the database's)`,
        fix: `put back the applied version (\`git log -p -- <its migration.sql>\`)${restore ? `, or ${restore} and ${APPLY[orm]}` : ''}`,
      })
    }
  }
  for (const file of files) {
    if (matched.has(file)) continue
    problems.push({
      kind: 'pending',
      name: file.name,
      message: `migration ${file.name} is not applied yet`,
      fix: APPLY[orm],
    })
  }
  return {
    applied: appliedNames,
    files: files.map((f) => f.name),
    problems,
    inSync: problems.length === 0,
  }
}

/**
 * Prisma names every row; Drizzle's journal layout keeps only hash and `created_at` (= the
 * journal's `when`), so a row is matched by hash first, then by `when` (an edited file).
 */
function findFile(
  orm: MigrationOrm,
  files: MigrationFile[],
  row: AppliedMigration,
  taken: Set<MigrationFile>,
): MigrationFile | undefined {
  const free = files.filter((f) => !taken.has(f))
  if (orm === 'prisma' || row.name !== undefined) return free.find((f) => f.name === row.name)
  return (
    free.find((f) => f.hash === row.hash) ??
    (row.createdAt === undefined ? undefined : free.find((f) => f.when === row.createdAt))
  )
}
