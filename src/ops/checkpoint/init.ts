import { commitEverything, createTag, readHead, readRef } from '../../adapters/checkpoint-git.js'
import { ensureExcluded } from '../../adapters/exclude.js'
import { git } from '../../adapters/git.js'
import { openRepo, type Repo, statePaths } from '../../adapters/repo.js'
import { tagMessage } from '../../core/checkpoint/metadata.js'
import { PROJECT_INITIALIZED, tagRefOf } from '../../core/checkpoint/names.js'
import { CHECKPOINTS_EXCLUDE } from '../../core/checkpoint/sidecars.js'
import {
  type ProjectFile,
  type ProjectWarning,
  projectPhase,
  projectWarnings,
} from '../../core/project/index.js'
import { VERSION } from '../../version.js'
import { readProjectDocument } from '../project-file.js'
import { type OperationReport, reportOf, runOperation } from '../protocol.js'

export interface InitReport extends Partial<OperationReport> {
  excludeAdded: boolean
  /** The commit tagged `checkpoint/project-initialized`, newly or before. */
  initialized: { tag: string; commit: string; created: boolean } | null
  project: {
    file: string
    name: string | null
    stages: number
    currentPhase: number | null
  } | null
  /** What the plan gets wrong (duplicate stage ids, unknown dependencies, cycles). */
  warnings: ProjectWarning[]
  verification: Record<string, string>
  database: string | null
  orm: string | null
  hosting: string | null
}

interface InitPlan {
  existing: string | undefined
  /** The commit to tag: the first with the state file (after `init --git`: the first commit). */
  firstCommit: string | undefined
  project: ProjectFile | undefined
}

/**
 * `cpo init`: ignores `.checkpoints/` through `.git/info/exclude`, tags the first commit that
 * holds `master-project.json` as `checkpoint/project-initialized` if that tag is missing, and
 * reports what it found. Running it again changes nothing.
 */
export async function initProject(
  repo: Repo,
  options: { wait?: number; initialCommit?: string } = {},
): Promise<InitReport> {
  const outcome = await runOperation(repo, {
    command: 'init',
    args: [],
    ...(options.wait === undefined ? {} : { wait: options.wait }),
    plan: async (r): Promise<InitPlan> => {
      const [doc, existing] = await Promise.all([
        readProjectDocument(r),
        readRef(r, tagRefOf(PROJECT_INITIALIZED)),
      ])
      const head = await readHead(r)
      const firstCommit =
        existing !== undefined || head.commit === undefined
          ? undefined
          : doc === undefined
            ? options.initialCommit
            : await firstCommitWith(r, statePaths(r).project)
      return { existing, firstCommit, project: doc?.data }
    },
    apply: async (ctx, plan) => {
      const excludeAdded = await ensureExcluded(ctx.repo)
      if (plan.firstCommit !== undefined) {
        const time = new Date().toISOString()
        const meta = {
          v: 1 as const,
          tool: 'cpo' as const,
          kind: 'project-initialized' as const,
          name: PROJECT_INITIALIZED,
          stage: null,
          phase: plan.project === undefined ? null : (projectPhase(plan.project)?.number ?? null),
          time,
          branch: null,
          head: plan.firstCommit,
          snapshot: ctx.before.ref,
          version: VERSION,
          message:
            plan.project === undefined
              ? 'the first commit'
              : `first commit with ${statePaths(ctx.repo).project}`,
        }
        await createTag(
          ctx.repo,
          tagRefOf(PROJECT_INITIALIZED),
          plan.firstCommit,
          tagMessage(meta, 'checkpoint: project initialized'),
        )
      }
      const parts = [
        excludeAdded ? `ignored ${CHECKPOINTS_EXCLUDE}` : undefined,
        plan.firstCommit ? `tagged ${plan.firstCommit.slice(0, 10)}` : undefined,
      ].filter(Boolean)
      return { summary: parts.join(', ') || 'nothing to do', result: { excludeAdded } }
    },
  })
  if (outcome.dryRun) throw new Error('unreachable: no dry run here')
  const p = outcome.plan
  const project = p.project
  const stack = (project?.productDefinition?.techStack ?? {}) as Record<string, unknown>
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null)
  const tagCommit: string | undefined =
    p.firstCommit ??
    (p.existing ? await readRef(repo, `${tagRefOf(PROJECT_INITIALIZED)}^{commit}`) : undefined)
  return {
    ...reportOf(outcome),
    excludeAdded: outcome.result.excludeAdded,
    initialized:
      tagCommit === undefined
        ? null
        : {
            tag: `checkpoint/${PROJECT_INITIALIZED}`,
            commit: tagCommit,
            created: p.firstCommit !== undefined,
          },
    project:
      project === undefined
        ? null
        : {
            file: statePaths(repo).project,
            name: project.project?.name ?? null,
            stages: project.stages?.length ?? 0,
            currentPhase: projectPhase(project)?.number ?? null,
          },
    warnings: project === undefined ? [] : projectWarnings(project),
    verification: Object.fromEntries(
      Object.entries(project?.verification ?? {}).filter(
        (e): e is [string, string] => typeof e[1] === 'string' && e[1] !== '',
      ),
    ),
    database: str(stack.database),
    orm: str(stack.orm),
    hosting: str(stack.hosting),
  }
}

/** The oldest commit on HEAD's history that has the file (one `git log`). */
async function firstCommitWith(repo: Repo, file: string): Promise<string | undefined> {
  const { stdout } = await git(repo.root, [
    'log',
    '--reverse',
    '--format=%H',
    '--diff-filter=A',
    '--',
    file,
  ])
  return stdout.split('\n').find(Boolean)
}

/**
 * `cpo init --git` in a folder that is not a repository yet, as the CPO workflow starts one:
 * `git init` on branch main, `.checkpoints/` ignored, every project file committed (`git add -A`,
 * so `.gitignore` applies). Nothing existed to lose, so there is nothing to journal; the tag
 * that follows (`initProject`) is journaled as usual.
 */
export async function initGitRepository(dir: string): Promise<{ repo: Repo; commit: string }> {
  await git(dir, ['init', '-q', '-b', 'main'])
  const repo = await openRepo(dir)
  await ensureExcluded(repo)
  const commit = await commitEverything(repo, 'chore: initialize project')
  return { repo, commit }
}
