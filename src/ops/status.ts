import { readTextIfExists } from '../adapters/fs.js'
import { readJournal } from '../adapters/journal.js'
import { isStale, type LockOwner, readLockOwner } from '../adapters/lock.js'
import { inRepo, type Repo, statePaths } from '../adapters/repo.js'
import { readWorkTreeStatus } from '../adapters/snapshot/status.js'
import { foldJournal, type Operation, pendingOperations } from '../core/journal.js'
import { stripBom } from '../core/project/json-format.js'
import { passesProjectSchema } from '../core/project/plain-check.js'
import {
  currentStage,
  phaseName,
  projectPhase,
  recomputeProgress,
  stagesOf,
} from '../core/project/queries.js'
import type { ProjectFile } from '../core/project/schema.js'
import { projectWarnings } from '../core/project/warnings.js'
import { isCpoError } from '../errors.js'
import { openProjectRepo, type ProjectFileOption } from './open-repo.js'

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

/**
 * `cpo status` from a directory: the repository is found and the work tree scanned side by side.
 * `git status --porcelain` names paths from the top of the work tree wherever it runs, so its
 * pass does not wait for the `rev-parse` that finds the top; spawning git is most of this
 * command's cost.
 */
export async function statusAt(cwd: string, options: ProjectFileOption = {}): Promise<RepoStatus> {
  const early = readWorkTreeStatus({ root: cwd, gitDir: '', commonDir: '', cpoDir: '' }).then(
    (r) => ({ ok: true as const, r }),
    () => ({ ok: false as const }), // outside a repository: openProjectRepo says why
  )
  const repo = await openProjectRepo(cwd, options)
  const scan = await early
  return repoStatus(repo, scan.ok ? scan.r : undefined)
}

/** Everything `cpo status` shows; reads only, takes no lock. */
export async function repoStatus(
  repo: Repo,
  scanned?: Awaited<ReturnType<typeof readWorkTreeStatus>>,
): Promise<RepoStatus> {
  // One git process: `--branch` reports HEAD and the branch in the same pass, and spawning is
  // a good part of this command's cost. Ahead/behind counts are never shown, so not computed.
  const [workTree, journal, owner, project] = await Promise.all([
    scanned ?? readWorkTreeStatus(repo),
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
 * A state file that passes the plain checks is used as parsed; only one that does not loads the
 * validator (the largest part of this command's code), for its exact message.
 */
/** The document module and the schema, loaded only for a text the plain checks refuse. */
async function refusedText(text: string, file: string) {
  const document = await import('../core/project/document.js')
  await document.loadProjectSchema()
  return document.parseProjectDocument(text, file).data
}

async function readProject(
  repo: Repo,
): Promise<Pick<RepoStatus, 'project' | 'projectError' | 'warnings'>> {
  const file = statePaths(repo).project
  try {
    const text = await readTextIfExists(inRepo(repo, file))
    if (text === undefined) return { project: null, projectError: null, warnings: [] }
    const data = plainlyValid(text) ?? (await refusedText(text, file))
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

function plainlyValid(text: string): ProjectFile | undefined {
  let value: unknown
  try {
    value = JSON.parse(stripBom(text))
  } catch {
    return undefined // the parser's message, with line and column, comes from the document module
  }
  return passesProjectSchema(value) ? value : undefined
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
