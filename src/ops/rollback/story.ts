import { readTextIfExists } from '../../adapters/fs.js'
import { inRepo, type Repo, statePaths } from '../../adapters/repo.js'
import { headCommits, revertTree, topLevelNames } from '../../adapters/rollback-git.js'
import { diffTrees } from '../../adapters/snapshot/restore.js'
import { type ProjectDocument, stagesOf } from '../../core/project/index.js'
import { type ChecklistItem, checklistEntryLines } from '../../core/rollback/checklist.js'
import {
  checkStoryId,
  type DependencyPlan,
  dependencyPlan,
  namesStory,
  storyAliases,
} from '../../core/rollback/index.js'
import { reasonUnlessDryRun } from '../../core/rollback/inputs.js'
import { pathsInTheWay } from '../../core/rollback/paths-in-the-way.js'
import { recoveryCommands } from '../../core/rollback/recovery.js'
import { cpoCommand } from '../../core/shell-quote.js'
import { CpoError } from '../../errors.js'
import { listCheckpoints } from '../checkpoint/list.js'
import { readProjectDocument } from '../project-file.js'
import { type OperationReport, reportOf, runOperation } from '../protocol.js'
import type { AfterReport } from './after.js'
import { runAfterList } from './after-entry.js'
import { beforeItems, type ChecklistOptions, runBeforeSteps } from './checklist.js'
import { parsePrd, prdStories, writeStoryRollback } from './story-write.js'

export interface StoryRollbackPlan {
  story: string
  reason: string
  /** The story in master-project.json, when it is there. */
  stateStory: { stage: string; id: string } | null
  /** Commits reverted, newest first (the order they are reverted in). */
  commits: Array<{ commit: string; subject: string }>
  /** Whether prd.json lists the story (it is marked not passing there too). */
  inPrd: boolean
  branch: string | null
  head: string
  /** Tracked files with uncommitted changes: gone from the tree, kept in the before-snapshot. */
  setAside: string[]
  /** Untracked files: they stay where they are. */
  untracked: string[]
  /** The lockfiles the reverts change, and the install that runs after them. */
  dependencies: DependencyPlan
}

export interface StoryRollbackReport extends OperationReport, StoryRollbackPlan {
  reverts: string[]
  commit: string
  after: AfterReport
  /** Every item of the before and after checklists, with its evidence. */
  checklist: ChecklistItem[]
  /** Why the checklist is not in the ROLLBACK entry of the progress log; null: it is. */
  checklistNotLogged: string | null
  /** How to get set-aside work back. */
  recovery: { undo: string; paths: string | null }
}

export type StoryRollbackOutcome =
  | { dryRun: true; plan: StoryRollbackPlan }
  | ({ dryRun: false; plan: StoryRollbackPlan } & StoryRollbackReport)

export interface StoryRollbackOptions {
  reason?: string
  dryRun?: boolean
  wait?: number
  install?: boolean
  verify?: boolean
  /** A full backup first (--backup), a webhook told (--notify): checklist.ts. */
  checklist?: ChecklistOptions
}

/** The revert trees the plan computed, one per commit in `commits`' order. */
interface StoryPlanned {
  plan: StoryRollbackPlan
  trees: string[]
}

/**
 * `cpo rollback story <id>`: reverts the story's commits, newest first, as new commits (history
 * is kept), marks the story not passing in master-project.json and prd.json, and records it in
 * one `rollback(story-<id>)` commit. Every commit is written from trees first (plumbing: no hook
 * runs, the work tree is not touched), then one snapshot restore makes HEAD, index and work tree
 * the last one, the way every rollback ends (see `rollBack` in run.ts). Untracked files stay;
 * uncommitted changes to tracked files are set aside (kept in the before-snapshot). The state
 * files are not reverted but rewritten from today's versions with the story not passing.
 * A conflict, or a file in the way of a path the reverts bring back, stops it in the plan, before
 * anything changes; the files are listed.
 */
