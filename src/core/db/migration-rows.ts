import type { AppliedMigration } from './migrations.js'
import { quoteIdent, quoteLiteral } from './postgres-names.js'

/** Where an ORM keeps its history: Drizzle's `__drizzle_migrations` (by hash), Prisma's (by name). */
export interface MigrationTable {
  orm: 'prisma' | 'drizzle'
  table: string
  schema?: string
}

/**
 * The DELETE that removes the history rows applied after a checkpoint (postgres), so the
 * migrations table agrees with a schema taken back by down SQL: Drizzle rows are matched by
 * hash, Prisma rows by migration name. Undefined when live has no row the checkpoint lacks.
 */
export function newerMigrationRowsDelete(
  setup: MigrationTable,
  atCheckpoint: AppliedMigration[],
  live: AppliedMigration[],
): { statement: string; rows: string[] } | undefined {
  const key = (m: AppliedMigration) => (setup.orm === 'prisma' ? (m.name ?? m.hash) : m.hash)
  const kept = new Set(atCheckpoint.map(key))
  const newer = [...new Set(live.map(key).filter((k) => !kept.has(k)))]
  if (newer.length === 0) return undefined
  const table = `${setup.schema ? `${quoteIdent(setup.schema)}.` : ''}${quoteIdent(setup.table)}`
  const column = setup.orm === 'prisma' ? 'migration_name' : 'hash'
  return {
    statement: `DELETE FROM ${table} WHERE ${column} IN (${newer.map(quoteLiteral).join(', ')});`,
    rows: newer,
  }
}
