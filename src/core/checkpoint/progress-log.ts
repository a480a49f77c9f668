/**
 * The progress log's own entry format, as the CPO workflow writes it:
 * `### 2025-01-11 - Stage S1: Setup & CI COMPLETE`, then a few facts as a list.
 */
export function stageCompleteEntry(input: {
  time: string
  stageId: string
  stageName: string | null
  tag: string
  verification: Array<{ name: string; command: string }>
  verificationSkipped: boolean
  stories: { passing: number; total: number }
}): string {
  const title = input.stageName ? `${input.stageId}: ${input.stageName}` : input.stageId
  const checks = input.verificationSkipped
    ? 'skipped (--skip-verify)'
    : input.verification.length === 0
      ? 'none configured'
      : input.verification.map((v) => `${v.name} \`${v.command}\``).join(', ')
  return [
    `### ${input.time.slice(0, 10)} - Stage ${title} COMPLETE`,
    '',
    `- Completed: ${input.time}`,
    `- Stories passing: ${input.stories.passing}/${input.stories.total}`,
    `- Verification: ${checks}`,
    `- Checkpoint: \`${input.tag}\``,
    '',
  ].join('\n')
}

/** What to append so the entry starts on its own paragraph, whatever the file ends with. */
export function appendableEntry(existing: string | undefined, entry: string): string {
  if (existing === undefined || existing === '') return `# Progress Log\n\n${entry}`
  if (existing.endsWith('\n\n')) return entry
  return existing.endsWith('\n') ? `\n${entry}` : `\n\n${entry}`
}
