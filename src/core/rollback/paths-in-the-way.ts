/**
 * The files among `present` (on disk, not committed) that writing the paths `added` would
 * replace: the same path, a file where a directory is needed (`a` for `a/b`), or a file inside
 * a directory that is to become a file (`a/b` for `a`). `git revert` refuses these; so does a
 * story rollback, rather than replace work that only its before-snapshot would then hold.
 */
export function pathsInTheWay(present: readonly string[], added: readonly string[]): string[] {
  const adding = new Set(added)
  const have = new Set(present)
  const blocked = new Set<string>()
  for (const p of present) {
    if (adding.has(p) || parentsOf(p).some((d) => adding.has(d))) blocked.add(p)
  }
  for (const a of added) for (const d of parentsOf(a)) if (have.has(d)) blocked.add(d)
  return [...blocked].sort()
}

/** `a/b/c` → `a`, `a/b`. */
function parentsOf(p: string): string[] {
  const parts = p.split('/')
  return parts.slice(1).map((_, i) => parts.slice(0, i + 1).join('/'))
}