export async function rollbackStory(
  repo: Repo,
  input: string,
  options: StoryRollbackOptions = {},
): Promise<StoryRollbackOutcome> {
  const id = checkStoryId(input)
  const reason = reasonUnlessDryRun(options.reason, options.dryRun)
  const steps = options.dryRun
    ? []
    : await runBeforeSteps(repo, 'rollback story', reason, options.checklist ?? {})
  const outcome = await runOperation(repo, {
    command: 'rollback story',
    args: [id],
    reason,
    ...(options.wait === undefined ? {} : { wait: options.wait }),
    ...(options.dryRun ? { dryRun: true } : {}),
    plan: async (r, _operations, scan): Promise<StoryPlanned> => {
      // HEAD and what is uncommitted, as the before-snapshot will record them.
      const { head, headTree, branch, status } = await scan()
      const doc = await readProjectDocument(r)
      const stateStory = doc === undefined ? null : findStateStory(doc, id)
      const commits = await storyCommits(r, stateStory?.id ?? id, id)
      if (commits.length === 0) {
        throw new CpoError(
          'STORY_COMMITS_NOT_FOUND',
          'notFound',
          `no commit on this branch names story ${id}`,
          {
            hint: 'Story commits are found by id in their message (`feat(S1-US-001): …`, `feat: US-001 - …`); see `git log`.',
          },
        )
      }
      // Uncommitted changes to tracked files are set aside (kept in the before-snapshot), as a
      // stage rollback does: the reverts apply to the committed tree.
      const setAside = [...new Set([...status.staged, ...status.unstaged])].sort()
      const trees = await revertTrees(r, headTree, commits)
      const lastTree = trees.at(-1) ?? headTree
      const [, changed, topNames] = await Promise.all([
        refuseUntrackedInTheWay(r, headTree, lastTree, status.untracked, id),
        diffTrees(r, headTree, lastTree),
        topLevelNames(r, lastTree),
      ])
      const prd = parsePrd(await readTextIfExists(inRepo(r, statePaths(r).prd)))
      const aliases = storyAliases(stateStory?.id ?? id)
      return {
        plan: {
          story: stateStory?.id ?? id,
          reason,
          stateStory,
          commits,
          inPrd: prd !== undefined && prdStories(prd.value).some((s) => aliases.includes(s.id)),
          branch,
          head,
          setAside,
          untracked: status.untracked,
          dependencies: dependencyPlan(
            changed.map((c) => c.path),
            topNames,
          ),
        },
        trees,
      }
    },
    apply: async (ctx, { plan, trees }) => {
      const before = beforeItems(
        {
          reason: plan.reason,
          target: `${plan.commits.length} commit(s) of story ${plan.story} on HEAD's history: ${plan.commits.map((c) => c.commit.slice(0, 10)).join(', ')}`,
          uncommitted: [...plan.setAside, ...plan.untracked],
        },
        ctx.before.id,
        steps,
      )
      const done = await writeStoryRollback(ctx, plan, trees, checklistEntryLines(before))
      const list = await runAfterList(ctx, done.recorded, before, {
        dependencies: plan.dependencies,
        install: options.install,
        verify: options.verify,
        state: done.state,
      })
      return {
        summary: `reverted ${done.reverts.length} commit(s) of story ${plan.story}`,
        result: {
          reverts: done.reverts,
          commit: list.commit,
          after: list.after,
          checklist: list.checklist,
          checklistNotLogged: list.notLogged,
        },
        ...(list.state ? { after: list.state } : {}),
        changedDuring: done.changedDuring,
      }
    },
  })
  if (outcome.dryRun) return { dryRun: true, plan: outcome.plan.plan }
  const report = reportOf(outcome)
  const { setAside } = outcome.plan.plan
  return {
    dryRun: false,
    plan: outcome.plan.plan,
    ...report,
    ...outcome.plan.plan,
    ...outcome.result,
    recovery: recoveryCommands(report.opId, report.before.id, setAside),
  }
}

/**
 * The files cpo rewrites itself after the reverts (from today's versions, the story marked not
 * passing, a log entry): the reverts leave them alone, so a story commit that flipped its own
 * `passes` flag does not conflict with the next one's.
 */
const stateFiles = (repo: Repo): string[] => {
  const s = statePaths(repo)
  return [s.project, s.prd, s.progress]
}

/**
 * Each commit's revert, newest first, each on top of the one before, as trees: the same
 * three-way merge `git revert` makes, computed without touching the work tree or the index,
 * for every path but the state files.
 */
