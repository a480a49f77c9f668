import { CpoError } from '../../errors.js'
import type { RetentionBackup } from './types.js'

/** A backup after checking: the time is a number and the flags are plain booleans. */
export interface NormalizedBackup {
  id: string
  time: Date
  ms: number
  pinned: boolean
  verified: boolean
  complete: boolean
}

// A zone is required: a zoneless string would be read in the machine's zone, so the same input
// could plan differently on two hosts.
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i

function bad(message: string, details: unknown): CpoError {
  return new CpoError('RETENTION_INVALID_BACKUP', 'invalidInput', message, {
    hint: 'Each backup needs a unique id and a time as a Date or ISO 8601 string with a zone.',
    details,
  })
}

function parseTime(backup: RetentionBackup): number {
  const { id, time } = backup
  const ms =
    time instanceof Date
      ? time.getTime()
      : typeof time === 'string' && ISO_WITH_ZONE.test(time)
        ? Date.parse(time)
        : Number.NaN
  if (Number.isNaN(ms)) throw bad(`Backup "${id}" has an invalid time: ${String(time)}`, { id })
  return ms
}

/** Newest first; equal times fall back to the id in code-unit order so ties are deterministic. */
export const byNewest = (a: NormalizedBackup, b: NormalizedBackup): number =>
  b.ms - a.ms || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

/** Checks ids and times and returns fresh records sorted newest first; the input is not touched. */
export function normalizeBackups(backups: readonly RetentionBackup[]): NormalizedBackup[] {
  const seen = new Set<string>()
  const out: NormalizedBackup[] = []
  for (const b of backups) {
    if (typeof b.id !== 'string' || b.id === '')
      throw bad('A backup has an empty id', { backup: b })
    // Duplicates would make "keep" and "remove" ambiguous for the caller acting on ids.
    if (seen.has(b.id)) throw bad(`Backup id "${b.id}" appears twice`, { id: b.id })
    seen.add(b.id)
    const ms = parseTime(b)
    out.push({
      id: b.id,
      time: new Date(ms),
      ms,
      pinned: b.pinned === true,
      verified: b.verified === true,
      complete: b.complete !== false,
    })
  }
  return out.sort(byNewest)
}
