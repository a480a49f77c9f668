import { readTextIfExists } from '../../adapters/fs.js'
import { inRepo, type Repo, statePaths } from '../../adapters/repo.js'
import {
  changedPaths,
  commitsBetween,
  reachableFrom,
  readAtCommit,
  upstreamOf,
} from '../../adapters/rollback-git.js'
import type { WorkTreeScan } from '../../adapters/snapshot/capture.js'
import { type KeptPath, submodulesKept } from '../../adapters/snapshot/restore.js'
import type { Checkpoint } from '../../core/checkpoint/types.js'
import {
  loadProjectSchemaFor,
  type ProjectDocument,
  type ProjectFile,
  parseProjectDocument,
  projectWarnings,
  serializeProjectDocument,
} from '../../core/project/index.js'
import {
  chooseMode,
  type DependencyPlan,
  dependencyPlan,
  isLoopFileIn,
  isMigration,
  mergeRollbackState,
  type RollbackMode,
  stagesWithDiscardedWork,
  withDependents,
} from '../../core/rollback/index.js'
import { CpoError } from '../../errors.js'
import type { DbRestorePlan } from '../db/restore.js'
import type { RollbackTarget } from './target.js'

/** Everything a rollback will do, computed before anything changes (what --dry-run prints). */
export interface RollbackPlan {
  kind: RollbackTarget['kind']
  scope: string
  reason: string
  target: Omit<RollbackTarget, 'kind' | 'scope'>
  /** The branch that moves (reset) or gets the new commits (revert). */
  branch: string
  head: string
  mode: RollbackMode
  modeWhy: string
  upstream: string | null
  /** Commits on the branch after the target: dropped from it (reset) or reverted (revert). */
  discardedCommits: Array<{ commit: string; subject: string }>
  /** Stages made pending: the target stage, stages whose work is discarded, their dependents. */
  stagesReset: string[]
  stateChanges: {
    stages: Array<{ id: string; from: string; to: string }>
    stories: Array<{ id: string; stage: string; from: boolean; to: boolean }>
    epics: Array<{ id: string; from: string; to: string }>
  }
  /** Files that differ between now (work tree) and the target. */
  filesChanged: string[]
  setAside: {
    /** Uncommitted changes and untracked (not ignored) files: gone from the tree, kept in the snapshot. */
    uncommitted: string[]
    /** Agent loop files (prd.json, progress.md, …) that change or go. */
    loopFiles: string[]
  }
  dependencies: DependencyPlan
  migrations: { differ: boolean; files: string[] }
  /** `--with-db`: the database restore that runs with the code rollback (src/ops/db/). */
  db?: DbRestorePlan
  /** Submodule directories with content the target lacks: left in place, never deleted. */
  kept: KeptPath[]
  /** Whether the target's commit had a state file (without one every stage becomes pending). */
  targetHasStateFile: boolean
  warnings: string[]
}

/** What apply needs besides the plan; not part of any report. */
export interface RollbackPayload {
  /** The target commit's tree. */
  targetTree: string
  stateText: string
  /** The state file the rollback writes, parsed (`stateText` is its text). */
  project: ProjectFile
  logText: string | undefined
}

