import { treeWithContents, writeCommit } from '../../adapters/direct-commit.js'
import { writeFileAtomic } from '../../adapters/fs.js'
import { inRepo, type Repo, statePaths } from '../../adapters/repo.js'
import { commitPaths, ignoredPaths } from '../../adapters/rollback-git.js'
import type { KnownState } from '../../adapters/snapshot/capture.js'
import { type RestoreResult, restoreSnapshot } from '../../adapters/snapshot/restore.js'
import { appendableEntry } from '../../core/checkpoint/progress-log.js'
import type { Checkpoint } from '../../core/checkpoint/types.js'
import type { ProjectDocument } from '../../core/project/index.js'
import { type ChecklistItem, checklistEntryLines } from '../../core/rollback/checklist.js'
import { type RollbackMode, rollbackEntry, rollbackSubject } from '../../core/rollback/index.js'
import { reasonUnlessDryRun } from '../../core/rollback/inputs.js'
import { recoveryCommands } from '../../core/rollback/recovery.js'
import { CpoError } from '../../errors.js'
import { checkpointsForTarget } from '../checkpoint/list.js'
import { type RollbackDbOptions, rollBackDb, withDbPlan } from '../db/hooks.js'
import type { WalkAhead } from '../diagnose/branch-walk.js'
import { requireProjectDocument } from '../project-file.js'
import {
  captureDuring,
  type OperationContext,
  type OperationReport,
  reportOf,
  runOperation,
} from '../protocol.js'
import type { AfterReport } from './after.js'
import { type RecordedRollback, runAfterList } from './after-entry.js'
import {
  beforeItems,
  type ChecklistOptions,
  runBeforeSteps,
  type StartedStateFacts,
  startStateFacts,
  stateWalkAhead,
} from './checklist.js'
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
  /** A full backup first (--backup), a webhook told (--notify): ops/rollback/checklist.ts. */
  checklist?: ChecklistOptions
  /** Database options (src/ops/db/hooks.ts): `withDb` restores it with the code. */
  db?: RollbackDbOptions
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
  /** Paths that changed while the rollback ran, kept in the snapshots named. */
  changedDuring: RestoreResult['changedDuring']
  /** The database restored with the code (`--with-db`) or checkpointed before it. */
  database: import('../db/hooks.js').RollbackDbReport
  after: AfterReport
  /** Every item of the before and after checklists, with its evidence. */
  checklist: ChecklistItem[]
  /** Why the checklist is not in the ROLLBACK entry of the progress log; null: it is. */
  checklistNotLogged: string | null
}

export type RollbackOutcome =
  | { dryRun: true; plan: RollbackPlan }
  | ({ dryRun: false; plan: RollbackPlan } & RollbackReport)

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
  const reason = reasonUnlessDryRun(options.reason, options.dryRun)
  const steps = options.dryRun
    ? []
    : await runBeforeSteps(repo, command, reason, options.checklist ?? {})
  const outcome = await runOperation(repo, {
    command,
    args: [...args, ...(options.mode ? ['--mode', options.mode] : [])],
    reason,
    ...(options.wait === undefined ? {} : { wait: options.wait }),
    ...(options.dryRun ? { dryRun: true } : {}),
    plan: async (r, _operations, scan) => {
      const reading = requireProjectDocument(r)
      // History is read only after the target when that is exact (checkpointsForTarget).
      const [today, { target, checkpoints }] = await Promise.all([
        reading,
        checkpointsForTarget(
          r,
          { project: reading.then((d) => d.data).catch(() => undefined) },
          (list) => reading.then((doc) => resolve(r, doc, list)),
        ),
      ])
      if (target.inferred && !options.confirmed && !options.dryRun) {
        throw new CpoError(
          'CONFIRMATION_REQUIRED',
          'usage',
          `${target.name} has no tag: it was inferred from commit ${target.commit.slice(0, 10)}`,
          { hint: 'Check it with --dry-run, then pass --yes to roll back to it.' },
        )
      }
      const planned = await planRollback(r, target, today, checkpoints, {
        reason,
        mode: options.mode,
        scan: scan(),
      })
      // The rollback's commits go on the target (reset) or on HEAD (revert).
      const { plan } = planned
      const base = plan.mode === 'revert' ? plan.head : plan.target.commit
      const ahead = options.dryRun
        ? undefined
        : stateWalkAhead(r, planned.payload.project, checkpoints, base)
      return withDbPlan(r, target.name, { ...planned, ahead }, options.db)
    },
    apply: async (ctx, { plan, payload, db, ahead }) => {
      const t = plan.target
      const before = beforeItems(
        {
          reason: plan.reason,
          target: `${t.tag ?? t.name} at ${t.commit.slice(0, 10)} is in ${plan.branch.replace('refs/heads/', '')}'s history`,
          uncommitted: plan.setAside.uncommitted,
        },
        ctx.before.id,
        steps,
      )
      const dbDone = await rollBackDb(ctx, db, options.db)
      const done = await rollBack(ctx, plan, payload, reason, checklistEntryLines(before), ahead)
      const list = await runAfterList(ctx, done.recorded, before, {
        dependencies: plan.dependencies,
        install: options.install,
        verify: options.verify,
        state: done.state,
      })
      return {
        summary: `rolled back ${plan.scope} to ${plan.target.name} (${plan.mode})`,
        result: {
          commit: list.commit,
          revertCommit: done.revertCommit,
          kept: done.restored.kept,
          changedDuring: done.restored.changedDuring,
          database: dbDone,
          after: list.after,
          checklist: list.checklist,
          checklistNotLogged: list.notLogged,
        },
        changedDuring: done.restored.changedDuring,
        ...(list.state ? { after: list.state } : {}),
      }
    },
  })
  if (outcome.dryRun) return { dryRun: true, plan: outcome.plan.plan }
  const { plan } = outcome.plan
  const report = reportOf(outcome)
  const paths = [...new Set([...plan.setAside.uncommitted, ...plan.setAside.loopFiles])]
  return {
    dryRun: false,
    plan,
    ...report,
    ...plan,
    ...outcome.result,
    targetVerified: true,
    stateConsistent: !plan.warnings.some((w) => w.startsWith('state after')),
    recovery: recoveryCommands(report.opId, report.before.id, paths),
  }
}

