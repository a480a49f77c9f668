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

/** The lines the ROLLBACK entry of `cpo-progress.md` gets, one list item per check. */
export function checklistEntryLines(items: readonly ChecklistItem[]): string[] {
  const of = (when: ChecklistItem['when']) =>
    items.filter((i) => i.when === when).map((i) => `  - ${checklistLine(i)}`)
  const before = of('before')
  const after = of('after')
  return [
    ...(before.length > 0 ? ['- Checklist before:', ...before] : []),
    ...(after.length > 0 ? ['- Checklist after:', ...after] : []),
  ]
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
