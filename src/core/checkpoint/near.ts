/** Edit distance between two short names (checkpoint names are at most 200 characters). */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      row.push(
        Math.min(
          (row[j - 1] as number) + 1,
          (previous[j] as number) + 1,
          (previous[j - 1] as number) + cost,
        ),
      )
    }
    previous = row
  }
  return previous[b.length] as number
}

/**
 * The names a mistyped one probably meant, best first: names that contain it or that it
 * contains (`stage-2` → `stage-2-start`, `stage-2-complete`), then those a few edits away.
 */
export function nearNames(wanted: string, names: readonly string[], limit = 5): string[] {
  const w = wanted.toLowerCase()
  const scored = [...new Set(names)].flatMap((name) => {
    const n = name.toLowerCase()
    if (n.includes(w) || w.includes(n)) return [{ name, score: 0 }]
    const d = distance(w, n)
    return d <= Math.max(2, Math.floor(w.length / 3)) ? [{ name, score: d }] : []
  })
  return scored
    .sort((a, b) => a.score - b.score)
    .slice(0, limit)
    .map((s) => s.name)
}