async function revertTrees(
  repo: Repo,
  headTree: string,
  commits: StoryRollbackPlan['commits'],
): Promise<string[]> {
  const trees: string[] = []
  for (const c of commits) {
    const r = await revertTree(repo, c.commit, trees.at(-1) ?? headTree, stateFiles(repo))
    if (!r.ok) {
      throw new CpoError(
        'REVERT_CONFLICT',
        'conflict',
        `reverting ${c.commit.slice(0, 10)} (${c.subject}) conflicts in: ${r.conflicts.join(', ')}; nothing was changed`,
        {
          hint: 'Later work builds on this story: roll back its stage instead, or revert by hand.',
          details: { commit: c.commit, conflicts: r.conflicts },
        },
      )
    }
    trees.push(r.tree)
  }
  return trees
}

/**
 * Untracked files stay through a story rollback; one standing where the reverts bring a path
 * back would be replaced, so refuse, as `git revert` does. (Ignored files in the way are refused
 * by the restore, which never touches them.)
 */
async function refuseUntrackedInTheWay(
  repo: Repo,
  headTree: string,
  revertedTree: string,
  untracked: string[],
  id: string,
): Promise<void> {
  if (untracked.length === 0) return
  const added = (await diffTrees(repo, headTree, revertedTree))
    .filter((c) => c.status === 'A')
    .map((c) => c.path)
  const blocked = pathsInTheWay(untracked, added)
  if (blocked.length === 0) return
  const more = blocked.length > 10 ? ` (+${blocked.length - 10} more)` : ''
  throw new CpoError(
    'UNTRACKED_FILES_IN_THE_WAY',
    'conflict',
    `reverting story ${id} brings back paths where untracked files stand: ${blocked.slice(0, 10).join(', ')}${more}; nothing was changed`,
    {
      hint: `Move these files out of the way (or commit them), then run \`${cpoCommand('rollback', 'story', id, '--reason', 'what went wrong')}\` again.`,
      details: blocked,
    },
  )
}

function findStateStory(doc: ProjectDocument, id: string): { stage: string; id: string } | null {
  const all = stagesOf(doc.data).flatMap((s) =>
    (s.stories ?? []).map((story) => ({ stage: s.id, id: story.id })),
  )
  const exact =
    all.find((s) => s.id === id) ?? all.find((s) => s.id.toLowerCase() === id.toLowerCase())
  if (exact !== undefined) return exact
  const suffix = all.filter((s) => s.id.toLowerCase().endsWith(`-${id.toLowerCase()}`))
  return suffix.length === 1 ? (suffix[0] ?? null) : null
}

/**
 * The story's commits on HEAD's history, newest first: messages naming the id as a whole token,
 * plus story commits the checkpoint inference attributes to it (`feat: US-001 - …` on
 * `feature/stage-1-…` is S1-US-001). Reverts, checkpoints, rollbacks and commits already
 * reverted are left out.
 */
async function storyCommits(
  repo: Repo,
  storyId: string,
  typed: string,
): Promise<Array<{ commit: string; subject: string }>> {
  const [history, checkpoints] = await Promise.all([headCommits(repo), listCheckpoints(repo)])
  const inferred = new Set(
    checkpoints
      .filter(
        (c) =>
          c.kind === 'story' &&
          (c.name === storyId ||
            (c.name.startsWith(`${storyId}-`) &&
              /^[0-9a-f]{7}$/.test(c.name.slice(storyId.length + 1)))),
      )
      .map((c) => c.commit),
  )
  const reverted = new Set(
    history.flatMap((c) =>
      [...c.subject.matchAll(/This reverts commit ([0-9a-f]{40})/g)].map((m) => m[1]),
    ),
  )
  const ids = [...new Set([storyId, typed])]
  return history
    .filter(
      (c) =>
        !/^(Revert "|checkpoint:|rollback\(|chore\(stage-[^)]*\): start )/i.test(c.subject) &&
        !reverted.has(c.commit) &&
        (inferred.has(c.commit) ||
          ids.some((id) => namesStory(c.subject.split('\n')[0] ?? '', id))),
    )
    .map((c) => ({ commit: c.commit, subject: c.subject.split('\n')[0] ?? '' }))
}
