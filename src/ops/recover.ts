import { readJournal } from '../adapters/journal.js'
import type { Repo } from '../adapters/repo.js'
import { type RestoreResult, restoreSnapshot } from '../adapters/snapshot/restore.js'
import { getSnapshot } from '../adapters/snapshot/store.js'
import type { Snapshot } from '../adapters/snapshot/types.js'
import { removeLeftoverWorktrees } from '../adapters/temp-worktree.js'
import { foldJournal, type Operation, pendingOperations } from '../core/journal.js'
import { refUpdates } from '../core/refs.js'
import { CpoError } from '../errors.js'
import { effectsToRevert, revertEffects } from './effects.js'
import { previewRestore, type RestorePreview } from './preview.js'
import { captureDuring, type OperationReport, reportOf, runOperation } from './protocol.js'

export type RecoverReport = (
  | { recovered: false }
  | (RestoreResult &
      OperationReport & {
        recovered: true
        interrupted: Operation[]
        /** The state recovered to: the one before the first interrupted operation. */
        target: Snapshot
      })
) & {
  /** Temporary work trees a killed diagnose or bisect left behind, now removed. */
  worktreesRemoved: string[]
}

/** `cpo recover --dry-run`: what a recover would change; nothing is written. */
export type RecoverPreview =
  | { dryRun: true; recovered: false }
  | {
      dryRun: true
      recovered: true
      interrupted: Operation[]
      target: Snapshot
      plan: RestorePreview
    }

/**
 * `cpo recover`: returns the repository to the state before the oldest interrupted operation.
 * A recover that is itself interrupted stays pending too, so running it again still goes back
 * to that same first consistent state.
 */
export function recover(
  repo: Repo,
  options: { wait?: number; dryRun: true },
): Promise<RecoverPreview>
export function recover(repo: Repo, options?: { wait?: number }): Promise<RecoverReport>
export async function recover(
  repo: Repo,
  options: { wait?: number; dryRun?: boolean } = {},
): Promise<RecoverReport | RecoverPreview> {
  // Leftover diagnose/bisect work trees are scratch, not state: a real recover removes them.
  const worktreesRemoved = options.dryRun ? [] : await removeLeftoverWorktrees(repo)
  const pending = pendingOperations(foldJournal((await readJournal(repo.cpoDir)).events))
  const first = pending[0]
  if (!first)
    return options.dryRun
      ? { dryRun: true, recovered: false }
      : { recovered: false, worktreesRemoved }
  const ids = pending.map((o) => o.id)
  const outcome = await runOperation(repo, {
    command: 'recover',
    args: [],
    reason: `recover from interrupted ${ids.join(', ')}`,
    ...(options.wait === undefined ? {} : { wait: options.wait }),
    allowPending: true,
    recovers: ids,
    ...(options.dryRun ? { dryRun: true } : {}),
    plan: async (r, operations, scan) => {
      const now = pendingOperations(operations).map((o) => o.id)
      if (now.join() !== ids.join()) {
        throw new CpoError('JOURNAL_CHANGED', 'conflict', 'the journal changed meanwhile', {
          hint: 'Run `cpo recover` again.',
        })
      }
      const target = await getSnapshot(r, first.before)
      const interrupted = pendingOperations(operations)
      // Every branch and tag goes back (see apply), and the interrupted steps outside git.
      const preview = options.dryRun
        ? await previewRestore(r, await scan(), target, { effects: effectsToRevert(interrupted) })
        : undefined
      return { target, interrupted, preview }
    },
    apply: async (ctx, { target, interrupted }) => {
      // Steps outside git that the interrupted operations ran (or began) go back first.
      await revertEffects(ctx.repo, effectsToRevert(interrupted), ctx.runEffect)
      const result = await restoreSnapshot(ctx.repo, target, ctx.before, {
        // Every branch and tag goes back to where it was; those created since are removed.
        refs: refUpdates(target.refs, ctx.before.refs),
        reflog: 'cpo: recover',
        capture: captureDuring(ctx),
      })
      return {
        summary: `recovered from interrupted ${ids.join(', ')}`,
        // What the interrupted restore had moved aside and found changed is reported with it.
        result: { ...result, changedDuring: [...ctx.salvaged, ...result.changedDuring] },
        changedDuring: result.changedDuring,
      }
    },
  })
  if (outcome.dryRun) {
    const { interrupted, target, preview } = outcome.plan
    return { dryRun: true, recovered: true, interrupted, target, plan: preview as RestorePreview }
  }
  return {
    ...outcome.result,
    ...reportOf(outcome),
    recovered: true,
    interrupted: outcome.plan.interrupted,
    target: outcome.plan.target,
    worktreesRemoved,
  }
}