/**
 * Moves the code to the target and records the rollback in one commit on top. Every commit is
 * written first, from trees: the revert commit (the target's tree on top of HEAD) and the
 * `rollback(...)` commit (that tree plus the merged state file and the log). Then one snapshot
 * restore makes HEAD, index and work tree that last commit — only paths that differ are
 * touched, ignored files never are — so the state afterwards is known exactly.
 *
 * Unless an untracked file too large to snapshot stays in the tree, or an ignore rule matches
 * the state file or the log: then the restore stops at the code, and git stages and commits the
 * two files (leaving an ignored one out), and the after-snapshot scans.
 */
async function rollBack(
  ctx: OperationContext,
  plan: RollbackPlan,
  payload: RollbackPayload,
  reason: string,
  checklist: string[],
  ahead: WalkAhead | undefined,
): Promise<{
  commit: string
  revertCommit: string | null
  state: KnownState | undefined
  restored: RestoreResult
  recorded: RecordedRollback
}> {
  const { repo, before } = ctx
  const sign = ctx.settings.signCommits
  const state = statePaths(repo)
  const files = [state.project, state.progress]
  const targetTree = payload.targetTree
  const ignored = await ignoredPaths(repo, files)
  const revertCommit =
    plan.mode === 'revert'
      ? await writeCommit(repo, {
          tree: targetTree,
          parents: [plan.head],
          message: `revert: back to ${plan.target.tag ?? plan.target.name} (rollback ${plan.scope})\n\nReverts ${plan.discardedCommits.length} commit(s), ${plan.head.slice(0, 10)} back to ${plan.target.commit.slice(0, 10)}.\n`,
          sign,
        })
      : null
  const codeAt = revertCommit ?? plan.target.commit
  const time = new Date().toISOString()
  const logWith = (lines: string[]) =>
    `${payload.logText ?? ''}${appendableEntry(
      payload.logText,
      rollbackEntry({
        time,
        kind: plan.kind,
        scope: plan.scope,
        target: `${plan.target.tag ?? plan.target.name}${plan.target.inferred ? ' (inferred)' : ''} at ${plan.target.commit}`,
        reason,
        mode: plan.mode,
        commitBefore: plan.head,
        commitAfter: codeAt,
        stagesReset: plan.stagesReset,
        opId: ctx.opId,
        checklist: lines,
      }),
    )}`
  const contents: Record<string, string> = {
    [state.project]: payload.stateText,
    [state.progress]: logWith(checklist),
  }
  const subject = rollbackSubject(plan.scope, plan.reason)
  const log = { file: state.progress, written: contents[state.progress] as string }
  const restoreTo = (head: string, tree: string, headMoved?: () => void) =>
    // Exactly the tree: no `git add -N` entries either (their files are set aside with the rest).
    restoreSnapshot(
      repo,
      { ...before, head, indexTree: tree, worktreeTree: tree, intentToAdd: [] },
      before,
      { reflog: subject, capture: captureDuring(ctx), ...(headMoved ? { headMoved } : {}) },
    )

  if (before.skipped.length > 0 || ignored.length > 0) {
    const restored = await restoreTo(codeAt, targetTree)
    for (const file of files) await writeFileAtomic(inRepo(repo, file), contents[file] as string)
    const commit = await commitPaths(repo, files, subject)
    const recorded = { commit, parent: codeAt, subject, log, logWith, ...(ahead ? { ahead } : {}) }
    return { commit, revertCommit, state: undefined, restored, recorded }
  }
  const blobs = new Map<string, string>()
  const tree = await treeWithContents(repo, targetTree, contents, blobs, ctx.scan)
  const commit = await writeCommit(repo, { tree, parents: [codeAt], message: subject, sign })
  let stateFacts: StartedStateFacts | undefined
  const restored = await restoreTo(commit, tree, () => {
    stateFacts = startStateFacts(repo, payload.stateText, ahead)
  })
  const objects = { tree, logBlob: blobs.get(state.progress) as string }
  return {
    commit,
    revertCommit,
    restored,
    recorded: {
      commit,
      parent: codeAt,
      subject,
      log,
      logWith,
      objects,
      ...(stateFacts ? { stateFacts } : {}),
      ...(ahead ? { ahead } : {}),
    },
    // A submodule kept with its content is on disk beside the tree: the after-snapshot scans.
    state:
      restored.kept.length > 0
        ? undefined
        : {
            head: commit,
            branch: plan.branch,
            indexTree: tree,
            worktreeTree: tree,
            dirty: [],
            refs: { ...before.refs, [plan.branch]: commit },
          },
  }
}
