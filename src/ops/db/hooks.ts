import { loadEngine } from '../../adapters/db/engines.js'
import type { Repo } from '../../adapters/repo.js'
import type { OperationContext } from '../protocol.js'
import type { RollbackPlan } from '../rollback/plan.js'
import { takeDbCheckpoint } from './checkpoint.js'
import { locateDatabase } from './locate.js'
import {
  applyDbRestore,
  type DbRestoreJob,
  type DbRestoreOptions,
  planDbRestore,
} from './restore.js'
import { readDbCheckpoint } from './store.js'

/** What the automatic database checkpoint of a stage start, phase complete or rollback did. */
export interface DbHookReport {
  checkpoint?: string
  strategy?: string
  bytes?: number
  /** Set when a database is configured but could not be copied: the command went on. */
  warning?: string
}

/**
 * The database checkpoint taken at a stage boundary (README.md, "Databases"): when a database
 * is configured and reachable its copy joins the checkpoint's sidecars; `--no-db` skips it, no
 * database configured is silence, and an unreachable one is a warning, never a failed command.
 */
export async function checkpointDatabaseIfConfigured(
  ctx: OperationContext,
  checkpoint: string,
  options: { db?: boolean } = {},
): Promise<DbHookReport | undefined> {
  if (options.db === false || process.env.CPO_NO_DB === '1') return undefined
  const found = await locateDatabase(ctx.repo).catch(() => undefined)
  if (!found?.location) return undefined
  try {
    const engine = await loadEngine(found.location.engine)
    const probe = await engine.probe(found.location)
    if (!probe.reachable) {
      return {
        warning: `database not checkpointed: ${probe.problem?.message ?? 'unreachable'} (${probe.problem?.hint ?? ''})`,
      }
    }
    const meta = await takeDbCheckpoint(
      ctx.repo,
      { ...found, location: found.location },
      checkpoint,
      ctx.opId,
    )
    return {
      checkpoint,
      strategy: meta.strategy,
      ...(meta.bytes === undefined ? {} : { bytes: meta.bytes }),
    }
  } catch (e) {
    return { warning: `database not checkpointed: ${e instanceof Error ? e.message : String(e)}` }
  }
}

export interface RollbackDbOptions extends DbRestoreOptions {
  /** Restore the database to the target checkpoint's copy in the same operation. */
  withDb?: boolean
  /** False (`--no-db`): neither restore nor checkpoint the database. */
  db?: boolean
}

export interface RollbackDbReport {
  /** The database restore (`--with-db`): where the live database was kept. */
  restored?: { checkpoint: string; keptAs: string }
  /** The copy of the live database taken before a code-only rollback. */
  before?: DbHookReport
}

/**
 * Adds the database half to a rollback plan: with `--with-db` the restore is planned (and
 * refused, with nothing changed, when it cannot be done); without it, a rollback whose
 * migrations differ warns with the exact command that puts the database back too.
 */
export async function withDbPlan<P extends { plan: RollbackPlan }>(
  repo: Repo,
  target: string,
  planned: P,
  options: RollbackDbOptions = {},
): Promise<P & { db?: DbRestoreJob }> {
  if (options.withDb && options.db !== false) {
    const job = await planDbRestore(repo, target, options)
    return { ...planned, plan: { ...planned.plan, db: job.plan }, db: job }
  }
  const { migrations, warnings } = planned.plan
  if (!migrations.differ) return planned
  const has = (await readDbCheckpoint(repo, target).catch(() => undefined)) !== undefined
  const how = has
    ? `put it back with \`cpo db restore ${target}\` (or roll back with --with-db)`
    : `there is no database checkpoint ${target} to restore (\`cpo db list\`)`
  const warning = `database migrations differ between now and the target (${migrations.files.length} file(s)): the database is not rolled back; ${how}`
  const rest = warnings.filter((w) => !w.startsWith('database migrations differ'))
  return { ...planned, plan: { ...planned.plan, warnings: [...rest, warning] } }
}

/** The database step of a rollback, before the code moves: restore, or a copy of the live one. */
export async function rollBackDb(
  ctx: OperationContext,
  job: DbRestoreJob | undefined,
  options: RollbackDbOptions = {},
): Promise<RollbackDbReport> {
  if (job) {
    const { keptAs } = await applyDbRestore(ctx, job)
    return { restored: { checkpoint: job.plan.checkpoint, keptAs } }
  }
  const before = await checkpointDatabaseIfConfigured(ctx, `before-rollback-${ctx.opId}`, options)
  return before ? { before } : {}
}
