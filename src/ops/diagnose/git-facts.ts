import { git, splitZ } from '../../adapters/git.js'
import type { Repo } from '../../adapters/repo.js'
import { changedPaths, headCommits } from '../../adapters/rollback-git.js'
import { stageCompleteName, stageStartName } from '../../core/checkpoint/names.js'
import type { Checkpoint } from '../../core/checkpoint/types.js'
import type { GitFacts } from '../../core/diagnose/consistency.js'
import {
  currentStage,
  type ProjectFile,
  type Stage,
  stageNumber,
} from '../../core/project/index.js'
import { listCheckpoints } from '../checkpoint/list.js'

export interface RepoFacts extends GitFacts {
  head: string
  /** Position on HEAD's history, 0 = HEAD (for "newest" among checkpoints). */
  depth: ReadonlyMap<string, number>
}

/** HEAD's history, its messages and every checkpoint: three git reads side by side. */
export async function readRepoFacts(
  repo: Repo,
  project: ProjectFile | undefined,
): Promise<RepoFacts> {
  const [revs, history, checkpoints] = await Promise.all([
    git(repo.root, ['rev-list', 'HEAD', '--']),
    headCommits(repo),
    listCheckpoints(repo, { project: Promise.resolve(project) }),
  ])
  const list = revs.stdout.split('\n').filter(Boolean)
  return {
    head: list[0] ?? '',
    inHistory: new Set(list),
    depth: new Map(list.map((c, i) => [c, i])),
    history,
    checkpoints,
  }
}

export interface StageContext {
  stage: Stage | null
  start: Checkpoint | null
  previousComplete: Checkpoint | null
}

/**
 * The stage being worked on, its start checkpoint on HEAD's history, and the newest
 * `stage-N-complete` older than that start (the state the previous stage left).
 */
export function stageContext(project: ProjectFile | undefined, facts: RepoFacts): StageContext {
  const stage = project === undefined ? null : (currentStage(project) ?? null)
  const n = stage === null ? undefined : stageNumber(stage.id)
  const onHistory = facts.checkpoints.filter((c) => facts.inHistory.has(c.commit))
  const start =
    n === undefined ? null : (onHistory.find((c) => c.name === stageStartName(n)) ?? null)
  const floor = start === null ? -1 : (facts.depth.get(start.commit) ?? -1)
  const completes = onHistory
    .filter(
      (c) => c.kind === 'stage-complete' && (n === undefined || c.name !== stageCompleteName(n)),
    )
    .filter((c) => (facts.depth.get(c.commit) ?? 0) >= floor)
    .sort((a, b) => (facts.depth.get(a.commit) ?? 0) - (facts.depth.get(b.commit) ?? 0))
  return { stage, start, previousComplete: completes[0] ?? null }
}

/** Files changed since `from`: committed, uncommitted and untracked (not ignored). */
export async function filesChangedSince(repo: Repo, from: string): Promise<string[]> {
  const [tracked, untracked] = await Promise.all([
    changedPaths(repo, from, undefined),
    git(repo.root, ['ls-files', '-z', '--others', '--exclude-standard']),
  ])
  return [...new Set([...tracked, ...splitZ(untracked.stdout)])].sort()
}
