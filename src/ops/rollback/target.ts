import { readHead } from '../../adapters/checkpoint-git.js'
import { type Repo, statePaths } from '../../adapters/repo.js'
import { firstCommitAdding } from '../../adapters/rollback-git.js'
import { findCheckpoint } from '../../core/checkpoint/collect.js'
import {
  checkpointName,
  PROJECT_INITIALIZED,
  phaseCompleteName,
  stageStartName,
} from '../../core/checkpoint/names.js'
import { nearNames } from '../../core/checkpoint/near.js'
import type { Checkpoint } from '../../core/checkpoint/types.js'
import {
  findStage,
  isStagePending,
  type ProjectFile,
  projectPhase,
  stageNumber,
  stagesOf,
} from '../../core/project/index.js'
import { checkPhase, checkStageRef, currentStageForRollback } from '../../core/rollback/index.js'
import type { RollbackKind } from '../../core/rollback/log-entry.js'
import { cpoCommand } from '../../core/shell-quote.js'
import { CpoError } from '../../errors.js'
import { noNumber } from '../checkpoint/stage-start.js'

/** Where a rollback goes: a checkpoint (tag or inferred) or, for a project, a plain commit. */
export interface RollbackTarget {
  kind: Exclude<RollbackKind, 'story'>
  /** `stage-3`, `phase-2`, `project`, a checkpoint's name: the scope of the commit's subject. */
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
  const near = nearNames(name, names)
  const example = near[0] ?? names.at(-1)
  return new CpoError(
    'CHECKPOINT_NOT_FOUND',
    'notFound',
    `no checkpoint ${name} (tag or inferred from commit messages)${near.length > 0 ? `; did you mean ${near.join(', ')}?` : ''} available: ${names.length === 0 ? '(none)' : names.join(', ')}`,
    {
      hint:
        example === undefined
          ? 'This repository has no checkpoints yet: `cpo stage start` and `cpo checkpoint create <name>` make them; `cpo checkpoint list` shows them.'
          : `Roll back to one that exists with \`cpo rollback to ${example} --reason "…"\` (all of them: \`cpo checkpoint list\`); \`cpo stage start\` tags stage starts from now on.`,
      details: { available: names, near },
    },
  )
}

/**
 * `rollback to <checkpoint>`: any checkpoint by name (`stage-2-complete`, `prod-v3`, a user's own,
 * `checkpoint/<name>` too), tagged or inferred. A stage start also resets that stage; the stages
 * whose work lies after the target are found from git ancestry like every rollback's.
 */
export function checkpointTarget(
  project: ProjectFile,
  input: string,
  list: readonly Checkpoint[],
): RollbackTarget {
  const name = checkpointName(input)
  const found = findCheckpoint(list, name)
  if (found === undefined) throw missing(name, list)
  let stage: RollbackTarget['stage'] = null
  if (found.kind === 'stage-start' && found.stage !== null) {
    const number = found.stage.number
    const s = stagesOf(project).find((x) => stageNumber(x.id) === number)
    if (s !== undefined) stage = { id: s.id, name: s.name ?? null }
  }
  return toTarget('checkpoint', found.name, found, stage)
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
    const startedStages = stagesOf(project).filter((s) => !isStagePending(s))
    const started = startedStages.map((s) => `${s.id} (${s.status})`)
    const startedIds = startedStages.map((s) => s.id)
    throw new CpoError(
      'NO_CURRENT_STAGE',
      'notFound',
      `no stage is current or in progress; stages that can be rolled back: ${started.length === 0 ? '(none)' : started.join(', ')}`,
      {
        hint:
          started.length === 0
            ? 'Nothing was started yet: see `cpo status`.'
            : `Name the stage: \`${cpoCommand('rollback', 'stage', startedIds.at(-1) ?? '', '--reason', 'what went wrong')}\`.`,
        details: { started },
      },
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
    const current = projectPhase(project)?.number
    if (current === undefined || current <= 1) {
      throw new CpoError(
        'NO_PREVIOUS_PHASE',
        'notFound',
        `there is no phase before the current one (${current ?? 'none'})`,
        {
          hint: `Name the phase: \`${cpoCommand('rollback', 'phase', String(phaseWithCheckpoint(list) ?? 1), '--reason', 'what went wrong')}\`.`,
        },
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
  const file = statePaths(repo).project
  const first = head.commit === undefined ? undefined : await firstCommitAdding(repo, file)
  if (first === undefined) throw missing(phaseCompleteName(2), list)
  return {
    kind: 'project',
    scope: 'project',
    name: `first commit with ${file}`,
    tag: null,
    commit: first,
    inferred: true,
    takenOn: null,
    stage: null,
  }
}

/** The newest phase with a phase-N-complete checkpoint, for a hint that names a real one. */
function phaseWithCheckpoint(list: readonly Checkpoint[]): number | undefined {
  const phases = list
    .map((c) => /^phase-(\d+)-complete$/.exec(c.name)?.[1])
    .filter((p): p is string => p !== undefined)
    .map(Number)
  return phases.length === 0 ? undefined : Math.max(...phases)
}
