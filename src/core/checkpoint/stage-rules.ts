import { CpoError } from '../../errors.js'
import {
  type Epic,
  epicsOf,
  isStagePending,
  type ProjectFile,
  type Stage,
  stagesOf,
  unmetDependencies,
} from '../project/index.js'
import { cpoCommand } from '../shell-quote.js'

/** The stage `cpo stage start` picks when none is named: the first pending one that can start. */
export function nextStartableStage(project: ProjectFile): Stage {
  const pending = stagesOf(project).filter(isStagePending)
  const ready = pending.find((s) => unmetDependencies(project, s.id).length === 0)
  if (ready !== undefined) return ready
  throw new CpoError(
    'NO_STAGE_READY',
    'conflict',
    pending.length === 0
      ? 'no pending stage left to start'
      : `no pending stage has all its dependencies done: ${pending
          .map((s) => `${s.id} waits for ${unmetDependencies(project, s.id).join(', ')}`)
          .join('; ')}`,
    {
      hint:
        pending[0] === undefined
          ? 'Every stage is started or done: see `cpo status`.'
          : `Start one anyway, ignoring its dependencies: \`${cpoCommand('stage', 'start', pending[0].id, '--ignore-deps')}\`.`,
    },
  )
}

/** The epic a stage belongs to: the one listing it, else the one its `epicId` names. */
export function epicOfStage(project: ProjectFile, stage: Stage): Epic | undefined {
  const epics = epicsOf(project)
  return (
    epics.find((e) => (e.stages ?? []).includes(stage.id)) ??
    epics.find((e) => stage.epicId != null && e.id === stage.epicId)
  )
}

/** The verification commands `stage complete` runs, in a fixed order: cheapest checks first. */
export const VERIFICATION_ORDER = ['typecheck', 'lint', 'test', 'build'] as const

export function verificationCommands(
  project: ProjectFile,
): Array<{ name: (typeof VERIFICATION_ORDER)[number]; command: string }> {
  const v = (project.verification ?? {}) as Record<string, unknown>
  return VERIFICATION_ORDER.flatMap((name) => {
    const command = v[name]
    return typeof command === 'string' && command.trim() !== '' ? [{ name, command }] : []
  })
}
