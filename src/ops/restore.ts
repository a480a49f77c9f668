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
import { previewRestore, type RestorePreview } from './preview.js'
import { captureDuring, type OperationReport, reportOf, runOperation } from './protocol.js'

export interface RestoreOptions {
  /** Repository-relative paths; empty or absent restores the whole state. */
  paths?: string[]
  reason?: string
  wait?: number
  dryRun?: boolean
}

export interface RestoreReport extends RestoreResult, OperationReport {
  target: Snapshot
}

export interface SnapshotRestorePreview {
  dryRun: true
  target: Snapshot
  plan: RestorePreview
}

interface Planned {
  target: Snapshot
  files: string[]
  preview?: RestorePreview
}

/** `cpo snapshot restore <id> [--paths …]` as a journaled, undoable operation. */
export function restoreSnapshotOperation(
  repo: Repo,
  id: string,
  options: RestoreOptions & { dryRun: true },
): Promise<SnapshotRestorePreview>
export function restoreSnapshotOperation(
  repo: Repo,
  id: string,
  options?: RestoreOptions,
): Promise<RestoreReport>
export async function restoreSnapshotOperation(
  repo: Repo,
  id: string,
  options: RestoreOptions = {},
): Promise<RestoreReport | SnapshotRestorePreview> {
  const paths = options.paths ?? []
  const outcome = await runOperation(repo, {
    command: 'snapshot restore',
    args: [id, ...(paths.length ? ['--paths', ...paths] : [])],
    ...(options.reason === undefined ? {} : { reason: options.reason }),
    ...(options.wait === undefined ? {} : { wait: options.wait }),
    ...(options.dryRun ? { dryRun: true } : {}),
    plan: async (r, _operations, scan): Promise<Planned> => {
      // Its refs usually equal the scan's (see KnownRefs): then no refs blob is read.
      const target = await getSnapshot(r, id, async () => (await scan()).refs)
      const files = paths.length > 0 ? await filesInSnapshot(r, target, paths) : []
      await refuseToOverwriteIgnored(r, files)
      if (!options.dryRun) return { target, files }
      // A snapshot restore moves HEAD and its branch, never other refs; one of chosen paths
      // only writes the snapshot's files there and removes nothing.
      const preview = await previewRestore(r, await scan(), target, { refs: () => false, paths })
      if (paths.length === 0) return { target, files, preview }
      const chosen = new Set(files)
      const write = preview.write.filter((p) => chosen.has(p))
      return { target, files, preview: { ...preview, write, remove: [] } }
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
  if (outcome.dryRun) {
    const { target, preview } = outcome.plan
    return { dryRun: true, target, plan: preview as RestorePreview }
  }
  return { ...outcome.result, ...reportOf(outcome), target: outcome.plan.target }
}
