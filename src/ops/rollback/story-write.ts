import { readBlobAt } from '../../adapters/checkpoint-git.js'
import { treeWithContents, writeCommit } from '../../adapters/direct-commit.js'
import { readTextIfExists, writeFileAtomic } from '../../adapters/fs.js'
import { inRepo, type Repo, statePaths } from '../../adapters/repo.js'
import {
  commitPaths,
  ignoredPaths,
  revertMessage,
  treeOf,
  treeWithChanges,
} from '../../adapters/rollback-git.js'
import type { KnownState } from '../../adapters/snapshot/capture.js'
import {
  type ChangedDuring,
  diffTrees,
  restoreSnapshot,
  type TreeChange,
} from '../../adapters/snapshot/restore.js'
import { appendableEntry } from '../../core/checkpoint/progress-log.js'
import {
  detectJsonFormat,
  editedJson,
  loadProjectSchemaFor,
  type ProjectDocument,
  parseProjectDocument,
  serializeProjectDocument,
  setProgress,
  stagesOf,
  updateStory,
} from '../../core/project/index.js'
import { rollbackEntry, rollbackSubject, storyAliases } from '../../core/rollback/index.js'
import { captureDuring, type OperationContext } from '../protocol.js'
import type { RecordedRollback } from './after-entry.js'
import { type StartedStateFacts, startStateFacts } from './checklist.js'
import type { StoryRollbackPlan } from './story.js'

/**
 * Writes the revert commits and the `rollback(story-…)` commit from trees, then makes HEAD,
 * index and work tree the last one in one restore: only paths that differ are touched, ignored
 * files in the way are refused before anything changes, and untracked files are carried over
 * into the target work tree so they stay. When an untracked file too large to snapshot stays in
 * the tree, or an ignore rule matches a file the rollback records, the restore stops at the
 * reverts and git stages and commits the files (as `rollBack` in run.ts does).
 */
export async function writeStoryRollback(
  ctx: OperationContext,
  plan: StoryRollbackPlan,
  trees: string[],
  checklist: string[],
): Promise<{
  reverts: string[]
  commit: string
  state: KnownState | undefined
  changedDuring: ChangedDuring[]
  recorded: RecordedRollback
}> {
  const { repo, before } = ctx
  const sign = ctx.settings.signCommits
  const reverts: string[] = []
  for (const [i, c] of plan.commits.entries()) {
    reverts.push(
      await writeCommit(repo, {
        tree: trees[i] as string,
        parents: [reverts.at(-1) ?? plan.head],
        message: revertMessage(c.commit, c.subject),
        sign,
      }),
    )
  }
  const tip = reverts.at(-1) ?? plan.head
  const tipTree = trees.at(-1) ?? (await treeOf(repo, plan.head))
  const scope = `story-${plan.story}`
  const subject = rollbackSubject(scope, plan.reason)
  const { contents, logWith, stateText } = await recordedFiles(ctx, plan, tip, checklist)
  const files = Object.keys(contents)
  const progress = statePaths(repo).progress
  const recordedAs = (
    commit: string,
    known: Pick<RecordedRollback, 'objects' | 'stateFacts'> = {},
  ): RecordedRollback => ({
    commit,
    parent: tip,
    subject,
    log: { file: progress, written: contents[progress] as string },
    logWith,
    ...known,
  })
  const [ignored, uncommitted] = await Promise.all([
    ignoredPaths(repo, files),
    diffTrees(repo, before.indexTree, before.worktreeTree),
  ])
  const restoreTo = async (
    head: string,
    tree: string,
    keep: TreeChange[],
    headMoved?: () => void,
  ) => {
    const worktreeTree = await treeWithChanges(repo, tree, keep)
    // No `git add -N` entries: the plan refused a tree with any (status lists them as unstaged).
    const target = { ...before, head, indexTree: tree, worktreeTree, intentToAdd: [] }
    const restored = await restoreSnapshot(repo, target, before, {
      reflog: subject,
      capture: captureDuring(ctx),
      ...(headMoved ? { headMoved } : {}),
    })
    return { worktreeTree, restored }
  }

  // Untracked files stay; changes to tracked files are set aside (the before-snapshot has them).
  const untracked = new Set(plan.untracked)
  const stays = uncommitted.filter((c) => untracked.has(c.path))
  if (before.skipped.length > 0 || ignored.length > 0) {
    const { restored } = await restoreTo(tip, tipTree, stays)
    for (const file of files) {
      await writeFileAtomic(inRepo(repo, file), contents[file] as string)
    }
    const commit = await commitPaths(repo, files, subject)
    return {
      reverts,
      commit,
      state: undefined,
      changedDuring: restored.changedDuring,
      recorded: recordedAs(commit),
    }
  }
  const blobs = new Map<string, string>()
  const tree = await treeWithContents(repo, tipTree, contents, blobs, ctx.scan)
  const commit = await writeCommit(repo, { tree, parents: [tip], message: subject, sign })
  // The files recorded are committed now, untracked before or not.
  const keep = stays.filter((c) => !Object.hasOwn(contents, c.path))
  let stateFacts: StartedStateFacts | undefined
  const { worktreeTree, restored } = await restoreTo(commit, tree, keep, () => {
    if (stateText !== undefined) stateFacts = startStateFacts(repo, stateText, undefined)
  })
  return {
    reverts,
    commit,
    changedDuring: restored.changedDuring,
    recorded: recordedAs(commit, {
      objects: { tree, logBlob: blobs.get(progress) as string },
      ...(stateFacts ? { stateFacts } : {}),
    }),
    // Something left in place (a file saved meanwhile, a submodule with content) is not the
    // tree: the after-snapshot then scans the work tree.
    state:
      restored.kept.length > 0
        ? undefined
        : {
            head: commit,
            branch: plan.branch,
            indexTree: tree,
            worktreeTree,
            dirty: keep.map((c) => c.path),
            refs: plan.branch === null ? before.refs : { ...before.refs, [plan.branch]: commit },
          },
  }
}

