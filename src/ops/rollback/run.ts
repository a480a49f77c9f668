import path from 'node:path'
import {
  advanceHead,
  stageFiles,
  treeWithWorkTreeFiles,
  writeCommit,
} from '../../adapters/direct-commit.js'
import { writeFileAtomic } from '../../adapters/fs.js'
import type { Repo } from '../../adapters/repo.js'
import { commitPaths, ignoredPaths, treeOf } from '../../adapters/rollback-git.js'
import type { KnownState } from '../../adapters/snapshot/capture.js'
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
import { type OperationContext, type OperationReport, reportOf, runOperation } from '../protocol.js'
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
    plan: async (r, _operations, scan) => {
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
      return planRollback(r, target, today, checkpoints, { reason, mode: options.mode, scan })
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
      const recorded = await recordRollback(ctx, plan, payload, entry, result)
      return {
        summary: `rolled back ${plan.scope} to ${plan.target.name} (${plan.mode})`,
        result: { commit: recorded.commit, revertCommit: result.revertCommit },
        ...(recorded.state ? { after: recorded.state } : {}),
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
 * committing that tree on top for a revert, which is checked against the target's tree.
 */
async function moveCode(repo: Repo, before: Snapshot, plan: RollbackPlan): Promise<MovedCode> {
  const tree = await treeOf(repo, plan.target.commit)
  const head = plan.mode === 'reset' ? plan.target.commit : plan.head
  const state: Snapshot = { ...before, head, indexTree: tree, worktreeTree: tree }
  await restoreSnapshot(repo, state, before)
  if (plan.mode === 'reset') return { codeAt: plan.target.commit, tree, revertCommit: null }
  const revertCommit = await commitPaths(
    repo,
    [],
    `revert: back to ${plan.target.tag ?? plan.target.name} (rollback ${plan.scope})\n\nReverts ${plan.discardedCommits.length} commit(s), ${plan.head.slice(0, 10)} back to ${plan.target.commit.slice(0, 10)}.\n`,
  )
  if ((await treeOf(repo, revertCommit)) !== tree) {
    throw new CpoError(
      'TARGET_NOT_REACHED',
      'internal',
      'the rolled-back tree differs from the target',
    )
  }
  return { codeAt: revertCommit, tree, revertCommit }
}

interface MovedCode {
  /** The commit whose tree is the target's: the target itself (reset) or the revert commit. */
  codeAt: string
  tree: string
  revertCommit: string | null
}

/**
 * Writes the merged state and the log (every earlier entry plus ROLLBACK) and commits both on
 * top of the rolled-back code. The tree is the target's with those two files, so the commit is
 * written directly and the state after it is known exactly — unless an untracked file too large
 * to snapshot stayed in the tree, or an ignore rule matches one of the two files: then git stages
 * and commits them (leaving an ignored one out) and the after-snapshot scans.
 */
async function recordRollback(
  ctx: OperationContext,
  plan: RollbackPlan,
  payload: RollbackPayload,
  entry: string,
  code: MovedCode,
): Promise<{ commit: string; state: KnownState | undefined }> {
  const { repo } = ctx
  const files = [PROJECT_FILE, PROGRESS_FILE]
  await writeFileAtomic(path.join(repo.root, PROJECT_FILE), payload.stateText)
  const log = `${payload.logText ?? ''}${appendableEntry(payload.logText, entry)}`
  await writeFileAtomic(path.join(repo.root, PROGRESS_FILE), log)
  const subject = rollbackSubject(plan.scope, plan.reason)
  if (ctx.before.skipped.length > 0 || (await ignoredPaths(repo, files)).length > 0) {
    return { commit: await commitPaths(repo, files, subject), state: undefined }
  }
  const tree = await treeWithWorkTreeFiles(repo, code.tree, files)
  const commit = await writeCommit(repo, {
    tree,
    parents: [code.codeAt],
    message: subject,
    sign: ctx.settings.signCommits,
  })
  await advanceHead(repo, { from: code.codeAt, to: commit, subject })
  await stageFiles(repo, files)
  return {
    commit,
    state: { head: commit, branch: plan.branch, indexTree: tree, worktreeTree: tree, dirty: [] },
  }
}
