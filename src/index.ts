/**
 * The library API: everything the CLI does, callable from code. Functions take a `Repo` (from
 * `openRepo`) and return plain data; errors are `CpoError`s with a stable `code`.
 */
export { FAILPOINTS, type Failpoint, OPERATION_FAILPOINTS } from './adapters/failpoint.js'
export { type LockOwner, readLockOwner } from './adapters/lock.js'
export { baseUrlFor, HttpClient, tokenFrom } from './adapters/platforms/http.js'
export { openPlatform, PLATFORMS } from './adapters/platforms/index.js'
// Deployments (README.md, "Deployments"): the platform interface and the deploy use cases.
export type {
  Deployment,
  DeploymentConfig,
  EnvVar,
  EnvVarStore,
  JobResult,
  Pitfall,
  Platform,
  PlatformContext,
  PlatformModule,
  PlatformName,
} from './adapters/platforms/types.js'
export { openRepo, type Repo, type StatePaths, statePaths } from './adapters/repo.js'
export { captureSnapshot } from './adapters/snapshot/capture.js'
export { getSnapshot, listSnapshots } from './adapters/snapshot/store.js'
export type { SkippedFile, Snapshot, SnapshotMeta } from './adapters/snapshot/types.js'
export { openStore } from './adapters/storage/open.js'
export type { BackupStore } from './adapters/storage/types.js'
export type { Operation, OperationStatus } from './core/journal.js'
export * from './core/project/index.js'
// The library validates state updates synchronously: its schema is loaded (and registered) here.
export { projectFileSchema } from './core/project/schema.js'
export { classify, parseDotenv, REDACTED, redactEnv } from './core/redact/index.js'
export { describePolicy, parsePolicy, planRetention } from './core/retention/index.js'
export { CpoError, EXIT, isCpoError } from './errors.js'
export { createBackup } from './ops/backup/create.js'
export { listBackups } from './ops/backup/list.js'
export { setPinned } from './ops/backup/pin.js'
export { pruneBackups } from './ops/backup/prune.js'
export {
  previewBackupRestore,
  type RestoreBackupPreview,
  restoreBackup,
} from './ops/backup/restore.js'
export {
  previewRestoreFromGit,
  type RestoreFromGitPreview,
  restoreFromGit,
} from './ops/backup/restore-git.js'
export { chooseStore, defaultStoreRoot, rootCommit } from './ops/backup/store-location.js'
export { verifyBackup } from './ops/backup/verify.js'
export * from './ops/checkpoint/index.js'
export {
  type RebuildSidecarsReport,
  rebuildSidecars,
  type SidecarRebuild,
} from './ops/checkpoint/rebuild-sidecars.js'
export { type ConfigFile, readConfigFile } from './ops/config-file.js'
export { readDeploymentConfig } from './ops/deploy/config.js'
export { deployStatus, listDeployments } from './ops/deploy/list.js'
export { promoteDeployment } from './ops/deploy/promote.js'
export { publishLocal } from './ops/deploy/publish.js'
export { recordDeployment } from './ops/deploy/record.js'
export { rollbackDeploy } from './ops/deploy/rollback.js'
export { operationLog } from './ops/log.js'
export { openProjectRepo, type ProjectFileOption } from './ops/open-repo.js'
export { PROGRESS_FILE, PROJECT_FILE, readProjectDocument } from './ops/project-file.js'
export { type RecoverPreview, type RecoverReport, recover } from './ops/recover.js'
export {
  type RestoreReport,
  restoreSnapshotOperation,
  type SnapshotRestorePreview,
} from './ops/restore.js'
export * from './ops/rollback/index.js'
export { createSnapshot, snapshotList } from './ops/snapshot.js'
// The CPO workflow's marks: skip a stage, pass or fail a story.
export { type StageSkipPlan, type StageSkipReport, skipStage } from './ops/stage-skip.js'
export { type RepoStatus, repoStatus } from './ops/status.js'
export { markStory, type StoryMarkPlan, type StoryMarkReport } from './ops/story-mark.js'
export { type UndoReport, undoOperation } from './ops/undo.js'
export { VERSION } from './version.js'