export async function planRollback(
  repo: Repo,
  target: RollbackTarget,
  today: ProjectDocument,
  checkpoints: readonly Checkpoint[],
  options: { reason: string; mode: RollbackMode | undefined; scan: Promise<WorkTreeScan> },
): Promise<{ plan: RollbackPlan; payload: RollbackPayload }> {
  // HEAD as the scan saw it: the state the before-snapshot records.
  const scan = await options.scan
  const head = { commit: scan.head, branch: scan.branch }
  if (head.branch === null) {
    throw new CpoError('DETACHED_HEAD', 'conflict', 'HEAD is detached: no branch to roll back', {
      hint: 'Check out the branch to roll back (`git switch <branch>`), then run the command again.',
    })
  }
  const branch = head.branch
  // Independent reads, side by side.
  const [between, upstream, atTarget] = await Promise.all([
    commitsBetween(repo, target.commit, head.commit),
    upstreamOf(repo, branch),
    readAtCommit(repo, target.commit, statePaths(repo).project),
  ])
  const { text: thenText, topNames: targetFiles } = atTarget
  const { commits: discardedCommits, reaches: onBranch } = between
  if (!onBranch) {
    const where = target.takenOn
      ? ` (it was taken on ${target.takenOn.replace('refs/heads/', '')})`
      : ''
    throw new CpoError(
      'TARGET_NOT_ON_BRANCH',
      'conflict',
      `${target.name} (${target.commit.slice(0, 10)}) is not in the history of ${branch.replace('refs/heads/', '')}${where}`,
      { hint: 'Check out the branch the checkpoint belongs to, then run the rollback there.' },
    )
  }
  const discarded = new Set(discardedCommits.map((c) => c.commit))
  // Discarded commits are those after the target, so the upstream walk can stop at it.
  const onUpstream =
    upstream === null ? [] : await reachableFrom(repo, upstream, [...discarded], target.commit)
  const { mode, why } = chooseMode(options.mode, onUpstream.length, upstream)

  const warnings: string[] = []
  let then: ProjectFile | undefined
  if (thenText !== undefined) {
    await loadProjectSchemaFor(thenText) // zod only for a text the plain checks refuse
    try {
      then = parseProjectDocument(thenText, statePaths(repo).project).data
    } catch {
      warnings.push(
        `${statePaths(repo).project} at the target is not valid: every stage becomes pending`,
      )
    }
  }
  const seeds = [
    ...(target.stage === null ? [] : [target.stage.id]),
    ...stagesWithDiscardedWork(today.data, checkpoints, discarded),
  ]
  const stagesReset = withDependents(today.data, seeds)
  const merged = mergeRollbackState(today, then, new Set(stagesReset))
  const problems = projectWarnings(merged.doc.data)
  for (const p of problems) warnings.push(`state after the rollback: ${p.message}`)

  // The before-snapshot's scan already knows what is uncommitted; what else changes comes from
  // comparing trees, and only uncommitted paths are compared with the work tree.
  const { status } = scan
  const dirtyTracked = [...new Set([...status.staged, ...status.unstaged])]
  const dirty = new Set(dirtyTracked)
  const [committed, dirtyChanged, kept] = await Promise.all([
    changedPaths(repo, target.commit, head.commit),
    dirtyTracked.length === 0 ? [] : changedPaths(repo, target.commit, undefined, dirtyTracked),
    submodulesKept(repo, scan.headTree, `${target.commit}^{tree}`),
  ])
  const filesChanged = [
    ...new Set([...committed.filter((p) => !dirty.has(p)), ...dirtyChanged, ...status.untracked]),
  ].sort()
  const migrations = filesChanged.filter(isMigration)
  if (migrations.length > 0) {
    warnings.push(
      `database migrations differ between now and the target (${migrations.length} file(s)): the database was not rolled back`,
    )
  }
  const logText = await readTextIfExists(inRepo(repo, statePaths(repo).progress))
  const { kind, scope, ...rest } = target
  return {
    plan: {
      kind,
      scope,
      reason: options.reason,
      target: rest,
      branch: head.branch,
      head: head.commit,
      mode,
      modeWhy: why,
      upstream,
      discardedCommits,
      stagesReset,
      stateChanges: { stages: merged.stages, stories: merged.stories, epics: merged.epics },
      filesChanged,
      setAside: {
        uncommitted: [...new Set([...dirtyTracked, ...status.untracked])].sort(),
        loopFiles: filesChanged.filter((f) => isLoopFileIn(f, statePaths(repo).dir)),
      },
      dependencies: dependencyPlan(filesChanged, targetFiles),

      migrations: { differ: migrations.length > 0, files: migrations },
      targetHasStateFile: thenText !== undefined,
      kept,
      warnings,
    },
    payload: {
      targetTree: atTarget.tree,
      stateText: serializeProjectDocument(merged.doc),
      project: merged.doc.data,
      logText,
    },
  }
}
