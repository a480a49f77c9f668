import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { loadEngine } from '../../adapters/db/engines.js'
import type { Repo } from '../../adapters/repo.js'
import { dbSidecars } from '../../core/db/names.js'
import { planRetention, type RetentionPolicy } from '../../core/retention/index.js'
import type { RetentionEntry } from '../../core/retention/types.js'
import { runOperation } from '../protocol.js'
import { requireDatabase } from './locate.js'
import { checkpointsDir, type DbCheckpointMeta, listDbCheckpoints } from './store.js'

export interface DbPruneReport {
  dryRun: boolean
  keep: RetentionEntry[]
  remove: RetentionEntry[]
}

/**
 * `cpo db prune`: removes database checkpoint copies by the backup keep rules
 * (src/core/retention). A template database is dropped through its engine, files are deleted;
 * nothing else in `.checkpoints/` is touched.
 */
export async function dbPrune(
  repo: Repo,
  policy: RetentionPolicy,
  options: { dryRun?: boolean; wait?: number } = {},
): Promise<DbPruneReport> {
  const outcome = await runOperation(repo, {
    command: 'db prune',
    args: [],
    undoable: false,
    captureAfter: false,
    ...(options.wait === undefined ? {} : { wait: options.wait }),
    ...(options.dryRun ? { dryRun: true } : {}),
    plan: async (r) => {
      const metas = await listDbCheckpoints(r)
      const plan = planRetention(
        metas.map((m) => ({ id: m.checkpoint, time: m.time })),
        policy,
      )
      return { plan, metas: new Map(metas.map((m) => [m.checkpoint, m])) }
    },
    apply: async (ctx, { plan, metas }) => {
      for (const entry of plan.remove)
        await removeCheckpoint(ctx.repo, metas.get(entry.id) as DbCheckpointMeta)
      return { summary: `removed ${plan.remove.length} database checkpoint(s)`, result: null }
    },
  })
  const { plan } = outcome.plan
  return { dryRun: outcome.dryRun, keep: plan.keep, remove: plan.remove }
}

async function removeCheckpoint(repo: Repo, meta: DbCheckpointMeta): Promise<void> {
  const dir = checkpointsDir(repo)
  if (meta.strategy === 'template') {
    const found = await requireDatabase(repo)
    const engine = await loadEngine(found.location.engine)
    if (await engine.exists(found.location, meta.location))
      await engine.drop(found.location, meta.location)
  } else {
    await fsp.rm(path.resolve(repo.root, meta.location), { force: true })
  }
  // The metadata goes last: until then the checkpoint is still listed (and prunable again).
  for (const f of [meta.schemaFile, meta.migrationsFile, dbSidecars.meta(meta.checkpoint)]) {
    await fsp.rm(path.join(dir, f), { force: true })
  }
}
