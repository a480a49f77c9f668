import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { loadEngine } from '../../adapters/db/engines.js'
import type { Repo } from '../../adapters/repo.js'
import { checkpointName } from '../../core/checkpoint/names.js'
import { CHECKPOINTS_DIR } from '../../core/checkpoint/sidecars.js'
import { newerMigrationRowsDelete } from '../../core/db/migration-rows.js'
import type { AppliedMigration } from '../../core/db/migrations.js'
import { downSqlPlan } from '../../core/db/postgres-down.js'
import { CpoError } from '../../errors.js'
import { prepareSidecars } from '../checkpoint/sidecars.js'
import { type OperationReport, reportOf, runOperation } from '../protocol.js'
import { databaseKey } from './checkpoint.js'
import { type DownSqlResult, downSql } from './down-sql.js'
import type { DbSqlEffect } from './effect.js'
import { type LocateOptions, requireDatabase } from './locate.js'
import { readAppliedMigrations } from './migration-truth.js'
import { checkSameDatabase } from './restore.js'
import { checkpointsDir, copyRefOf, requireDbCheckpoint } from './store.js'

export interface DbDownSqlOptions extends LocateOptions {
  /** Run the SQL in one transaction, as a journaled, undoable operation. */
  apply?: boolean
  /** With --apply: a server that is not local. */
  remote?: boolean
  dryRun?: boolean
  wait?: number
  reason?: string
}

export interface DbDownSqlReport extends DownSqlResult {
  checkpoint: string
  /** Migration-history rows (Drizzle hashes, Prisma names) the SQL deletes: applied after it. */
  migrationRows: string[]
  applied: boolean
  /** With --apply: the dump of live taken first (undo restores it). */
  beforeCopy?: string
  opId?: string
}

/**
 * The down SQL of a checkpoint (src/ops/db/down-sql.ts) plus the DELETE of the migration-history
 * rows applied after it, so `cpo db status` agrees once it has run.
 */
async function planDownSql(repo: Repo, input: string, options: DbDownSqlOptions) {
  const checkpoint = checkpointName(input)
  const meta = await requireDbCheckpoint(repo, checkpoint)
  const found = await requireDatabase(repo, options)
  const db = found.location
  checkSameDatabase(meta, db, databaseKey(repo, db))
  const engine = await loadEngine(db.engine)
  const probe = await engine.probe(db)
  if (!probe.reachable) {
    const p = probe.problem ?? { code: 'DB_UNREACHABLE', message: 'unreachable', hint: '' }
    throw new CpoError(p.code, 'external', p.message, { hint: p.hint })
  }
  const result = await downSql(engine, db, copyRefOf(repo, meta))
  let migrationRows: string[] = []
  let plan = result
  if (found.migrations) {
    const text = await fsp
      .readFile(path.join(checkpointsDir(repo), meta.migrationsFile), 'utf8')
      .catch(() => undefined)
    const atCheckpoint = text ? (JSON.parse(text).applied as AppliedMigration[]) : []
    const live = await readAppliedMigrations(engine, db, found.migrations)
    const rows = newerMigrationRowsDelete(found.migrations, atCheckpoint, live)
    if (rows) {
      migrationRows = rows.rows
      plan = { ...result, ...downSqlPlan([...result.statements, rows.statement]) }
    }
  }
  return { checkpoint, plan, migrationRows, found, engine }
}

/**
 * `cpo db down-sql <checkpoint> [--apply]`: prints the SQL that takes live's schema back to the
 * checkpoint's, keeping its rows. `--apply` dumps live first (the effect's revert restores that
 * dump beside live and swaps it in), then runs the SQL in one transaction.
 */
export async function dbDownSql(
  repo: Repo,
  input: string,
  options: DbDownSqlOptions = {},
): Promise<DbDownSqlReport & Partial<OperationReport>> {
  if (!options.apply) {
    const { checkpoint, plan, migrationRows } = await planDownSql(repo, input, options)
    return { checkpoint, ...plan, migrationRows, applied: false }
  }
  const outcome = await runOperation(repo, {
    command: 'db down-sql',
    args: [input, '--apply', ...(options.remote ? ['--remote'] : [])],
    captureAfter: false,
    ...(options.reason === undefined ? {} : { reason: options.reason }),
    ...(options.wait === undefined ? {} : { wait: options.wait }),
    ...(options.dryRun ? { dryRun: true } : {}),
    plan: async (r) => {
      const planned = await planDownSql(r, input, options)
      const db = planned.found.location
      if (!db.local && !options.remote && !options.dryRun) {
        throw new CpoError(
          'DB_REMOTE_NEEDS_FLAG',
          'usage',
          `${db.redactedUrl} is not a local server: running down SQL on it needs --remote`,
          {
            hint: `Read the SQL first (\`cpo db down-sql ${planned.checkpoint}\`), then add --remote.`,
          },
        )
      }
      return planned
    },
    apply: async (ctx, { checkpoint, plan, found, engine }) => {
      const db = found.location
      if (plan.statements.length === 0 || !engine.execute) {
        const none: { beforeCopy?: string } = {}
        return { summary: `database ${db.name} already has ${checkpoint}'s schema`, result: none }
      }
      await prepareSidecars(ctx.repo)
      const copy = path.join(CHECKPOINTS_DIR, `db-before-down-sql-${ctx.opId}.dump`)
      const effect: DbSqlEffect = {
        kind: 'db',
        action: 'sql',
        engine: db.engine,
        locator: found.locator,
        live: db.name,
        copy,
      }
      const execute = engine.execute.bind(engine)
      const dump = path.join(ctx.repo.root, copy)
      await ctx.runEffect(effect as never, async () => {
        await engine.copy(db, { strategy: 'dump', location: dump })
        try {
          await execute(db, plan.statements)
        } catch (e) {
          // The server refused a statement and rolled the whole transaction back: live is as
          // it was, so there is nothing to restore. Without the dump the revert does nothing
          // (a restore would hand back a copy: a new database, its sessions ended). Any other
          // failure keeps the dump, and the revert restores it.
          if (!(e instanceof CpoError && e.code === 'DB_SQL_FAILED')) throw e
          await fsp.rm(dump, { force: true })
          throw new CpoError(e.code, e.exitClass, e.message, {
            hint: `Read the SQL (\`cpo db down-sql ${checkpoint}\`), make the live rows fit what the failing statement needs, then run \`cpo db down-sql ${checkpoint} --apply\` again; nothing was changed.`,
            details: e.details,
            cause: e,
          })
        }
      })
      return {
        summary: `ran the down SQL of ${checkpoint} on ${db.name} (${plan.statements.length} statement(s))`,
        result: { beforeCopy: copy },
      }
    },
  })
  if (outcome.dryRun) {
    const { checkpoint, plan, migrationRows } = outcome.plan
    return { checkpoint, ...plan, migrationRows, applied: false }
  }
  const { checkpoint, plan, migrationRows } = outcome.plan
  return {
    ...reportOf(outcome),
    checkpoint,
    ...plan,
    migrationRows,
    applied: true,
    ...(outcome.result.beforeCopy ? { beforeCopy: outcome.result.beforeCopy } : {}),
  }
}
