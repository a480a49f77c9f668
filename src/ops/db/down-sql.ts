import { randomBytes } from 'node:crypto'
import { schemaDiffStatements } from '../../adapters/db/postgres-diff.js'
import type { DbCopyRef, DbEngine, DbLocation } from '../../adapters/db/types.js'
import { copyName } from '../../core/db/names.js'
import { type DownSqlPlan, downSqlPlan } from '../../core/db/postgres-down.js'
import { withDatabase } from '../../core/db/postgres-url.js'
import { CpoError } from '../../errors.js'

export interface DownSqlResult extends DownSqlPlan {
  /** The live database the SQL is for (password masked). */
  live: string
  /** Where the checkpoint's schema was read: the template copy, or a scratch database (dropped). */
  comparedWith: { strategy: DbCopyRef['strategy']; database: string; scratch: boolean }
}

/**
 * The SQL that takes the live schema back to the checkpoint's without a restore, so the rows
 * that should survive (production data) stay: the checkpoint's schema is restored, without rows,
 * into a scratch database beside live (a template copy is compared directly), the two catalogs
 * are diffed, and the scratch database is dropped. Read-only for live; statements that drop data
 * are listed apart. Nothing is run here (`--apply` runs `sql` in one transaction).
 */
export async function downSql(
  engine: DbEngine,
  live: DbLocation,
  checkpointCopy: DbCopyRef,
): Promise<DownSqlResult> {
  if (live.engine !== 'postgres') {
    throw new CpoError(
      'DB_DOWN_SQL_UNSUPPORTED',
      'usage',
      'down SQL is computed for PostgreSQL databases only',
      {
        hint: 'For SQLite, restore the checkpoint instead: `cpo db restore <checkpoint>`.',
      },
    )
  }
  await engine.verifyCopy(live, checkpointCopy)
  if (checkpointCopy.strategy === 'template') {
    const statements = await schemaDiffStatements(
      live.url,
      withDatabase(live.url, checkpointCopy.location),
    )
    return {
      ...downSqlPlan(statements),
      live: live.redactedUrl,
      comparedWith: { strategy: 'template', database: checkpointCopy.location, scratch: false },
    }
  }
  const scratch = copyName(live.name, `scratch_${randomBytes(4).toString('hex')}`)
  const build = engine.stageSchema ?? engine.stage
  await build.call(engine, live, checkpointCopy, scratch)
  try {
    const statements = await schemaDiffStatements(live.url, withDatabase(live.url, scratch))
    return {
      ...downSqlPlan(statements),
      live: live.redactedUrl,
      comparedWith: { strategy: checkpointCopy.strategy, database: scratch, scratch: true },
    }
  } finally {
    await engine.drop(live, scratch)
  }
}
