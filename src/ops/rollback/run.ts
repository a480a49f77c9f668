import path from 'node:path'
import { writeFileAtomic } from '../../adapters/fs.js'
import type { Repo } from '../../adapters/repo.js'
import { commitPaths, treeOf } from '../../adapters/rollback-git.js'
import { restoreSnapshot } from '../../adapters/snapshot/restore.js'
import type { Snapshot } from '../../adapters/snapshot/types.js'
import { appendableEntry } from '../../core/checkpoint/progress-log.js'
import type { Checkpoint } from '../../core/checkpoint/types.js'
import type { ProjectDocument } from '../../core/project/index.js'
import {
  checkReason,
  type RollbackMode,
  rollbackEntry,
  rollbackSubject,
} from '../../core/rollback/index.js'
import { CpoError } from '../../errors.js'
import { listCheckpoints } from '../checkpoint/list.js'
import { PROGRESS_FILE, PROJECT_FILE, requireProjectDocument } from '../project-file.js'
import { type OperationReport, reportOf, runOperation } from '../protocol.js'
import { type AfterReport, afterRollback } from './after.js'
import { planRollback, type RollbackPayload, type RollbackPlan } from './plan.js'
import type { RollbackTarget } from './target.js'

export interface RollbackOptions {
  reason?: string
  dryRun?: boolean
  mode?: RollbackMode
  /** Needed when the target is inferred from commit messages (no tag). */
  confirmed?: boolean
  install?: boolean
  verify?: boolean
  wait?: number
}

export interface RollbackReport extends OperationReport, RollbackPlan {
  /** The `rollback(<scope>): <reason>` commit. */
  commit: string
  /** The commit whose tree is the target's (revert mode), else null. */
  revertCommit: string | null
  targetVerified: boolean
  stateConsistent: boolean
  /** How to get set-aside work back. */
  recovery: { undo: string; paths: string | null }
  after: AfterReport
}

export type RollbackOutcome =
  | { dryRun: true; plan: RollbackPlan }
  | ({ dryRun: false } & RollbackReport)

type Resolve = (
  repo: Repo,
  project: ProjectDocument,
  checkpoints: Checkpoint[],
) => Promise<RollbackTarget> | RollbackTarget

/**
 * One rollback (stage, phase or project) as one journaled operation: the tree becomes the
 * target's exactly (uncommitted and untracked work is kept in the before-snapshot), the branch
 * moves (reset) or gets a commit with the target's tree (revert), then one commit records the
 * merged state file and the progress log with its ROLLBACK entry.
 */
export async function runRollback(
  repo: Repo,
  command: string,
  args: string[],
  resolve: Resolve,
  options: RollbackOptions,
): Promise<RollbackOutcome> {
  const reason = checkReason(options.reason)
  const outcome = await runOperation(repo, {
    command,
    args: [...args, ...(options.mode ? ['--mode', options.mode] : [])],
    reason,
    ...(options.wait === undefined ? {} : { wait: options.wait }),
    ...(options.dryRun ? { dryRun: true } : {}),
    plan: async (r) => {
      const today = await requireProjectDocument(r)
      const checkpoints = await listCheckpoints(r)
      const target = await resolve(r, today, checkpoints)
      if (target.inferred && !options.confirmed && !options.dryRun) {
        throw new CpoError(
          'CONFIRMATION_REQUIRED',
          'usage',
          `${target.name} has no tag: it was inferred from commit ${target.commit.slice(0, 10)}`,
          { hint: 'Check it with --dry-run, then pass --yes to roll back to it.' },
        )
      }
      return planRollback(r, target, today, checkpoints, { reason, mode: options.mode })
    },
    apply: async (ctx, { plan, payload }) => {
      if (ctx.before.head !== plan.head || ctx.before.branch !== plan.branch) {
        throw new CpoError('HEAD_MOVED', 'conflict', 'HEAD moved while the rollback was planned')
      }
      const result = await moveCode(ctx.repo, ctx.before, plan)
      const entry = rollbackEntry({
        time: new Date().toISOString(),
        kind: plan.kind,
        scope: plan.scope,
        target: `${plan.target.tag ?? plan.target.name}${plan.target.inferred ? ' (inferred)' : ''} at ${plan.target.commit}`,
        reason,
        mode: plan.mode,
        commitBefore: plan.head,
        commitAfter: result.codeAt,
        stagesReset: plan.stagesReset,
        opId: ctx.opId,
      })
      const commit = await recordRollback(ctx.repo, plan, payload, entry)
      return {
        summary: `rolled back ${plan.scope} to ${plan.target.name} (${plan.mode})`,
        result: { commit, revertCommit: result.revertCommit },
      }
    },
  })
  if (outcome.dryRun) return { dryRun: true, plan: outcome.plan.plan }
  const { plan } = outcome.plan
  const report = reportOf(outcome)
  const after = await afterRollback(repo, plan, options)
  const paths = [...new Set([...plan.setAside.uncommitted, ...plan.setAside.loopFiles])]
  return {
    dryRun: false,
    ...report,
    ...plan,
    ...outcome.result,
    targetVerified: true,
    stateConsistent: !plan.warnings.some((w) => w.startsWith('state after')),
    recovery: {
      undo: `cpo undo ${report.opId}`,
      paths:
        paths.length === 0
          ? null
          : `cpo snapshot restore ${report.before.id} --paths ${paths.map(quote).join(' ')}`,
    },
    after,
  }
}

const quote = (p: string): string => (/^[\w./@+-]+$/.test(p) ? p : `'${p.replace(/'/g, `'\\''`)}'`)

/**
 * Makes index and work tree exactly the target's tree through the snapshot restore (only the
 * paths that differ are touched; ignored files never are), moving the branch for a reset or
 * committing that tree on top for a revert. The result is checked against the target's tree.
 */
async function moveCode(
  repo: Repo,
  before: Snapshot,
  plan: RollbackPlan,
): Promise<{ codeAt: string; revertCommit: string | null }> {
  const tree = await treeOf(repo, plan.target.commit)
  const head = plan.mode === 'reset' ? plan.target.commit : plan.head
  const state: Snapshot = { ...before, head, indexTree: tree, worktreeTree: tree }
  await restoreSnapshot(repo, state, before)
  const revertCommit =
    plan.mode === 'revert'
      ? await commitPaths(
          repo,
          [],
          `revert: back to ${plan.target.tag ?? plan.target.name} (rollback ${plan.scope})\n\nReverts ${plan.discardedCommits.length} commit(s), ${plan.head.slice(0, 10)} back to ${plan.target.commit.slice(0, 10)}.\n`,
        )
      : null
  if ((await treeOf(repo, 'HEAD')) !== tree) {
    throw new CpoError(
      'TARGET_NOT_REACHED',
      'internal',
      'the rolled-back tree differs from the target',
    )
  }
  return { codeAt: revertCommit ?? plan.target.commit, revertCommit }
}

/** Writes the merged state and the log (every earlier entry plus ROLLBACK) and commits both. */
async function recordRollback(
  repo: Repo,
  plan: RollbackPlan,
  payload: RollbackPayload,
  entry: string,
): Promise<string> {
  await writeFileAtomic(path.join(repo.root, PROJECT_FILE), payload.stateText)
  const log = `${payload.logText ?? ''}${appendableEntry(payload.logText, entry)}`
  await writeFileAtomic(path.join(repo.root, PROGRESS_FILE), log)
  return commitPaths(repo, [PROJECT_FILE, PROGRESS_FILE], rollbackSubject(plan.scope, plan.reason))
}
