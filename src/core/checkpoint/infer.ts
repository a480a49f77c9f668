import { stageNumber } from '../project/queries.js'
import { type CheckpointKind, stageCompleteName, stageStartName } from './names.js'
import type { Checkpoint, LogCommit } from './types.js'

/** What one commit message says about stages and stories. */
export interface CommitMarker {
  kind: Extract<CheckpointKind, 'stage-start' | 'stage-complete' | 'stage-work' | 'story'>
  stageNumber: string | null
  stageName: string | null
  story: string | null
}

const NUM = '(\\d+(?:\\.\\d+)*)'
const DASH = '\\s*[-–—:]\\s*'
const BEFORE = new RegExp(`^checkpoint:\\s*before\\s+stage\\s+S?${NUM}(?:${DASH}(.*))?$`, 'i')
const AFTER = new RegExp(`^checkpoint:\\s*after\\s+stage\\s+S?${NUM}(?:${DASH}(.*))?$`, 'i')
const MERGE = new RegExp(`^merge:\\s*stage\\s+S?${NUM}\\b(?:${DASH}(.*))?`, 'i')
const MERGE_BRANCH = new RegExp(`^Merge branch '(?:[^']*/)?stage-${NUM}(?:-[^']*)?'`, 'i')
const STAGE_WORK = new RegExp(`^(?:feat|fix)\\(stage-${NUM}\\)!?:\\s*(.*)$`, 'i')
const STAGE_STORY = new RegExp(`^\\w+\\((S${NUM}-US-\\d+)\\)!?:\\s*(.*)$`, 'i')
const BARE_STORY = new RegExp(`^\\w+:\\s*(US-\\d+)${DASH}(.*)$`, 'i')
const BRANCH_STAGE = new RegExp(`stage-${NUM}(?:-|$)`, 'i')

// Stage numbers repeat across thousands of commits: each distinct one is normalised once.
const normalised = new Map<string, string | null>()
const norm = (n: string | undefined): string | null => {
  if (n === undefined) return null
  let out = normalised.get(n)
  if (out === undefined) {
    out = stageNumber(n) ?? null
    normalised.set(n, out)
  }
  return out
}
const text = (s: string | undefined): string | null =>
  s === undefined || s.trim() === '' ? null : s.trim()

/** Reads the commit-message conventions of the CPO workflow (ARCHITECTURE.md §6). */
export function parseCommitMessage(subject: string): CommitMarker | undefined {
  const s = subject.trim()
  let m = BEFORE.exec(s)
  if (m) return { kind: 'stage-start', stageNumber: norm(m[1]), stageName: text(m[2]), story: null }
  m = AFTER.exec(s) ?? MERGE.exec(s)
  if (m)
    return { kind: 'stage-complete', stageNumber: norm(m[1]), stageName: text(m[2]), story: null }
  m = MERGE_BRANCH.exec(s)
  if (m) return { kind: 'stage-complete', stageNumber: norm(m[1]), stageName: null, story: null }
  m = STAGE_WORK.exec(s)
  if (m) return { kind: 'stage-work', stageNumber: norm(m[1]), stageName: null, story: null }
  m = STAGE_STORY.exec(s)
  if (m) return { kind: 'story', stageNumber: norm(m[2]), stageName: null, story: m[1] ?? null }
  m = BARE_STORY.exec(s)
  if (m) return { kind: 'story', stageNumber: null, stageName: null, story: m[1] ?? null }
  return undefined
}

const branchOf = (source: string | null): string | null =>
  source?.startsWith('refs/heads/') ? source : null

const short = (commit: string): string => commit.slice(0, 7)

/**
 * Checkpoints read from commit messages, for repositories whose tags are missing (the usual
 * case). `commits` oldest first. A story commit without a stage (`feat: US-001 - …`) belongs to
 * the stage its branch is named after (`feature/stage-3-…`), else to the last stage named by an
 * earlier commit. A stage's start without a `checkpoint: before` commit is the parent of its first
 * commit; its completion without a merge or `after` commit is its last commit, but only for
 * stages the project file says are done (`doneStages`, stage numbers).
 */
