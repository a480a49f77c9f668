import type { Stage } from '../project/index.js'
import { isLoopFileIn } from '../rollback/index.js'

const STATE_FILES = ['master-project.json', 'cpo-progress.md']

/** The files a stage's plan names: `files` on the stage and on its stories, when the plan lists them. */
export function plannedFiles(stage: Stage): string[] | undefined {
  const lists = [stage, ...(stage.stories ?? [])]
    .map((s) => (s as { files?: unknown }).files)
    .filter((f): f is unknown[] => Array.isArray(f))
  if (lists.length === 0) return undefined
  return lists.flat().filter((f): f is string => typeof f === 'string')
}

/**
 * Changed files no story of the stage names. A planned entry ending in `/` covers a directory.
 * The workflow's own files (state file, progress log, loop files) are never drift.
 */
export function filesOutsidePlan(
  changed: readonly string[],
  planned: readonly string[],
  stateFiles: readonly string[] = STATE_FILES,
  stateDir = '',
): string[] {
  const state = new Set(stateFiles)
  const exact = new Set(planned.filter((p) => !p.endsWith('/')))
  const dirs = planned.filter((p) => p.endsWith('/'))
  return changed.filter(
    (f) =>
      !state.has(f) &&
      !isLoopFileIn(f, stateDir) &&
      !exact.has(f) &&
      !dirs.some((d) => f.startsWith(d)),
  )
}
