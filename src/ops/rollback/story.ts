import path from 'node:path'
import { readTextIfExists, writeFileAtomic } from '../../adapters/fs.js'
import type { Repo } from '../../adapters/repo.js'
import { commitPaths, headCommits, revertCommit } from '../../adapters/rollback-git.js'
import { appendableEntry } from '../../core/checkpoint/progress-log.js'
import {
  detectJsonFormat,
  type ProjectDocument,
  renderJson,
  serializeProjectDocument,
  setProgress,
  stagesOf,
  updateStory,
} from '../../core/project/index.js'
import {
  checkReason,
  checkStoryId,
  namesStory,
  rollbackEntry,
  rollbackSubject,
  storyAliases,
} from '../../core/rollback/index.js'
import { CpoError } from '../../errors.js'
import { listCheckpoints } from '../checkpoint/list.js'
import { PROGRESS_FILE, PROJECT_FILE, readProjectDocument } from '../project-file.js'
import { type OperationReport, reportOf, runOperation } from '../protocol.js'

const PRD_FILE = 'prd.json'

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
}

export interface StoryRollbackReport extends OperationReport, StoryRollbackPlan {
  reverts: string[]
  commit: string
}

export type StoryRollbackOutcome =
  | { dryRun: true; plan: StoryRollbackPlan }
  | ({ dryRun: false } & StoryRollbackReport)

/**
 * `cpo rollback story <id>`: reverts the story's commits, newest first, as new commits (history
 * is kept), marks the story not passing in master-project.json and prd.json, and records it in
 * one `rollback(story-<id>)` commit. A conflict aborts the revert and the operation puts
 * everything back as it was; the conflicting files are reported.
 */
export async function rollbackStory(
  repo: Repo,
  input: string,
  options: { reason?: string; dryRun?: boolean; wait?: number } = {},
): Promise<StoryRollbackOutcome> {
  const id = checkStoryId(input)
  const reason = checkReason(options.reason)
  const outcome = await runOperation(repo, {
    command: 'rollback story',
    args: [id],
    reason,
    ...(options.wait === undefined ? {} : { wait: options.wait }),
    ...(options.dryRun ? { dryRun: true } : {}),
    plan: async (r, _operations, scan): Promise<StoryRollbackPlan> => {
      // HEAD and what is uncommitted, as the before-snapshot will record them.
      const { head, branch, status } = await scan()
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
      if (status.staged.length + status.unstaged.length > 0) {
        throw new CpoError(
          'UNCOMMITTED_CHANGES',
          'conflict',
          'tracked files have uncommitted changes',
          {
            hint: 'Commit them or take a checkpoint (`cpo checkpoint create <name>`) first: reverts need a clean tree.',
          },
        )
      }
      const prd = await readPrd(r)
      const aliases = storyAliases(stateStory?.id ?? id)
      return {
        story: stateStory?.id ?? id,
        reason,
        stateStory,
        commits,
        inPrd: prd !== undefined && prdStories(prd.value).some((s) => aliases.includes(s.id)),
        branch,
        head,
      }
    },
    apply: async (ctx, plan) => {
      const reverts: string[] = []
      for (const c of plan.commits) {
        const r = await revertCommit(ctx.repo, c.commit)
        if (!r.ok) {
          throw new CpoError(
            'REVERT_CONFLICT',
            'conflict',
            `reverting ${c.commit.slice(0, 10)} (${c.subject.split('\n')[0]}) conflicts in: ${r.conflicts.join(', ')}; nothing was changed`,
            {
              hint: 'Later work builds on this story: roll back its stage instead, or revert by hand.',
              details: { commit: c.commit, conflicts: r.conflicts },
            },
          )
        }
        reverts.push(r.commit)
      }
      const files = [PROGRESS_FILE]
      const doc = await readProjectDocument(ctx.repo)
      if (doc !== undefined && plan.stateStory !== null) {
        let next = updateStory(doc, plan.stateStory.stage, plan.stateStory.id, {
          passes: false,
          ...(hasCompletedAt(doc, plan.stateStory) ? { completedAt: null } : {}),
        })
        if (next.data.progress !== undefined) next = setProgress(next)
        await writeFileAtomic(
          path.join(ctx.repo.root, PROJECT_FILE),
          serializeProjectDocument(next),
        )
        files.push(PROJECT_FILE)
      }
      const prd = await readPrd(ctx.repo)
      if (prd !== undefined) {
        const aliases = storyAliases(plan.story)
        const value = prd.value as { userStories?: unknown }
        if (Array.isArray(value.userStories)) {
          value.userStories = value.userStories.map((s) =>
            isStory(s) && aliases.includes(s.id) ? { ...s, passes: false } : s,
          )
          await writeFileAtomic(
            path.join(ctx.repo.root, PRD_FILE),
            renderJson(value, detectJsonFormat(prd.text)),
          )
          files.push(PRD_FILE)
        }
      }
      const logFile = path.join(ctx.repo.root, PROGRESS_FILE)
      const logText = await readTextIfExists(logFile)
      const scope = `story-${plan.story}`
      const entry = rollbackEntry({
        time: new Date().toISOString(),
        kind: 'story',
        scope,
        target: `revert of ${plan.commits.map((c) => c.commit.slice(0, 10)).join(', ')}`,
        reason,
        mode: 'revert',
        commitBefore: plan.head,
        commitAfter: reverts.at(-1) ?? plan.head,
        stagesReset: [],
        opId: ctx.opId,
      })
      await writeFileAtomic(logFile, `${logText ?? ''}${appendableEntry(logText, entry)}`)
      const commit = await commitPaths(ctx.repo, files, rollbackSubject(scope, reason))
      return {
        summary: `reverted ${reverts.length} commit(s) of story ${plan.story}`,
        result: { reverts, commit },
      }
    },
  })
  if (outcome.dryRun) return { dryRun: true, plan: outcome.plan }
  return { dryRun: false, ...reportOf(outcome), ...outcome.plan, ...outcome.result }
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

const hasCompletedAt = (doc: ProjectDocument, s: { stage: string; id: string }): boolean =>
  stagesOf(doc.data)
    .find((st) => st.id === s.stage)
    ?.stories?.some((story) => story.id === s.id && Object.hasOwn(story, 'completedAt')) === true

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
        !/^(Revert "|checkpoint:|rollback\()/i.test(c.subject) &&
        !reverted.has(c.commit) &&
        (inferred.has(c.commit) ||
          ids.some((id) => namesStory(c.subject.split('\n')[0] ?? '', id))),
    )
    .map((c) => ({ commit: c.commit, subject: c.subject.split('\n')[0] ?? '' }))
}

async function readPrd(repo: Repo): Promise<{ text: string; value: unknown } | undefined> {
  const text = await readTextIfExists(path.join(repo.root, PRD_FILE))
  if (text === undefined) return undefined
  try {
    return { text, value: JSON.parse(text.replace(/^\uFEFF/, '')) }
  } catch {
    return undefined
  }
}

const isStory = (s: unknown): s is { id: string } =>
  typeof s === 'object' && s !== null && typeof (s as { id?: unknown }).id === 'string'

const prdStories = (value: unknown): Array<{ id: string }> => {
  const list = (value as { userStories?: unknown } | null)?.userStories
  return Array.isArray(list) ? list.filter(isStory) : []
}