export function inferCheckpoints(
  commits: readonly LogCommit[],
  doneStages: ReadonlySet<string> = new Set(),
): Checkpoint[] {
  const byCommit = new Map(commits.map((c) => [c.commit, c]))
  const found: Checkpoint[] = []
  const firstWork = new Map<string, LogCommit>()
  const lastWork = new Map<string, LogCommit>()
  const hasStart = new Set<string>()
  const hasComplete = new Set<string>()
  // The stage the history was last about, for story commits that do not name theirs.
  let lastStarted: string | null = null

  for (const c of commits) {
    const marker = parseCommitMessage(c.subject)
    if (!marker) continue
    const branch = branchOf(c.source)
    const stageNo: string | null =
      marker.stageNumber ??
      norm(branch === null ? undefined : BRANCH_STAGE.exec(branch)?.[1]) ??
      lastStarted
    if (stageNo !== null) lastStarted = stageNo
    const stage = stageNo === null ? null : { number: stageNo, id: null, name: marker.stageName }
    const base = { ref: null, inferred: true, stage, phase: null, time: c.time, commit: c.commit }
    const rest = { branch, message: c.subject, snapshot: null }
    if (marker.kind === 'stage-start' && stageNo !== null) {
      hasStart.add(stageNo)
      found.push({ name: stageStartName(stageNo), kind: 'stage-start', ...base, ...rest })
    } else if (marker.kind === 'stage-complete' && stageNo !== null) {
      hasComplete.add(stageNo)
      found.push({ name: stageCompleteName(stageNo), kind: 'stage-complete', ...base, ...rest })
    } else {
      if (stageNo !== null) {
        if (!firstWork.has(stageNo)) firstWork.set(stageNo, c)
        lastWork.set(stageNo, c)
      }
      const name =
        marker.kind === 'story'
          ? storyName(marker.story ?? 'story', stageNo, c)
          : `stage-${stageNo}-work-${short(c.commit)}`
      found.push({ name, kind: marker.kind, ...base, ...rest })
    }
  }

  for (const [stageNo, first] of firstWork) {
    const parent = first.parents[0] === undefined ? undefined : byCommit.get(first.parents[0])
    if (!hasStart.has(stageNo) && parent !== undefined) {
      found.push({
        name: stageStartName(stageNo),
        ref: null,
        kind: 'stage-start',
        inferred: true,
        stage: { number: stageNo, id: null, name: null },
        phase: null,
        time: parent.time,
        commit: parent.commit,
        branch: branchOf(parent.source),
        message: `before the first stage ${stageNo} commit: ${first.subject}`,
        snapshot: null,
      })
    }
    const last = lastWork.get(stageNo)
    if (!hasComplete.has(stageNo) && doneStages.has(stageNo) && last !== undefined) {
      found.push({
        name: stageCompleteName(stageNo),
        ref: null,
        kind: 'stage-complete',
        inferred: true,
        stage: { number: stageNo, id: null, name: null },
        phase: null,
        time: last.time,
        commit: last.commit,
        branch: branchOf(last.source),
        message: `last stage ${stageNo} commit: ${last.subject}`,
        snapshot: null,
      })
    }
  }
  return uniqueNames(found)
}

/**
 * Whether inferring from `commits` alone could differ from inferring from the whole history: a
 * story commit that names no stage, on a branch that names none either, belongs to the stage an
 * earlier commit named, which may come before the first of `commits`.
 */
export function needsEarlierHistory(commits: readonly LogCommit[]): boolean {
  return commits.some((c) => {
    const marker = parseCommitMessage(c.subject)
    if (!marker || marker.stageNumber !== null) return false
    const branch = branchOf(c.source)
    return norm(branch === null ? undefined : BRANCH_STAGE.exec(branch)?.[1]) === null
  })
}

function storyName(story: string, stageNo: string | null, c: LogCommit): string {
  if (/^S\d/i.test(story)) return story
  return stageNo === null ? `${story}-${short(c.commit)}` : `S${stageNo}-${story}`
}

/**
 * A name used twice (a story retried, a stage started again after a rollback) stays with the
 * newest checkpoint; the older ones get their commit appended so every name finds one point.
 */
function uniqueNames(list: Checkpoint[]): Checkpoint[] {
  const newest = new Map<string, Checkpoint>()
  for (const c of list) {
    const seen = newest.get(c.name)
    if (seen === undefined || c.time >= seen.time) newest.set(c.name, c)
  }
  return list.map((c) =>
    newest.get(c.name) === c ? c : { ...c, name: `${c.name}-${short(c.commit)}` },
  )
}
