import type { Repo } from '../adapters/repo.js'
import { listSnapshots } from '../adapters/snapshot/store.js'
import type { Snapshot } from '../adapters/snapshot/types.js'
import { type OperationReport, reportOf, runOperation } from './protocol.js'

export interface CreateSnapshotOptions {
  message?: string
  wait?: number
}

/**
 * `cpo snapshot`: the protocol's before-snapshot is the snapshot the user asked for, so the
 * operation records it in the journal and changes nothing else (there is nothing to undo).
 */
export async function createSnapshot(
  repo: Repo,
  options: CreateSnapshotOptions = {},
): Promise<OperationReport & { snapshot: Snapshot }> {
  const message = options.message ?? 'manual snapshot'
  const outcome = await runOperation(repo, {
    command: 'snapshot',
    args: options.message === undefined ? [] : ['-m', options.message],
    ...(options.wait === undefined ? {} : { wait: options.wait }),
    undoable: false,
    captureAfter: false,
    beforeLabel: { kind: 'manual', message },
    plan: async () => undefined,
    apply: async (ctx) => ({ summary: `snapshot ${ctx.before.id}: ${message}`, result: undefined }),
  })
  return { ...reportOf(outcome), snapshot: reportOf(outcome).before }
}

/** Newest first. */
export async function snapshotList(repo: Repo): Promise<Snapshot[]> {
  return (await listSnapshots(repo)).reverse()
}
