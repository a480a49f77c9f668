import { readCheckpointTags } from '../../adapters/checkpoint-tags.js'
import { git, splitZ } from '../../adapters/git.js'
import type { Repo } from '../../adapters/repo.js'
import { changedPaths, commitMessages, headCommits } from '../../adapters/rollback-git.js'
import { checkpointFromTag } from '../../core/checkpoint/collect.js'
import {
  CHECKPOINT_TAG_PREFIX,
  stageCompleteName,
  stageStartName,
} from '../../core/checkpoint/names.js'
import type { Checkpoint } from '../../core/checkpoint/types.js'
import {
  candidateCheckpoints,
  explicitlyInferred,
  type GitFacts,
  type InferredCandidate,
  implicitCompletion,
  stateNeeds,
} from '../../core/diagnose/consistency.js'
import {
  currentStage,
  type ProjectFile,
  type Stage,
  stageNumber,
} from '../../core/project/index.js'
import { listCheckpoints } from '../checkpoint/list.js'
import { branchWalk, type WalkAhead, type WalkedCommit } from './branch-walk.js'

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

/**
 * What `stateProblems` needs of git for this state file, read at a cost that follows what it
 * checks (ARCHITECTURE.md §18), with the same problems as the whole read (`readRepoFacts`):
 * - Stage checks: the tags of the names it looks for, and which of them HEAD reaches
 *   (`for-each-ref --merged=HEAD`: no commit printed). A tag keeps its name in the whole list
 *   and an inferred checkpoint of that name is dropped for it, so when a name has a tag, the
 *   whole list's checkpoints of that name are that tag alone: "found on HEAD" is "HEAD reaches
 *   the tag", and "elsewhere" is the tag's commit. When a name has no tag, the answer rests on
 *   an inferred checkpoint: from the explicit stage markers of every branch when each such name
 *   has one (`explicitlyInferred`, found by a `--grep` walk), else from the whole checkpoint
 *   list (a stage's completion inferred from its last commit depends on all its commits); HEAD's
 *   history is then read for membership.
 * - Story checks only when a story passes: HEAD's messages that can matter, filtered by git
 *   (`--grep`, fixed strings, case-insensitive, any line): those holding a passing story's id
 *   or "This reverts commit". Every commit the check counts names the story in its first line
 *   and every revert it counts says "This reverts commit <id>", so the filtered list holds
 *   all of them; the check then applies its own exact tests to it. Ids that are not plain ASCII
 *   (git and JavaScript may fold their case differently) read every message.
 * A state file with no stage or story to check reads nothing. `ahead`: the walk of a commit the
 * branches were since built on, read before (src/ops/diagnose/branch-walk.ts).
 */
export async function readStateFacts(
  repo: Repo,
  project: ProjectFile,
  ahead?: WalkAhead,
): Promise<GitFacts> {
  const whole = () => readRepoFacts(repo, project)
  // Internal, for tests that compare the two reads: always read the whole history.
  if (process.env.CPO_INTERNAL_WHOLE_HISTORY === '1') return whole()
  const needs = stateNeeds(project)
  const [tags, history] = await Promise.all([
    namedTags(repo, needs.checkpoints),
    storyCommits(repo, needs.stories),
  ])
  if (tags === undefined) return inferredFacts(repo, project, needs.checkpoints, history, ahead)
  const checkpoints = tags.tags.map((t) => checkpointFromTag({ ...t, date: '', contents: '' }))
  return { inHistory: tags.onHead, checkpoints, history }
}

/**
 * The facts when a name the check looks for has no tag: every checkpoint tag and one walk of
 * every branch (`log --branches --date-order --reverse`, subjects and parents, no `--source`),
 * read side by side with HEAD's commit. That one walk answers all three questions the check
 * asks of history (ARCHITECTURE.md §18, "The state check reads what it checks"):
 * - the explicit stage markers and the stories that name no stage, in the whole log's order
 *   (`explicitlyInferred` parses each subject, so a commit it ignores changes nothing);
 * - for a done stage no commit marks complete, its last work or story commit: the newest commit
 *   whose subject parses to work of that stage (`implicitCompletion` on the walk reversed);
 * - membership in HEAD's history: the walk holds every ancestor of every branch, so when it
 *   holds HEAD's commit it holds all of HEAD's history, found by following parents in-process;
 *   a HEAD outside it (detached on commits no branch has) is asked of `rev-list HEAD`.
 * The whole checkpoint list is read when `explicitlyInferred` says a name needs it.
 */
