import { parseCommitMessage } from '../checkpoint/infer.js'
import { stageCompleteName, stageStartName } from '../checkpoint/names.js'
import type { Checkpoint } from '../checkpoint/types.js'
import { isStageCompleted, type ProjectFile, stageNumber, stagesOf } from '../project/index.js'
import { namesStory, storyAliases } from '../rollback/story-commits.js'

/** What git says, read once: HEAD's history and every checkpoint (tags and inferred). */
export interface GitFacts {
  /** Commits reachable from HEAD. */
  inHistory: ReadonlySet<string>
  checkpoints: readonly Checkpoint[]
  /** HEAD's history with full messages, newest first. */
  history: ReadonlyArray<{ commit: string; subject: string }>
}

export type StateProblemKind =
  | 'done-without-checkpoint'
  | 'in-progress-without-start'
  | 'story-reverted'

export interface StateProblem {
  kind: StateProblemKind
  stage: string
  story?: string
  message: string
}

const inHistory = (facts: GitFacts, name: string): Checkpoint | undefined =>
  facts.checkpoints.find((c) => c.name === name && facts.inHistory.has(c.commit))

/**
 * Where `master-project.json` and git disagree (README.md, "cpo check"): a stage marked done
 * whose `stage-N-complete` checkpoint is not in HEAD's history (someone reset past it), a stage
 * in progress whose `stage-N-start` is not there, a story marked passing whose every commit on
 * HEAD's history was reverted.
 */
export function stateProblems(project: ProjectFile, facts: GitFacts): StateProblem[] {
  const problems: StateProblem[] = []
  const reverted = revertedCommits(facts)
  for (const stage of stagesOf(project)) {
    const n = stageNumber(stage.id)
    if (n === undefined) continue
    if (isStageCompleted(stage) && !inHistory(facts, stageCompleteName(n))) {
      const elsewhere = facts.checkpoints.find((c) => c.name === stageCompleteName(n))
      problems.push({
        kind: 'done-without-checkpoint',
        stage: stage.id,
        message: `stage ${stage.id} is ${stage.status} but checkpoint/${stageCompleteName(n)} ${
          elsewhere
            ? `(${elsewhere.commit.slice(0, 10)}) is not in HEAD's history`
            : 'does not exist'
        }`,
      })
      continue
    }
    if (stage.status === 'in_progress' && !inHistory(facts, stageStartName(n))) {
      problems.push({
        kind: 'in-progress-without-start',
        stage: stage.id,
        message: `stage ${stage.id} is in_progress but checkpoint/${stageStartName(n)} is not in HEAD's history`,
      })
      continue
    }
    for (const story of stage.stories ?? []) {
      if (story.passes !== true) continue
      const ids = storyAliases(story.id)
      const commits = facts.history.filter(
        (c) =>
          !/^(Revert "|checkpoint:|rollback\()/i.test(c.subject) &&
          ids.some((id) => namesStory(c.subject.split('\n')[0] ?? '', id)),
      )
      if (commits.length > 0 && commits.every((c) => reverted.has(c.commit))) {
        problems.push({
          kind: 'story-reverted',
          stage: stage.id,
          story: story.id,
          message: `story ${story.id} is marked passing but its commit(s) ${commits
            .map((c) => c.commit.slice(0, 10))
            .join(', ')} were reverted`,
        })
      }
    }
  }
  return problems
}

function revertedCommits(facts: GitFacts): Set<string> {
  return new Set(
    facts.history.flatMap((c) =>
      [...c.subject.matchAll(/This reverts commit ([0-9a-f]{40})/g)].flatMap((m) => m[1] ?? []),
    ),
  )
}

/**
 * What `stateProblems` asks of git for this state file, so a caller can read only that
 * (ARCHITECTURE.md §18): the checkpoint names it looks for on HEAD's history (a done stage's
 * `stage-N-complete`, an in-progress stage's `stage-N-start`) and the ids of the passing
 * stories it looks for in HEAD's messages (with their aliases).
 */
export interface StateNeeds {
  checkpoints: string[]
  stories: string[]
}

export function stateNeeds(project: ProjectFile): StateNeeds {
  const checkpoints: string[] = []
  const stories: string[] = []
  for (const stage of stagesOf(project)) {
    const n = stageNumber(stage.id)
    if (n === undefined) continue
    if (isStageCompleted(stage)) checkpoints.push(stageCompleteName(n))
    else if (stage.status === 'in_progress') checkpoints.push(stageStartName(n))
    for (const story of stage.stories ?? []) {
      if (story.passes === true) stories.push(...storyAliases(story.id))
    }
  }
  return { checkpoints, stories: [...new Set(stories)] }
}

