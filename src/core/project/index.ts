export {
  type CurrentStageShape,
  DEFAULT_PROJECT_FILE_NAME,
  editedJson,
  loadProjectSchema,
  loadProjectSchemaFor,
  type Patch,
  type ProjectDocument,
  parseProjectDocument,
  patchProjectFile,
  projectSchemaProblems,
  type SchemaProblem,
  serializeProjectDocument,
  setCurrentPhase,
  setCurrentStage,
  setProgress,
  updateEpic,
  updateStage,
  updateStory,
} from './document.js'
export {
  DEFAULT_JSON_FORMAT,
  detectJsonFormat,
  type JsonFormat,
  renderJson,
} from './json-format.js'
export { toJsonPath } from './json-path.js'
export { type JsonSyntaxProblem, lineColumnAt, locateJsonSyntaxError } from './json-syntax-error.js'
export {
  currentStage,
  currentStageId,
  dependenciesDone,
  dependenciesOf,
  dependentsOf,
  deriveEpicStatus,
  epicsOf,
  findEpic,
  findStage,
  findStory,
  isStageCompleted,
  isStageDone,
  isStagePending,
  isStoryCompleted,
  openStages,
  PHASE_NAMES,
  type PhaseSource,
  type ProgressCounters,
  phaseFromProgress,
  phaseName,
  progressPhaseWord,
  projectPhase,
  recomputeProgress,
  STAGE_COMPLETED_STATUSES,
  STAGE_DONE_STATUSES,
  stageNumber,
  stagesOf,
  stagesOfEpic,
  unmetDependencies,
} from './queries.js'
// Types only from schema.ts: its value (projectFileSchema) loads zod, so it is imported from
// schema.js where it is needed, or loaded with loadProjectSchema (ARCHITECTURE.md §30).
export type {
  CurrentStageValue,
  Epic,
  FeedbackLoop,
  Progress,
  ProjectFile,
  Stage,
  Story,
} from './schema.js'
export {
  KNOWN_EPIC_STATUSES,
  KNOWN_PROJECT_STATUSES,
  KNOWN_STAGE_STATUSES,
  type KnownEpicStatus,
  type KnownProjectStatus,
  type KnownStageStatus,
} from './statuses.js'
export { type ProjectWarning, projectWarnings } from './warnings.js'
