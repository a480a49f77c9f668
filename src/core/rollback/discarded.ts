import type { Checkpoint } from '../checkpoint/types.js'
import { dependentsOf, type ProjectFile, stageNumber, stagesOf } from '../project/index.js'

/**
 * Stages whose work a rollback throws away: one of their own commits (a tagged start, work or
 * story commits, the completion) is in `discarded` (reachable now, not from the target).
 * Ancestry decides, not id order: parallel stages and stages on other branches stay as they are.
 * An inferred start is left out: it is the commit *before* the stage's first one.
 */
export function stagesWithDiscardedWork(
  project: ProjectFile,
  checkpoints: readonly Checkpoint[],
  discarded: ReadonlySet<string>,
): string[] {
  return stagesOf(project)
    .filter((stage) => {
      const n = stageNumber(stage.id)
      return checkpoints.some(
        (c) =>
          c.stage?.number === n &&
          n !== undefined &&
          !(c.kind === 'stage-start' && c.inferred) &&
          discarded.has(c.commit),
      )
    })
    .map((s) => s.id)
}

/** `seeds` and every stage depending on them (transitively), in file order. */
export function withDependents(project: ProjectFile, seeds: readonly string[]): string[] {
  const ids = new Set(seeds)
  for (const id of seeds) for (const d of dependentsOf(project, id)) ids.add(d.id)
  return stagesOf(project)
    .map((s) => s.id)
    .filter((id) => ids.has(id))
}
