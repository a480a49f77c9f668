export interface RefUpdate {
  ref: string
  /** Undefined deletes the ref. */
  to?: string
  /** The value the ref must have now (checked atomically); undefined when it does not exist. */
  from?: string
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
