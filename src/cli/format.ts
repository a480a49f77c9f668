/** Plain-text table: columns padded to their widest cell, no colours (safe for pipes and logs). */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd()
  return [line(header), ...rows.map(line)].join('\n')
}

/** `2026-11-25T17:00:24.123Z` → `2026-11-25 17:00:24Z`, shorter and still unambiguous. */
export const shortTime = (iso: string | null | undefined): string =>
  iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '-'

export function listLines(title: string, items: string[], max = 20): string[] {
  if (items.length === 0) return []
  const shown = items.slice(0, max).map((i) => `  ${i}`)
  if (items.length > max) shown.push(`  … and ${items.length - max} more`)
  return [title, ...shown]
}

export function skippedLines(
  skipped: Array<{ path: string; reason: string; size?: number }>,
): string[] {
  return listLines(
    'not captured (kept in place, never deleted by cpo):',
    skipped.map((s) =>
      s.reason === 'too-large'
        ? `${s.path} (${Math.round((s.size ?? 0) / 1024 / 1024)} MiB, above the snapshot size cap)`
        : `${s.path} (nested git repository)`,
    ),
  )
}

/** One line saying where HEAD went, or nothing when it stayed. */
export function headLines(
  moved:
    | { fromBranch: string | null; toBranch: string | null; from: string; to: string }
    | undefined,
): string[] {
  if (!moved) return []
  const name = (b: string | null, c: string) =>
    b ? `${b.replace('refs/heads/', '')} at ${c.slice(0, 10)}` : `detached ${c.slice(0, 10)}`
  return [`HEAD: ${name(moved.fromBranch, moved.from)} → ${name(moved.toBranch, moved.to)}`]
}

/** Paths a restore left in place (submodules with content), with why. */
export function keptLines(kept: Array<{ path: string; reason: string }>, would = ''): string[] {
  return listLines(
    `${would ? 'would be ' : ''}left in place:`,
    kept.map((k) => `${k.path} (${k.reason})`),
  )
}

/** Paths that changed while the operation ran, and the snapshot each round was saved in. */
export function changedDuringLines(rounds: Array<{ snapshot: string; paths: string[] }>): string[] {
  return rounds.flatMap((r) =>
    listLines(
      `changed while cpo ran, saved in snapshot ${r.snapshot} before being overwritten (also files holding what git cannot give back: bytes a filter drops, permission bits; get them back with: cpo snapshot restore ${r.snapshot} --paths <path>):`,
      r.paths,
    ),
  )
}

/** What a restore would do (`--dry-run` of undo, redo, recover, snapshot restore). */
export function previewLines(p: {
  head: { from: string; to: string; branchFrom: string | null; branchTo: string | null }
  write: string[]
  remove: string[]
  refs: { ref: string; from: string | null; to: string | null }[]
  effects: string[]
}): string[] {
  const moved =
    p.head.from !== p.head.to || p.head.branchFrom !== p.head.branchTo
      ? headLines({
          from: p.head.from,
          to: p.head.to,
          fromBranch: p.head.branchFrom,
          toBranch: p.head.branchTo,
        })
      : []
  const lines = [
    ...moved,
    ...listLines('would write:', p.write),
    ...listLines('would remove (kept in the snapshot this run would take):', p.remove),
    ...listLines(
      'refs that would be restored:',
      p.refs.map((r) => `${r.ref} → ${r.to?.slice(0, 10) ?? '(deleted)'}`),
    ),
    ...listLines('steps outside git that would be reverted:', p.effects),
  ]
  return lines.length > 0 ? lines : ['nothing would change']
}

/**
 * Warnings go to stderr (stdout stays the listing, or the one JSON document with `--json`, where
 * they are in `warnings`): an unreadable state file, a broken plan.
 */
export function warnOnStderr(
  g: { json: boolean },
  warnings: ReadonlyArray<{ message: string; hint?: string | null }>,
): void {
  if (g.json) return
  for (const w of warnings) {
    process.stderr.write(`warning: ${w.message}\n${w.hint ? `hint: ${w.hint}\n` : ''}`)
  }
}

/** An unreadable state file in the words `cpo status` uses. */
export const unreadableState = (p: { message: string; hint: string | null }) => ({
  message: `cannot read master-project.json: ${p.message}`,
  hint: p.hint,
})
