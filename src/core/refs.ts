export interface RefUpdate {
  ref: string
  /** Undefined deletes the ref. */
  to?: string
  /** The value the ref must have now (checked atomically); undefined when it does not exist. */
  from?: string
}

/** A ref a restore would have moved but left where it is, and why. */
export interface RefLeftAlone {
  ref: string
  reason: 'checked-out-in-another-worktree'
  /** The work tree that has the branch checked out. */
  worktree: string
}

/**
 * The ref updates that take refs from `now` back to `target`, limited to the names `scope`
 * admits (all by default). Sorted for a stable journal and report.
 */
export function refUpdates(
  target: Record<string, string>,
  now: Record<string, string>,
  scope: (ref: string) => boolean = () => true,
): RefUpdate[] {
  const names = new Set([...Object.keys(target), ...Object.keys(now)])
  return [...names]
    .sort()
    .filter((ref) => scope(ref) && target[ref] !== now[ref])
    .map((ref) => {
      const to = target[ref]
      const from = now[ref]
      return { ref, ...(to === undefined ? {} : { to }), ...(from === undefined ? {} : { from }) }
    })
}

/** The refs and HEAD a state change (`before` → `after`) made: what undoing it must put back. */
export interface StateChange {
  head: string
  branch: string | null
  refs: Record<string, string>
}

/**
 * Which refs a run of operations changed, each judged by its own before and after state, and
 * whether any of them moved HEAD or switched its branch. A ref that only someone else moved
 * (between the operations, or during one of them: after-states record only the operation's own
 * changes) is in none of them.
 */
export function changedBy(runs: Array<{ before: StateChange; after: StateChange }>): {
  refs: Set<string>
  head: boolean
} {
  const refs = new Set<string>()
  let head = false
  for (const { before, after } of runs) {
    for (const ref of new Set([...Object.keys(before.refs), ...Object.keys(after.refs)])) {
      if (before.refs[ref] !== after.refs[ref]) refs.add(ref)
    }
    if (before.head !== after.head || before.branch !== after.branch) head = true
  }
  return { refs, head }
}
