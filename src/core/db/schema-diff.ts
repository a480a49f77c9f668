/**
 * A unified diff of two texts by lines (the deterministic schema texts of `cpo db diff`):
 * longest common subsequence, hunks with `context` lines around each change.
 */
export function unifiedDiff(a: string, b: string, labels: [string, string], context = 3): string {
  const x = a.split('\n')
  const y = b.split('\n')
  const n = x.length
  const m = y.length
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0))
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      const row = lcs[i] as number[]
      row[j] =
        x[i] === y[j]
          ? (lcs[i + 1]?.[j + 1] ?? 0) + 1
          : Math.max(lcs[i + 1]?.[j] ?? 0, row[j + 1] ?? 0)
    }
  }
  type Line = { op: ' ' | '-' | '+'; text: string; ai: number; bi: number }
  const lines: Line[] = []
  let i = 0
  let j = 0
  while (i < n || j < m) {
    if (i < n && j < m && x[i] === y[j])
      lines.push({ op: ' ', text: x[i++] as string, ai: i, bi: ++j })
    else if (j < m && (i >= n || (lcs[i]?.[j + 1] ?? 0) >= (lcs[i + 1]?.[j] ?? 0)))
      lines.push({ op: '+', text: y[j++] as string, ai: i, bi: j })
    else lines.push({ op: '-', text: x[i++] as string, ai: i, bi: j })
  }
  const changed = lines.map((l, k) => (l.op === ' ' ? -1 : k)).filter((k) => k >= 0)
  if (changed.length === 0) return ''
  const out = [`--- ${labels[0]}`, `+++ ${labels[1]}`]
  let k = 0
  while (k < changed.length) {
    const start = Math.max(0, (changed[k] as number) - context)
    let end = Math.min(lines.length - 1, (changed[k] as number) + context)
    while (k + 1 < changed.length && (changed[k + 1] as number) - context <= end + 1) {
      k++
      end = Math.min(lines.length - 1, (changed[k] as number) + context)
    }
    const hunk = lines.slice(start, end + 1)
    const aStart = hunk.find((l) => l.op !== '+')?.ai ?? 0
    const bStart = hunk.find((l) => l.op !== '-')?.bi ?? 0
    const aLen = hunk.filter((l) => l.op !== '+').length
    const bLen = hunk.filter((l) => l.op !== '-').length
    out.push(`@@ -${aStart},${aLen} +${bStart},${bLen} @@`)
    for (const l of hunk) out.push(`${l.op}${l.text}`)
    k++
  }
  return `${out.join('\n')}\n`
}
