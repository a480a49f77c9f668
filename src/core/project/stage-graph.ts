/**
 * Ids reachable from `start` by repeatedly following `next`. Cycle-safe; `start` itself is in the
 * result only when a cycle leads back to it.
 */
export const reachableFrom = (
  start: string,
  next: (id: string) => readonly string[],
): ReadonlySet<string> => {
  const seen = new Set<string>()
  const queue = [...next(start)]
  for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
    if (seen.has(id)) continue
    seen.add(id)
    queue.push(...next(id))
  }
  return seen
}

/** `id` → ids of the stages that list it in `dependsOn`. */
export const dependentsIndex = (
  stages: readonly { id: string; dependsOn?: readonly string[] | undefined }[],
): ((id: string) => readonly string[]) => {
  const index = new Map<string, string[]>()
  for (const stage of stages) {
    for (const dependency of stage.dependsOn ?? []) {
      const list = index.get(dependency) ?? []
      list.push(stage.id)
      index.set(dependency, list)
    }
  }
  return (id) => index.get(id) ?? []
}

/** `id` → its direct dependencies (of the first stage with that id). */
export const dependenciesIndex = (
  stages: readonly { id: string; dependsOn?: readonly string[] | undefined }[],
): ((id: string) => readonly string[]) => {
  const index = new Map<string, readonly string[]>()
  for (const stage of stages) {
    if (!index.has(stage.id)) index.set(stage.id, stage.dependsOn ?? [])
  }
  return (id) => index.get(id) ?? []
}
