/** One item of the before/after-rollback checklist (README.md, "Checklists"). */
export interface ChecklistItem {
  id: string
  when: 'before' | 'after'
  status: 'ok' | 'failed' | 'skipped'
  title: string
  evidence: string
}

const MARK = { ok: '✓', failed: '✗', skipped: '–' } as const

export const checklistLine = (i: ChecklistItem): string =>
  `${MARK[i.status]} ${i.title}: ${i.evidence}`

/** The before-list and the after-list, each item as one line (`checklistLine`). */
export function checklistGroups(items: readonly ChecklistItem[]): {
  before: string[]
  after: string[]
} {
  const of = (when: ChecklistItem['when']) =>
    items.filter((i) => i.when === when).map(checklistLine)
  return { before: of('before'), after: of('after') }
}

/** The lines the ROLLBACK entry of `cpo-progress.md` gets, one list item per check. */
export function checklistEntryLines(items: readonly ChecklistItem[]): string[] {
  const { before, after } = checklistGroups(items)
  const list = (title: string, lines: string[]) =>
    lines.length > 0 ? [title, ...lines.map((l) => `  - ${l}`)] : []
  return [...list('- Checklist before:', before), ...list('- Checklist after:', after)]
}

export function checkedItem(
  id: string,
  when: ChecklistItem['when'],
  title: string,
  status: ChecklistItem['status'],
  evidence: string,
): ChecklistItem {
  return { id, when, title, status, evidence }
}
