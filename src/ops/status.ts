import { readJournal } from '../adapters/journal.js'
import { isStale, type LockOwner, readLockOwner } from '../adapters/lock.js'
import { type Repo, statePaths } from '../adapters/repo.js'
import { readWorkTreeStatus } from '../adapters/snapshot/status.js'
import { foldJournal, type Operation, pendingOperations } from '../core/journal.js'
import type { recomputeProgress } from '../core/project/index.js'
import { isCpoError } from '../errors.js'

export interface StageRow {
  id: string
  name: string
  status: string
  dependsOn: string[]
  startedAt: string | null
  completedAt: string | null
  testedAt: string | null
  stories: { total: number; passing: number }
}

export interface ProjectStatus {
  name: string | null
  status: string | null
  phase: { number: number; name: string | null } | null
  currentStage: { id: string; name: string } | null
  stages: StageRow[]
  progress: ReturnType<typeof recomputeProgress>
}

export interface RepoStatus {
  root: string
  branch: string | null
  head: string | null
  project: ProjectStatus | null
  /** The state file, relative to `root` (`apps/web/master-project.json` in a monorepo). */
  projectFile: string
  /** Set when master-project.json exists but cannot be read. */
  projectError: { code: string; message: string; hint: string | null; details?: unknown } | null
  /** What a readable file gets wrong: duplicate stage ids, unknown dependencies, cycles. */
  warnings: Array<{ code: string; message: string; path: string }>
  dirty: { staged: string[]; unstaged: string[]; untracked: string[] }
  /** Begun and not finished, and no live process holds the lock for them: `cpo recover` them. */
  pendingRecovery: Operation[]
  /** Begun and not finished, by the live process holding the lock: still running, not broken. */
  running: Operation[]
  lock: (LockOwner & { stale: boolean }) | null
}

/** Everything `cpo status` shows; reads only, takes no lock. */
export async function repoStatus(repo: Repo): Promise<RepoStatus> {
  // One git process: `--branch` reports HEAD and the branch in the same pass, and spawning is
  // a good part of this command's cost. Ahead/behind counts are never shown, so not computed.
  const [workTree, journal, owner, project] = await Promise.all([
    readWorkTreeStatus(repo),
    readJournal(repo.cpoDir),
    readLockOwner(repo.cpoDir),
    readProject(repo),
  ])
  const { branch, staged, unstaged, untracked } = workTree
  return {
    root: repo.root,
    branch: branch?.head ?? null,
    head: branch?.oid ?? null,
    projectFile: statePaths(repo).project,
    ...project,
    dirty: { staged, unstaged, untracked },
    ...splitPending(pendingOperations(foldJournal(journal.events)), owner),
    lock: owner ? { ...owner, stale: isStale(owner) } : null,
  }
}

/**
 * Loaded on demand so that the module loads while git status runs: reading the project file
 * means validating it, and the validator is the largest part of this command's code.
 */
async function readProject(
  repo: Repo,
): Promise<Pick<RepoStatus, 'project' | 'projectError' | 'warnings'>> {
  const [
    { readProjectDocument },
    { currentStage, phaseName, projectPhase, projectWarnings, recomputeProgress, stagesOf },
  ] = await Promise.all([import('./project-file.js'), import('../core/project/index.js')])
  try {
    const doc = await readProjectDocument(repo)
    if (!doc) return { project: null, projectError: null, warnings: [] }
    const data = doc.data
    const current = currentStage(data)
    const phase = projectPhase(data)?.number ?? null
    return {
      projectError: null,
      warnings: projectWarnings(data).map((w) => ({ ...w })),
      project: {
        name: data.project?.name ?? null,
        status: data.project?.status ?? null,
        phase: phase === null ? null : { number: phase, name: phaseName(phase) ?? null },
        currentStage: current ? { id: current.id, name: current.name ?? '' } : null,
        stages: stagesOf(data).map((s) => ({
          id: s.id,
          name: s.name ?? '',
          status: s.status ?? 'pending',
          dependsOn: [...(s.dependsOn ?? [])],
          startedAt: s.startedAt ?? null,
          completedAt: s.completedAt ?? null,
          testedAt: s.testedAt ?? null,
          stories: {
            total: s.stories?.length ?? 0,
            passing: s.stories?.filter((st) => st.passes === true).length ?? 0,
          },
        })),
        progress: recomputeProgress(data),
      },
    }
  } catch (e) {
    if (!isCpoError(e)) throw e
    return {
      project: null,
      projectError: {
        code: e.code,
        message: e.message,
        hint: e.hint ?? null,
        ...(e.details === undefined ? {} : { details: e.details }),
      },
      warnings: [],
    }
  }
}

/**
 * A `begun` entry without its end is either an operation still running or one that was
 * interrupted. The lock tells them apart: its owner is alive and took it before the entry was
 * written (the protocol locks first, then journals), so entries from then on are its own.
 */
function splitPending(
  pending: Operation[],
  owner: LockOwner | undefined,
): Pick<RepoStatus, 'pendingRecovery' | 'running'> {
  if (!owner || isStale(owner)) return { pendingRecovery: pending, running: [] }
  const since = Date.parse(owner.startedAt)
  const live = (op: Operation) => Date.parse(op.startedAt) >= since
  return {
    pendingRecovery: pending.filter((op) => !live(op)),
    running: pending.filter(live),
  }
}
