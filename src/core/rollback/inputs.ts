import { CpoError } from '../../errors.js'

const hasControl = (s: string): boolean =>
  [...s].some((ch) => (ch.codePointAt(0) ?? 0) < 0x20 || ch === '\u007f')

/**
 * The reason goes into a commit subject, the journal and the progress log: one line, so a
 * newline cannot forge a second log entry or a commit trailer.
 */
export function checkReason(
  reason: string | undefined,
  needs: { what: string; command: string } = { what: 'a rollback', command: '' },
): string {
  const text = reason?.trim() ?? ''
  if (text === '') {
    const how = needs.command ? `\`${needs.command} --reason "…"\`` : '--reason "…"'
    throw new CpoError('REASON_REQUIRED', 'usage', `${needs.what} needs a reason`, {
      hint: `Say why with ${how} (it is recorded in the journal and the progress log).`,
    })
  }
  if (hasControl(text) || text.length > 500) {
    throw new CpoError(
      'INVALID_REASON',
      'invalidInput',
      'the reason must be one line of at most 500 characters',
      { hint: 'Write the reason on one line, without control characters.' },
    )
  }
  return text
}

/** A stage reference as typed (`3`, `S5.1`, `Stage 2.1`); control characters never resolve. */
export function checkStageRef(ref: string): string {
  if (ref.trim() === '' || hasControl(ref) || ref.length > 100) {
    throw new CpoError('INVALID_STAGE', 'invalidInput', `not a stage: ${JSON.stringify(ref)}`, {
      hint: 'Name a stage by id or number (S3, 3, S5.1).',
    })
  }
  return ref
}

const STORY_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/

/** Story ids are matched inside commit messages: letters, digits, `.`, `_` and `-` only. */
export function checkStoryId(id: string): string {
  if (!STORY_ID.test(id)) {
    throw new CpoError(
      'INVALID_STORY_ID',
      'invalidInput',
      `not a story id: ${JSON.stringify(id)}`,
      {
        hint: 'Story ids look like S1-US-001 or US-001.',
      },
    )
  }
  return id
}

/** Phase numbers are 1 to 5 in the CPO workflow; any small positive integer is accepted. */
export function checkPhase(input: string): number {
  if (!/^\d{1,2}$/.test(input) || Number(input) < 1) {
    throw new CpoError(
      'INVALID_PHASE',
      'invalidInput',
      `not a phase number: ${JSON.stringify(input)}`,
      {
        hint: 'Phases are 1 Discovery, 2 Planning, 3 Execution, 4 Validation, 5 Delivery.',
      },
    )
  }
  return Number(input)
}

/**
 * A dry run records nothing, so it needs no reason; one that is given is still checked, so the
 * dry run reports the same error the real rollback would.
 */
export const reasonUnlessDryRun = (reason: string | undefined, dryRun: boolean | undefined) =>
  dryRun === true && (reason?.trim() ?? '') === '' ? '(none given: dry run)' : checkReason(reason)
