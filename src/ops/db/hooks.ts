import { loadEngine } from '../../adapters/db/engines.js'
import type { Repo } from '../../adapters/repo.js'
import type { OperationContext } from '../protocol.js'
import { takeDbCheckpoint } from './checkpoint.js'
import { locateDatabase } from './locate.js'
import {
  applyDbRestore,
  type DbRestoreJob,
  type DbRestoreOptions,
  planDbRestore,
} from './restore.js'

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

/** `rollback … --with-db`: the database restore, planned with the code rollback. */
export const planRollbackDb = (
  repo: Repo,
  checkpoint: string,
  options: DbRestoreOptions,
): Promise<DbRestoreJob> => planDbRestore(repo, checkpoint, options)

export const applyRollbackDb = applyDbRestore
