export type RollbackKind = 'stage' | 'phase' | 'project' | 'story' | 'checkpoint'

export interface RollbackEntryInput {
  time: string
  kind: RollbackKind
  /**
   * `stage-3`, `phase-2`, `project`, `story-S1-US-001`, or the checkpoint's name (`rollback to`):
   * the scope of the commit subject.
   */
  scope: string
  /** What it went back to: a checkpoint name, or the commits reverted. */
  target: string
  reason: string
  mode: 'reset' | 'revert'
  commitBefore: string
  /** Where the branch stood once the code was rolled back (before the rollback commit). */
  commitAfter: string
  stagesReset: string[]
  opId: string
  /** The before-rollback checklist, one list item per check (core/rollback/checklist.ts). */
  checklist?: string[]
}

/**
 * The ROLLBACK entry of `cpo-progress.md`, in the log's own format (`### date - …` and a list),
 * so people and agents reading the log see that work was undone, why, and how to get it back.
 */
export function rollbackEntry(e: RollbackEntryInput): string {
  return [
    `### ${e.time.slice(0, 10)} - ROLLBACK ${e.scope}`,
    '',
    `- Time: ${e.time}`,
    `- Type: ${e.kind}`,
    `- Target: ${e.target}`,
    `- Reason: ${e.reason}`,
    `- Mode: ${e.mode}`,
    `- Commit before: ${e.commitBefore}`,
    `- Commit after: ${e.commitAfter}`,
    `- Stages reset: ${e.stagesReset.length === 0 ? 'none' : e.stagesReset.join(', ')}`,
    `- Undo: \`cpo undo ${e.opId}\``,
    ...(e.checklist ?? []),
    '',
  ].join('\n')
}

/** `rollback(stage-3): reason`: every rollback is visible in `git log`. */
export const rollbackSubject = (scope: string, reason: string): string =>
  `rollback(${scope}): ${reason}`
