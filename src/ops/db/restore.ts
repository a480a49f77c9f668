import path from 'node:path'
import { loadEngine } from '../../adapters/db/engines.js'
import type { DbCopyRef, DbEngine, DbLocation } from '../../adapters/db/types.js'
import { failpoint } from '../../adapters/failpoint.js'
import type { Repo } from '../../adapters/repo.js'
import { ignoredPaths } from '../../adapters/rollback-git.js'
import { CpoError } from '../../errors.js'
import type { OperationContext } from '../protocol.js'
import { databaseKey } from './checkpoint.js'
import { type DbEffect, reopenEffect } from './effect.js'
import { type DbLocator, type LocateOptions, requireDatabase } from './locate.js'
import { sideName } from './side-names.js'
import { copyRefOf, type DbCheckpointMeta, requireDbCheckpoint } from './store.js'

export interface DbRestoreOptions extends LocateOptions {
  /** A server that is not local: restoring it throws its data away. */
  remote?: boolean
  terminateConnections?: boolean
}

/** What a database restore will do (part of the plan --dry-run prints). */
export interface DbRestorePlan {
  checkpoint: string
  engine: DbLocation['engine']
  database: string
  redactedUrl: string
  local: boolean
  strategy: DbCopyRef['strategy']
  /** The migrations the database will have afterwards. */
  migrations: string[]
  /** Rows per table the restore replaces (shown for a server that is not local). */
  rowsReplaced?: Record<string, number>
  /** Where the live database is kept (undo swaps it back). */
  keptAs: string
}

/** The plan plus what apply needs; the URL stays out of every report. */
export interface DbRestoreJob {
  plan: DbRestorePlan
  db: DbLocation
  locator: DbLocator
  copy: DbCopyRef
  terminateConnections: boolean
}

/**
 * Validates a database restore before anything changes: the checkpoint exists, belongs to this
 * database, its copy reads (pg_restore --list / quick_check), the live SQLite file is not part
 * of the work tree, and a server that is not local was allowed with --remote.
 */
export async function planDbRestore(
  repo: Repo,
  checkpoint: string,
  options: DbRestoreOptions,
): Promise<DbRestoreJob> {
  const meta = await requireDbCheckpoint(repo, checkpoint)
  const found = await requireDatabase(repo, options)
  const db = found.location
  const engine = await loadEngine(db.engine)
  checkSameDatabase(meta, db, databaseKey(repo, db))
  const probe = await engine.probe(db)
  if (!probe.reachable && probe.problem && probe.problem.code !== 'DB_NOT_FOUND') {
    throw new CpoError(probe.problem.code, 'external', probe.problem.message, {
      hint: probe.problem.hint,
    })
  }
  if (db.engine === 'sqlite') await checkNotInWorkTree(repo, db)
  const copy = copyRefOf(repo, meta)
  await engine.verifyCopy(db, copy)
  let rowsReplaced: Record<string, number> | undefined
  if (!db.local) {
    rowsReplaced = probe.reachable ? await engine.rowCounts(db) : {}
    if (!options.remote) {
      const total = Object.values(rowsReplaced).reduce((a, b) => a + b, 0)
      throw new CpoError(
        'DB_REMOTE_NEEDS_FLAG',
        'usage',
        `${db.redactedUrl} is not a local server: restoring ${checkpoint} replaces its ${total} row(s) in ${Object.keys(rowsReplaced).length} table(s)`,
        {
          hint: `Check the rows with --dry-run --remote, then add --remote to restore it (the live database is kept as ${sideName(repo, db, 'before_<op>')}).`,
          details: { rowsReplaced },
        },
      )
    }
  }
  return {
    plan: {
      checkpoint,
      engine: db.engine,
      database: db.engine === 'sqlite' ? path.relative(repo.root, db.name) || db.name : db.name,
      redactedUrl: db.redactedUrl,
      local: db.local,
      strategy: meta.strategy,
      migrations: meta.migrations,
      ...(rowsReplaced ? { rowsReplaced } : {}),
      keptAs: sideName(repo, db, 'before_<op>'),
    },
    db,
    locator: found.locator,
    copy,
    terminateConnections: options.terminateConnections === true,
  }
}

/**
 * Builds the checkpoint's database beside the live one, then swaps names, as one journaled
 * effect: a failure or a crash at any point is reverted from the effect alone (src/ops/db/effect.ts),
 * and the live database is kept, so undo is a swap back.
 */
export async function applyDbRestore(
  ctx: OperationContext,
  job: DbRestoreJob,
): Promise<{ keptAs: string }> {
  const engine: DbEngine = await loadEngine(job.db.engine)
  const keptAs = sideName(ctx.repo, job.db, `before_${ctx.opId}`)
  const staged = sideName(ctx.repo, job.db, `new_${ctx.opId}`)
  const effect: DbEffect = {
    kind: 'db',
    action: 'swap',
    engine: job.db.engine,
    locator: job.locator,
    live: job.db.name,
    keptAs,
    staged,
  }
  if (job.terminateConnections) {
    // Recorded before live is closed to others: reverted after the swap is, so it reopens last.
    await ctx.runEffect(
      (await reopenEffect(job.db, job.locator, [job.db.name, keptAs])) as never,
      () => Promise.resolve(),
    )
  }
  await ctx.runEffect(effect as never, async () => {
    await engine.stage(job.db, job.copy, staged)
    failpoint('db-staged')
    await engine.swap(job.db, staged, keptAs, { terminateConnections: job.terminateConnections })
    failpoint('db-swapped')
  })
  return { keptAs }
}

export function checkSameDatabase(meta: DbCheckpointMeta, db: DbLocation, key: string): void {
  if (meta.engine === db.engine && meta.database === key) return
  throw new CpoError(
    'DB_CHECKPOINT_OTHER_DATABASE',
    'conflict',
    `checkpoint ${meta.checkpoint} holds ${meta.engine} database ${meta.database}, not ${db.engine} ${db.name}`,
    {
      hint: 'Point cpo at that database (--db-url or DATABASE_URL), or pick a checkpoint of this one (`cpo db list`).',
    },
  )
}

/**
 * A SQLite file the work tree holds (tracked, or untracked and not ignored) is also restored by
 * every code rollback; restoring it as a database too would make the two fight.
 */
async function checkNotInWorkTree(repo: Repo, db: DbLocation): Promise<void> {
  const rel = path.relative(repo.root, db.name)
  if (rel.startsWith('..') || path.isAbsolute(rel)) return
  const ignored = await ignoredPaths(repo, [rel])
  if (ignored.length > 0) return
  throw new CpoError(
    'DB_FILE_NOT_IGNORED',
    'conflict',
    `the SQLite database ${rel} is part of the work tree (not ignored): git, not cpo, would decide its bytes`,
    {
      hint: `Add it to .gitignore (\`echo '${rel}*' >> .gitignore\`, and \`git rm --cached ${rel}\` if it is tracked), then run the command again.`,
    },
  )
}
