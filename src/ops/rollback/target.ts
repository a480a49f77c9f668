import { readHead } from '../../adapters/checkpoint-git.js'
import type { Repo } from '../../adapters/repo.js'
import { firstCommitAdding } from '../../adapters/rollback-git.js'
import { findCheckpoint } from '../../core/checkpoint/collect.js'
import {
  PROJECT_INITIALIZED,
  phaseCompleteName,
  stageStartName,
} from '../../core/checkpoint/names.js'
import type { Checkpoint } from '../../core/checkpoint/types.js'
import {
  findStage,
  isStagePending,
  type ProjectFile,
  stageNumber,
  stagesOf,
} from '../../core/project/index.js'
import { checkPhase, checkStageRef, currentStageForRollback } from '../../core/rollback/index.js'
import type { RollbackKind } from '../../core/rollback/log-entry.js'
import { CpoError } from '../../errors.js'
import { noNumber } from '../checkpoint/stage-start.js'
import { PROJECT_FILE } from '../project-file.js'

/** Where a rollback goes: a checkpoint (tag or inferred) or, for a project, a plain commit. */
export interface RollbackTarget {
  kind: Exclude<RollbackKind, 'story'>
  /** `stage-3`, `phase-2`, `project`: the scope of the rollback commit's subject. */
  scope: string
  /** The checkpoint name, or a description of the commit. */
  name: string
  /** `checkpoint/<name>` for a tag; null when inferred or a plain commit. */
  tag: string | null
  commit: string
  inferred: boolean
  /** The branch the checkpoint was taken on, when known. */
  takenOn: string | null
  /** The stage rolled back (stage rollbacks): it becomes pending. */
  stage: { id: string; name: string | null } | null
}

const toTarget = (
  kind: RollbackTarget['kind'],
  scope: string,
  c: Checkpoint,
  stage: RollbackTarget['stage'] = null,
): RollbackTarget => ({
  kind,
  scope,
  name: c.name,
  tag: c.inferred ? null : `checkpoint/${c.name}`,
  commit: c.commit,
  inferred: c.inferred,
  takenOn: c.branch,
  stage,
})

const boundaries = (list: readonly Checkpoint[]) =>
  list.filter((c) => c.kind !== 'story' && c.kind !== 'stage-work').map((c) => c.name)

function missing(name: string, list: readonly Checkpoint[]): CpoError {
  const names = boundaries(list)
  return new CpoError(
    'CHECKPOINT_NOT_FOUND',
    'notFound',
    `no checkpoint ${name} (tag or inferred from commit messages); available: ${names.length === 0 ? '(none)' : names.join(', ')}`,
    {
      hint: 'Pick one with `cpo checkpoint list`; `cpo stage start` tags stage starts from now on.',
      details: { available: names },
    },
  )
}

/** `rollback stage [N]`: the stage named, else the current one; its start checkpoint. */
export function stageTarget(
  project: ProjectFile,
  ref: string | undefined,
  list: readonly Checkpoint[],
  logText?: string,
): RollbackTarget {
  const stage =
    ref === undefined
      ? currentStageForRollback(project, logText)
      : findStage(project, checkStageRef(ref))
  if (stage === undefined) {
    const started = stagesOf(project)
      .filter((s) => !isStagePending(s))
      .map((s) => `${s.id} (${s.status})`)
    throw new CpoError(
      'NO_CURRENT_STAGE',
      'notFound',
      `no stage is current or in progress; stages that can be rolled back: ${started.length === 0 ? '(none)' : started.join(', ')}`,
      { hint: 'Name the stage: `cpo rollback stage <N> --reason "…"`.', details: { started } },
    )
  }
  const number = stageNumber(stage.id)
  if (number === undefined) throw noNumber(stage.id)
  const found = findCheckpoint(list, stageStartName(number))
  if (found === undefined) throw missing(stageStartName(number), list)
  return toTarget('stage', `stage-${number}`, found, { id: stage.id, name: stage.name ?? null })
}

/** `rollback phase [N]`: `checkpoint/phase-N-complete`, by default the phase before the current. */
export function phaseTarget(
  project: ProjectFile,
  input: string | undefined,
  list: readonly Checkpoint[],
): RollbackTarget {
  let phase: number
  if (input !== undefined) phase = checkPhase(input)
  else {
    const current = project.currentPhase
    if (typeof current !== 'number' || current <= 1) {
      throw new CpoError(
        'NO_PREVIOUS_PHASE',
        'notFound',
        `there is no phase before the current one (${current ?? 'none'})`,
        { hint: 'Name the phase: `cpo rollback phase <N> --reason "…"`.' },
      )
    }
    phase = current - 1
  }
  const found = findCheckpoint(list, phaseCompleteName(phase))
  if (found === undefined) throw missing(phaseCompleteName(phase), list)
  return toTarget('phase', `phase-${phase}`, found)
}

/**
 * `rollback project`: the end of planning (`phase-2-complete`), else `project-initialized`,
 * else the commit that first added the state file.
 */
export async function projectTarget(
  repo: Repo,
  list: readonly Checkpoint[],
): Promise<RollbackTarget> {
  for (const name of [phaseCompleteName(2), PROJECT_INITIALIZED]) {
    const found = findCheckpoint(list, name)
    if (found !== undefined) return toTarget('project', 'project', found)
  }
  const head = await readHead(repo)
  const first = head.commit === undefined ? undefined : await firstCommitAdding(repo, PROJECT_FILE)
  if (first === undefined) throw missing(phaseCompleteName(2), list)
  return {
    kind: 'project',
    scope: 'project',
    name: `first commit with ${PROJECT_FILE}`,
    tag: null,
    commit: first,
    inferred: true,
    takenOn: null,
    stage: null,
  }
}
