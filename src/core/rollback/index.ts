export { currentStageForRollback, lastStageRollback } from './current-stage.js'
export { stagesWithDiscardedWork, withDependents } from './discarded.js'
export {
  type DependencyPlan,
  dependencyPlan,
  installCommand,
  installFor,
  isLockfile,
  isLoopFile,
  isLoopFileIn,
  isMigration,
  type PackageManager,
  packageManagerOf,
} from './files.js'
export { checkPhase, checkReason, checkStageRef, checkStoryId } from './inputs.js'
export {
  type RollbackEntryInput,
  type RollbackKind,
  rollbackEntry,
  rollbackSubject,
} from './log-entry.js'
export { chooseMode, type RollbackMode } from './mode.js'
export { type MergeResult, mergeRollbackState } from './state-merge.js'
export { namesStory, storyAliases } from './story-commits.js'
