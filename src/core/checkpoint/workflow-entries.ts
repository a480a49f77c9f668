/**
 * Progress-log entries for the workflow's own marks (skip a stage, pass or fail a story), in
 * the log's format: `### date - …` and a few facts as a list (see progress-log.ts).
 */
export function stageSkippedEntry(input: {
  time: string
  stageId: string
  stageName: string | null
  reason: string
  opId: string
}): string {
  const title = input.stageName ? `${input.stageId}: ${input.stageName}` : input.stageId
  return [
    `### ${input.time.slice(0, 10)} - Stage ${title} SKIPPED`,
    '',
    `- Skipped: ${input.time}`,
    `- Reason: ${input.reason}`,
    `- Undo: \`cpo undo ${input.opId}\``,
    '',
  ].join('\n')
}

export function storyMarkedEntry(input: {
  time: string
  storyId: string
  stageId: string | null
  passes: boolean
  attempts: number | null
  reason: string | null
  opId: string
}): string {
  return [
    `### ${input.time.slice(0, 10)} - Story ${input.storyId} ${input.passes ? 'PASSES' : 'FAILS'}`,
    '',
    `- Time: ${input.time}`,
    ...(input.stageId === null ? [] : [`- Stage: ${input.stageId}`]),
    ...(input.attempts === null ? [] : [`- Attempts: ${input.attempts}`]),
    ...(input.reason === null ? [] : [`- Reason: ${input.reason}`]),
    `- Undo: \`cpo undo ${input.opId}\``,
    '',
  ].join('\n')
}
