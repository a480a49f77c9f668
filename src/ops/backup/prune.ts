import type { BackupStore } from '../../adapters/storage/types.js'
import { summarize } from '../../core/backup/summary.js'
import { describePolicy, planRetention, type RetentionPolicy } from '../../core/retention/index.js'

export interface PruneOptions {
  dryRun?: boolean
  wait?: number
  /** Remove only these (the ones a person confirmed), even if the plan now names more. */
  onlyIds?: Set<string>
}

export interface PruneDecision {
  id: string
  time: string
  reasons: string[]
}

export interface PruneReport {
  store: string
  policy: string
  dryRun: boolean
  keep: PruneDecision[]
  remove: PruneDecision[]
  /** Ids really deleted (empty on a dry run). */
  removed: string[]
}

/**
 * `cpo backup prune`: restic `forget` semantics through planRetention (ORed rules, calendar
 * buckets, pinned and the newest verified backup always kept). Runs under the store lock, so a
 * backup being written (incomplete until it commits) is never pruned from under its writer.
 */
export async function pruneBackups(
  store: BackupStore,
  policy: RetentionPolicy,
  options: PruneOptions = {},
): Promise<PruneReport> {
  const lock = await store.lock('backup prune', options.wait)
  try {
    const backups = (await store.list()).map(summarize)
    const plan = planRetention(
      backups.map((b) => ({
        id: b.id,
        time: b.time,
        pinned: b.pinned,
        verified: b.verifiedAt !== null,
        complete: b.status === 'complete',
      })),
      policy,
    )
    const status = new Map(backups.map((b) => [b.id, b]))
    const decision = (e: { id: string; time: Date; reasons: string[] }): PruneDecision => {
      const b = status.get(e.id)
      const reasons =
        b?.status === 'damaged' && e.reasons[0] === 'incomplete'
          ? [`damaged: ${b.problem}`]
          : e.reasons
      return { id: e.id, time: e.time.toISOString(), reasons }
    }
    const removed: string[] = []
    if (!options.dryRun) {
      for (const e of plan.remove) {
        if (options.onlyIds && !options.onlyIds.has(e.id)) continue
        await store.remove(e.id)
        removed.push(e.id)
      }
    }
    return {
      store: store.location,
      policy: describePolicy(policy),
      dryRun: options.dryRun === true,
      keep: plan.keep.map(decision),
      remove: plan.remove.map(decision),
      removed,
    }
  } finally {
    await lock.release()
  }
}
