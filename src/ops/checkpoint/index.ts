/** Checkpoints and the stage lifecycle, as the library exports them. */

export { inferCheckpoints, parseCommitMessage } from '../../core/checkpoint/infer.js'
export type { CheckpointMeta } from '../../core/checkpoint/metadata.js'
export { type CheckpointKind, checkpointName } from '../../core/checkpoint/names.js'
export { renderTimeline, type Timeline } from '../../core/checkpoint/timeline.js'
export type { Checkpoint } from '../../core/checkpoint/types.js'
export { type CreateCheckpointReport, createCheckpoint } from './create.js'
export { type DeleteCheckpointReport, deleteCheckpoint } from './delete.js'
export { type InitReport, initProject } from './init.js'
export { listCheckpoints, resolveCheckpoint } from './list.js'
export { completePhase, type PhaseCompleteReport } from './phase-complete.js'
export {
  type CheckpointDetails,
  type CheckpointDiff,
  diffCheckpoints,
  showCheckpoint,
} from './show.js'
export { completeStage, type StageCompleteReport } from './stage-complete.js'
export { type StageStartReport, startStage } from './stage-start.js'
export { type PullReport, type PushReport, pullCheckpoints, pushCheckpoints } from './sync.js'
export { projectTimeline } from './timeline.js'