/**
 * The files the rollback records, as the reverts leave them and then updated: the story marked
 * not passing in master-project.json and prd.json (when they are there), and the ROLLBACK entry
 * appended to the progress log.
 */
async function recordedFiles(
  ctx: OperationContext,
  plan: StoryRollbackPlan,
  tip: string,
  checklist: string[],
): Promise<{
  contents: Record<string, string>
  logWith: (checklist: string[]) => string
  /** The state file as the rollback leaves it, when there is one. */
  stateText: string | undefined
}> {
  const state = statePaths(ctx.repo)
  const [stateText, prdText, logText] = await Promise.all(
    [state.project, state.prd, state.progress].map((f) =>
      textAfterReverts(ctx.repo, plan.head, tip, f),
    ),
  )
  const contents: Record<string, string> = {}
  if (stateText !== undefined && plan.stateStory !== null) {
    await loadProjectSchemaFor(stateText) // zod only for a text the plain checks refuse
    const doc = parseProjectDocument(stateText, state.project)
    let next = updateStory(doc, plan.stateStory.stage, plan.stateStory.id, {
      passes: false,
      ...(hasCompletedAt(doc, plan.stateStory) ? { completedAt: null } : {}),
    })
    if (next.data.progress !== undefined) next = setProgress(next)
    contents[state.project] = serializeProjectDocument(next)
  }
  const prd = parsePrd(prdText)
  const value = prd?.value as { userStories?: unknown } | undefined
  if (prd !== undefined && value !== undefined && Array.isArray(value.userStories)) {
    const aliases = storyAliases(plan.story)
    value.userStories = value.userStories.map((s) =>
      isStory(s) && aliases.includes(s.id)
        ? { ...s, passes: false, ...(Object.hasOwn(s, 'completedAt') ? { completedAt: null } : {}) }
        : s,
    )
    contents[state.prd] = editedJson(prd.text, value, detectJsonFormat(prd.text))
  }
  const time = new Date().toISOString()
  const logWith = (lines: string[]) =>
    `${logText ?? ''}${appendableEntry(
      logText,
      rollbackEntry({
        time,
        kind: 'story',
        scope: `story-${plan.story}`,
        target: `revert of ${plan.commits.map((c) => c.commit.slice(0, 10)).join(', ')}`,
        reason: plan.reason,
        mode: 'revert',
        commitBefore: plan.head,
        commitAfter: tip,
        stagesReset: [],
        opId: ctx.opId,
        checklist: lines,
      }),
    )}`
  contents[state.progress] = logWith(checklist)
  return { contents, logWith, stateText: contents[state.project] ?? stateText }
}

/**
 * A file as `git revert` would leave the work tree: as in the reverts' last commit; gone when
 * they remove it; otherwise as on disk (untracked or ignored, which reverts leave alone).
 */
async function textAfterReverts(
  repo: Repo,
  head: string,
  tip: string,
  file: string,
): Promise<string | undefined> {
  const atTip = await readBlobAt(repo, tip, file)
  if (atTip !== undefined) return atTip
  if ((await readBlobAt(repo, head, file)) !== undefined) return undefined
  return readTextIfExists(inRepo(repo, file))
}

const hasCompletedAt = (doc: ProjectDocument, s: { stage: string; id: string }): boolean =>
  stagesOf(doc.data)
    .find((st) => st.id === s.stage)
    ?.stories?.some((story) => story.id === s.id && Object.hasOwn(story, 'completedAt')) === true

export function parsePrd(text: string | undefined): { text: string; value: unknown } | undefined {
  if (text === undefined) return undefined
  try {
    return { text, value: JSON.parse(text.replace(/^\uFEFF/, '')) }
  } catch {
    return undefined
  }
}

const isStory = (s: unknown): s is { id: string } =>
  typeof s === 'object' && s !== null && typeof (s as { id?: unknown }).id === 'string'

export const prdStories = (value: unknown): Array<{ id: string }> => {
  const list = (value as { userStories?: unknown } | null)?.userStories
  return Array.isArray(list) ? list.filter(isStory) : []
}
