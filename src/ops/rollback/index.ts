/** Rollbacks (stage, phase, project, any checkpoint, story), as the library exports them. */
export type { AfterReport } from './after.js'
export type { RollbackPlan } from './plan.js'
export type { RollbackOptions, RollbackOutcome, RollbackReport } from './run.js'
export { rollbackPhase, rollbackProject, rollbackStage, rollbackTo } from './scopes.js'
export {
  rollbackStory,
  type StoryRollbackOutcome,
  type StoryRollbackPlan,
  type StoryRollbackReport,
} from './story.js'
export type { RollbackTarget } from './target.js'
