import {
  findStage,
  findStory,
  type ProjectDocument,
  setProgress,
  updateStory,
} from '../project/index.js'
import { mergeRollbackState } from '../rollback/state-merge.js'
import type { StateProblem } from './consistency.js'

export interface StateRepair {
  doc: ProjectDocument
  stages: Array<{ id: string; from: string; to: string }>
  stories: Array<{ id: string; stage: string; from: boolean; to: boolean }>
  epics: Array<{ id: string; from: string; to: string }>
}

/**
 * The state file that agrees with git: a stage whose checkpoints are not in HEAD's history
 * becomes pending exactly as `cpo rollback stage` would leave it (stories not passing, times
 * cleared, epic and counters derived again, `currentStage` cleared when it named it); a story
 * whose commits were reverted stops passing. Everything else stays as it is.
 */
export function repairState(doc: ProjectDocument, problems: readonly StateProblem[]): StateRepair {
  const reset = new Set(problems.filter((p) => p.kind !== 'story-reverted').map((p) => p.stage))
  const merged = mergeRollbackState(doc, doc.data, reset)
  let next = merged.doc
  const stories = [...merged.stories]
  for (const p of problems) {
    if (p.kind !== 'story-reverted' || p.story === undefined) continue
    const story = findStory(findStage(next.data, p.stage), p.story)
    next = updateStory(next, p.stage, p.story, {
      passes: false,
      ...(Object.hasOwn(story, 'completedAt') ? { completedAt: null } : {}),
    })
    stories.push({ id: p.story, stage: p.stage, from: true, to: false })
  }
  if (next.data.progress !== undefined) next = setProgress(next)
  return { doc: next, stages: merged.stages, stories, epics: merged.epics }
}
