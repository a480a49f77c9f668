export type RollbackMode = 'reset' | 'revert'

/**
 * Reset unless that would rewrite published history: when discarded commits are already on the
 * branch's upstream, a reset would diverge from it (and a push would need force), so revert.
 */
export function chooseMode(
  requested: RollbackMode | undefined,
  discardedOnUpstream: number,
  upstream: string | null,
): { mode: RollbackMode; why: string } {
  if (requested !== undefined) return { mode: requested, why: `--mode ${requested}` }
  if (discardedOnUpstream > 0) {
    return {
      mode: 'revert',
      why: `${discardedOnUpstream} discarded commit(s) are already on ${upstream ?? 'the upstream'}: reverting keeps the published history (pass --mode reset to move the branch anyway)`,
    }
  }
  return { mode: 'reset', why: 'default: the discarded commits are not on any upstream' }
}
