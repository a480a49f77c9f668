import { type ProjectFile, type Stage, stageNumber, stagesOf } from '../project/index.js'

/**
 * The stage a rollback without a stage argument means: the one in progress (the one
 * `currentStage` names when several are), else the one the last rollback in the progress log
 * reset — so a second `cpo rollback stage` goes back to the same start instead of discarding
 * the stage finished before it.
 */
export function currentStageForRollback(
  project: ProjectFile,
  logText: string | undefined,
): Stage | undefined {
  const stages = stagesOf(project)
  const named = project.currentStage
  const namedId = typeof named === 'string' ? named : named?.id
  const running = stages.filter((s) => s.status === 'in_progress')
  const current = running.find((s) => s.id === namedId) ?? running[0]
  if (current !== undefined) return current
  const last = lastStageRollback(logText)
  if (last === undefined) return undefined
  return (
    stages.find((s) => last.reset.includes(s.id) && stageNumber(s.id) === last.number) ??
    stages.find((s) => s.id === last.reset[0])
  )
}

/** The last stage rollback's entry in cpo-progress.md (see rollbackEntry): its stage and resets. */
export function lastStageRollback(
  logText: string | undefined,
): { number: string; reset: string[] } | undefined {
  if (logText === undefined) return undefined
  const entries = logText.split(/^(?=### )/m).filter((e) => /^### .* - ROLLBACK stage-/.test(e))
  const entry = entries.at(-1)
  if (entry === undefined) return undefined
  const number = /^### .* - ROLLBACK stage-(\S+)/.exec(entry)?.[1] ?? ''
  const list = /^- Stages reset: (.*)$/m.exec(entry)?.[1] ?? 'none'
  return { number, reset: list === 'none' ? [] : list.split(', ') }
}
