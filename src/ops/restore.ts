import type { Repo } from '../adapters/repo.js'
import {
  filesInSnapshot,
  type RestoreResult,
  refuseToOverwriteIgnored,
  restoreFiles,
  restoreSnapshot,
} from '../adapters/snapshot/restore.js'
import { getSnapshot } from '../adapters/snapshot/store.js'
import type { Snapshot } from '../adapters/snapshot/types.js'
import { captureDuring, type OperationReport, reportOf, runOperation } from './protocol.js'

export interface RestoreOptions {
  /** Repository-relative paths; empty or absent restores the whole state. */
  paths?: string[]
  reason?: string
  wait?: number
}

export interface RestoreReport extends RestoreResult, OperationReport {
  target: Snapshot
}

/** `cpo snapshot restore <id> [--paths …]` as a journaled, undoable operation. */
export async function restoreSnapshotOperation(
  repo: Repo,
  id: string,
  options: RestoreOptions = {},
): Promise<RestoreReport> {
  const paths = options.paths ?? []
  const outcome = await runOperation(repo, {
    command: 'snapshot restore',
    args: [id, ...(paths.length ? ['--paths', ...paths] : [])],
    ...(options.reason === undefined ? {} : { reason: options.reason }),
    ...(options.wait === undefined ? {} : { wait: options.wait }),
    plan: async (r) => {
      const target = await getSnapshot(r, id)
      const files = paths.length > 0 ? await filesInSnapshot(r, target, paths) : []
      await refuseToOverwriteIgnored(r, files)
      return { target, files }
    },
    apply: async (ctx, { target, files }) => {
      const capture = captureDuring(ctx)
      const result =
        paths.length > 0
          ? await restoreFiles(ctx.repo, target, files, ctx.before, { capture })
          : await restoreSnapshot(ctx.repo, target, ctx.before, {
              reflog: `cpo: snapshot restore ${target.id}`,
              capture,
            })
      const what = paths.length > 0 ? `${result.written.length} file(s)` : 'the whole state'
      return {
        summary: `restored ${what} from snapshot ${target.id}`,
        result,
        changedDuring: result.changedDuring,
      }
    },
  })
  if (outcome.dryRun) throw new Error('unreachable: no dry run here')
  return { ...outcome.result, ...reportOf(outcome), target: outcome.plan.target }
}
