import { readTextIfExists } from '../../adapters/fs.js'
import { inRepo, type Repo, statePaths } from '../../adapters/repo.js'
import { type RollbackOptions, type RollbackOutcome, runRollback } from './run.js'
import { checkpointTarget, phaseTarget, projectTarget, stageTarget } from './target.js'

/** `cpo rollback stage [N]`: back to `checkpoint/stage-N-start` (tag, else inferred). */
export function rollbackStage(
  repo: Repo,
  stage: string | undefined,
  options: RollbackOptions = {},
): Promise<RollbackOutcome> {
  return runRollback(
    repo,
    'rollback stage',
    stage === undefined ? [] : [stage],
    async (r, doc, list) =>
      stageTarget(
        doc.data,
        stage,
        list,
        // With no stage named, the last rollback in the log may say which one is meant.
        stage === undefined ? await readTextIfExists(inRepo(r, statePaths(r).progress)) : undefined,
      ),
    options,
  )
}

/** `cpo rollback phase [N]`: back to `checkpoint/phase-N-complete`. */
export function rollbackPhase(
  repo: Repo,
  phase: string | undefined,
  options: RollbackOptions = {},
): Promise<RollbackOutcome> {
  return runRollback(
    repo,
    'rollback phase',
    phase === undefined ? [] : [phase],
    (_r, doc, list) => phaseTarget(doc.data, phase, list),
    options,
  )
}

/** `cpo rollback project`: back to the end of planning, or to the project's first commit. */
export function rollbackProject(
  repo: Repo,
  options: RollbackOptions = {},
): Promise<RollbackOutcome> {
  return runRollback(
    repo,
    'rollback project',
    [],
    (r, _doc, list) => projectTarget(r, list),
    options,
  )
}

/** `cpo rollback to <checkpoint>`: back to any checkpoint, tagged or inferred. */
export function rollbackTo(
  repo: Repo,
  checkpoint: string,
  options: RollbackOptions = {},
): Promise<RollbackOutcome> {
  return runRollback(
    repo,
    'rollback to',
    [checkpoint],
    (_r, doc, list) => checkpointTarget(doc.data, checkpoint, list),
    options,
  )
}
