import { foldJournal, type JournalEvent, pendingOperations } from '../journal.js'

export interface JournalContents {
  operations: number
  /** Interrupted when the backup was made: the restored copy needs `cpo recover` first. */
  pending: string[]
  /**
   * The snapshot ids it names: each operation's before and after states, the snapshots holding
   * paths changed while it ran, and a failed one's state. `cpo undo` and `cpo recover` need these.
   */
  snapshots: string[]
}

/** Reads an operation journal's text (`oplog.jsonl`); lines that do not parse are skipped. */
export function journalContents(text: string): JournalContents {
  const events: JournalEvent[] = []
  const ids = new Set<string>()
  const add = (v: unknown) => {
    if (typeof v === 'string' && v !== '') ids.add(v)
  }
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue
    let event: Record<string, unknown>
    try {
      event = JSON.parse(line) as Record<string, unknown>
    } catch {
      continue
    }
    if (typeof event !== 'object' || event === null) continue
    events.push(event as unknown as JournalEvent)
    add(event.before)
    add(event.after)
    add(event.snapshot)
    if (Array.isArray(event.changedDuring)) {
      for (const c of event.changedDuring) add((c as { snapshot?: unknown } | null)?.snapshot)
    }
  }
  const operations = foldJournal(events)
  return {
    operations: operations.length,
    pending: pendingOperations(operations).map((o) => o.id),
    snapshots: [...ids].sort(),
  }
}

/**
 * The journal as a backup carries it: only whole lines, so an append racing the read (or a torn
 * line left by a crash) never ends the copy mid-event.
 */
export function wholeLines(bytes: Buffer): Buffer {
  const end = bytes.lastIndexOf(0x0a)
  return end < 0 ? Buffer.alloc(0) : bytes.subarray(0, end + 1)
}