async function inferredFacts(
  repo: Repo,
  project: ProjectFile,
  names: readonly string[],
  history: GitFacts['history'],
  ahead: WalkAhead | undefined,
): Promise<GitFacts> {
  const [walk, tagRecords, head] = await Promise.all([
    branchWalk(repo, ahead),
    readCheckpointTags(repo),
    git(repo.root, ['rev-parse', '-q', '--verify', 'HEAD^{commit}'], { okCodes: [1, 128] }),
  ])
  const inHistory =
    ancestorsIn(walk, head.stdout.trim()) ??
    new Set((await git(repo.root, ['rev-list', 'HEAD', '--'])).stdout.split('\n').filter(Boolean))
  const tags = tagRecords.map(checkpointFromTag)
  const tagged = new Set(tags.map((t) => t.name))
  const found = explicitlyInferred(
    walk,
    names.filter((n) => !tagged.has(n)),
  )
  if (found === undefined) {
    const checkpoints = await listCheckpoints(repo, { project: Promise.resolve(project) })
    return { inHistory, checkpoints, history }
  }
  const newestFirst = found.lastCommitOf.length === 0 ? [] : [...walk].reverse()
  const implicit = found.lastCommitOf.map(
    (n) => [stageCompleteName(n), implicitCompletion(newestFirst, n)] as const,
  )
  const candidates = [
    ...found.found,
    ...implicit.flatMap(([name, c]) =>
      c === null ? [] : [[name, c] as [string, InferredCandidate]],
    ),
  ]
  return { inHistory, checkpoints: [...tags, ...candidateCheckpoints(candidates, tags)], history }
}

/**
 * `head` and every commit it reaches, when `walk` holds `head` (a walk from branch tips holds
 * every ancestor of each commit in it); undefined otherwise. One pass, newest first: the walk is
 * in `--date-order` (reversed), which shows no parent before all of its children, so a commit
 * is reached before its parents are looked at, and nothing newer than `head` can be reached.
 */
function ancestorsIn(walk: readonly WalkedCommit[], head: string): Set<string> | undefined {
  let at = walk.length - 1
  while (at >= 0 && walk[at]?.commit !== head) at--
  if (head === '' || at < 0) return undefined
  const seen = new Set([head])
  for (; at >= 0; at--) {
    const c = walk[at] as WalkedCommit
    if (seen.has(c.commit)) for (const p of c.parents) seen.add(p)
  }
  return seen
}

const PLAIN_NAME = /^[A-Za-z0-9._-]+$/

/** Whether the state check of `project` reads the branch walk: a name it checks has no tag. */
export function stateCheckWalks(project: ProjectFile, tagged: ReadonlySet<string>): boolean {
  return stateNeeds(project).checkpoints.some((n) => !PLAIN_NAME.test(n) || !tagged.has(n))
}

const TAG_FORMAT =
  '--format=%(refname)%00%(*objectname)%(if)%(*objectname)%(then)%(else)%(objectname)%(end)'

/**
 * The tags of `names` and the commits of those HEAD reaches (two `for-each-ref`, side by
 * side), or undefined when a name has no tag.
 */
async function namedTags(
  repo: Repo,
  names: readonly string[],
): Promise<{ tags: Array<{ ref: string; commit: string }>; onHead: Set<string> } | undefined> {
  if (names.length === 0) return { tags: [], onHead: new Set() }
  if (!names.every((n) => PLAIN_NAME.test(n))) return undefined
  const refs = new Set(names.map((n) => `${CHECKPOINT_TAG_PREFIX}${n}`))
  const read = async (extra: string[]) => {
    const r = await git(repo.root, ['for-each-ref', ...extra, TAG_FORMAT, ...refs], {
      okCodes: [0, 128, 129],
    })
    if (r.code !== 0) return undefined // no HEAD yet: the whole read says what is missing
    return r.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [ref = '', commit = ''] = line.split('\0')
        return { ref, commit }
      })
      .filter((t) => refs.has(t.ref)) // a pattern also matches refs below it (`name/x`)
  }
  const [tags, merged] = await Promise.all([read([]), read(['--merged=HEAD'])])
  if (tags === undefined || merged === undefined) return undefined
  if (new Set(tags.map((t) => t.ref)).size !== refs.size) return undefined
  return { tags, onHead: new Set(merged.map((t) => t.commit)) }
}

/** HEAD's messages that name one of `ids` or revert a commit, newest first (see above). */
async function storyCommits(
  repo: Repo,
  ids: readonly string[],
): Promise<Array<{ commit: string; subject: string }>> {
  if (ids.length === 0) return []
  if (!ids.every((id) => /^[\x20-\x7e]+$/.test(id))) return headCommits(repo)
  const { stdout } = await git(repo.root, [
    'log',
    '-z',
    '--no-merges',
    '--format=%H%x00%B',
    '--fixed-strings',
    '--regexp-ignore-case',
    ...ids.map((id) => `--grep=${id}`),
    '--grep=This reverts commit',
    'HEAD',
    '--',
  ])
  return commitMessages(stdout) // parsed as `headCommits` parses the whole log
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
