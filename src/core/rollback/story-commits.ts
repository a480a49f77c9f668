const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * Whether a commit message names the story: the id as a whole token, so `US-001` matches
 * `feat: US-001 - Title` but not `feat(S1-US-001): …` or `US-0012`, and `S1-US-001` matches
 * `feat(S1-US-001): Title`. Case-insensitive, as agents vary the case.
 */
export function namesStory(subject: string, storyId: string): boolean {
  return new RegExp(`(?<![A-Za-z0-9_-])${escapeRegExp(storyId)}(?![A-Za-z0-9_-])`, 'i').test(
    subject,
  )
}

/** Ids a story may go by in `prd.json` (`US-001`) when the state file says `S1-US-001`. */
export function storyAliases(storyId: string): string[] {
  const bare = /^S\d+(?:\.\d+)*-(.+)$/i.exec(storyId)?.[1]
  return bare === undefined ? [storyId] : [storyId, bare]
}