/** A commit as the marker walk reads it: committer time in seconds, subject. */
export interface MarkedCommit {
  commit: string
  time: number
  subject: string
}

const fromSeconds = (t: number): string => new Date(t * 1000).toISOString()

/**
 * The inferred checkpoints of `names` (stage starts and completions no tag has), as the whole
 * checkpoint list has them, from `marked`: every branch's commits whose message can carry an
 * explicit stage marker (`checkpoint: before|after stage N`, `merge: stage N`, `Merge branch
 * '…stage-N…'`) or a story that names no stage, oldest first in the whole log's order. Returns
 * the checkpoints, and the completions that need their stage's last commit; undefined when the
 * whole history is needed.
 *
 * Why it is exact: an explicit marker names its stage in its own subject; the newest of a name
 * keeps it (the last in log order among the newest, as `uniqueNames` in
 * src/core/checkpoint/infer.ts); it is dropped for a tag of the same kind, commit and stage.
 * A done stage with no explicit completion gets one on its last work commit: `lastWork` gives
 * that commit (see `implicitCompletion`) — unless a story commit names no stage (its stage
 * comes from its branch or earlier commits): then the whole history. A stage start with no
 * explicit marker is the parent of the stage's first commit: the whole history, too.
 */
export function explicitlyInferred(
  marked: readonly MarkedCommit[],
  names: readonly string[],
): { found: Map<string, InferredCandidate>; lastCommitOf: string[] } | undefined {
  const wanted = new Set(names)
  const found = new Map<string, InferredCandidate>()
  let contextual = false
  for (const c of marked) {
    const m = parseCommitMessage(c.subject)
    if (m === undefined) continue
    if (m.stageNumber === null) {
      if (m.kind === 'story') contextual = true
      else return undefined
      continue
    }
    if (m.kind !== 'stage-start' && m.kind !== 'stage-complete') continue
    const name =
      m.kind === 'stage-start' ? stageStartName(m.stageNumber) : stageCompleteName(m.stageNumber)
    if (!wanted.has(name)) continue
    const seen = found.get(name)
    if (seen === undefined || c.time >= seen.c.time) {
      found.set(name, { c, kind: m.kind, stage: m.stageNumber })
    }
  }
  const lastCommitOf: string[] = []
  for (const name of wanted) {
    if (found.has(name)) continue
    const complete = /^stage-(.+)-complete$/.exec(name)?.[1]
    if (complete === undefined || contextual) return undefined
    lastCommitOf.push(complete)
  }
  return { found, lastCommitOf }
}

export interface InferredCandidate {
  c: MarkedCommit
  kind: 'stage-start' | 'stage-complete'
  stage: string
}

/**
 * A done stage's completion when no commit marks it: its last work or story commit in log
 * order. `commits` newest first, every branch, a superset of the commits that name the stage
 * (`(stage-N)`, `(SN-US-…)`); the first that parses to work of that stage is the one.
 */
export function implicitCompletion(
  commits: readonly MarkedCommit[],
  stage: string,
): InferredCandidate | null {
  for (const c of commits) {
    const m = parseCommitMessage(c.subject)
    if (m === undefined || m.stageNumber !== stage) continue
    if (m.kind === 'story' || m.kind === 'stage-work') return { c, kind: 'stage-complete', stage }
  }
  return null
}

/** The checkpoints of the candidates, each left out when a tag stands for it (same kind, commit, stage). */
export function candidateCheckpoints(
  candidates: Iterable<[string, InferredCandidate]>,
  tags: readonly Checkpoint[],
): Checkpoint[] {
  const out: Checkpoint[] = []
  for (const [name, w] of candidates) {
    const replaced = tags.some(
      (t) => t.kind === w.kind && t.commit === w.c.commit && t.stage?.number === w.stage,
    )
    if (replaced) continue // the tag stands for it under its own name: this name is absent
    out.push({
      name,
      ref: null,
      kind: w.kind,
      inferred: true,
      stage: { number: w.stage, id: null, name: null },
      phase: null,
      time: fromSeconds(w.c.time),
      commit: w.c.commit,
      branch: null,
      message: w.c.subject,
      snapshot: null,
    })
  }
  return out
}
