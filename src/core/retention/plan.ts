import { type NormalizedBackup, normalizeBackups } from './backups.js'
import { bucketKey } from './buckets.js'
import { validateOffset, validatePolicy } from './policy.js'
import {
  CALENDAR_RULES,
  type CalendarRule,
  type RetentionBackup,
  type RetentionEntry,
  type RetentionOptions,
  type RetentionPlan,
  type RetentionPolicy,
} from './types.js'

const DAY_MS = 86_400_000

type Keep = (id: string, reason: string) => void

const CALENDAR_KEYS: Record<CalendarRule, keyof RetentionPolicy> = {
  hourly: 'keepHourly',
  daily: 'keepDaily',
  weekly: 'keepWeekly',
  monthly: 'keepMonthly',
  yearly: 'keepYearly',
}

function keepLast(counted: readonly NormalizedBackup[], n: number, keep: Keep): void {
  const take = n < 0 ? counted.length : n
  for (const [i, b] of counted.slice(0, take).entries()) keep(b.id, `last snapshot #${i + 1}`)
}

/**
 * restic's walk: newest to oldest, a backup is kept when its bucket differs from the bucket this
 * rule kept last, until N buckets are used (-1: never). Since the list is sorted, that is "the
 * newest backup of each of the newest N periods that have one". Unlike restic >= 0.16 we do not
 * also keep the very oldest backup while slots are left: it makes the result depend on how far
 * back the list goes and is not what the documented rule says.
 */
function keepCalendar(
  counted: readonly NormalizedBackup[],
  rule: CalendarRule,
  n: number,
  offset: number,
  keep: Keep,
): void {
  let left = n
  let lastKey: string | undefined
  for (const b of counted) {
    if (left === 0) return
    const key = bucketKey(rule, b.ms, offset)
    if (key === lastKey) continue
    lastKey = key
    if (left > 0) left--
    keep(b.id, `${rule} snapshot ${key}`)
  }
}

/**
 * As restic `--keep-within`: measured from the newest counted backup, not from "now", so a
 * stalled backup job never ages the whole history out.
 */
function keepWithin(counted: readonly NormalizedBackup[], days: number, keep: Keep): void {
  const newest = counted[0]
  if (days <= 0 || newest === undefined) return
  const cutoff = newest.ms - days * DAY_MS
  const reason = `within ${days} day${days === 1 ? '' : 's'} of newest backup`
  for (const b of counted) if (b.ms > cutoff) keep(b.id, reason)
}

/**
 * Decides which backups a policy keeps. Pure: the clock is the backups' own times.
 *
 * - The rules (last, calendar, within) see only complete, unpinned backups. Incomplete ones never
 *   fill a bucket; pinned ones are kept anyway, so they do not use up a slot and the rules give
 *   the same answer as if the pinned backup were absent.
 * - Pinned backups are always kept (`pinned`), even when incomplete.
 * - The newest complete verified backup is always kept (`newest verified backup`), pinned or not,
 *   so pruning never leaves only unproven backups.
 * - Anything else is removed: `incomplete` for interrupted ones, else `no rule keeps it`.
 *
 * Throws RETENTION_EMPTY_POLICY / RETENTION_INVALID (usage) for a bad policy or offset and
 * RETENTION_INVALID_BACKUP (invalidInput) for a bad id or time.
 */
export function planRetention(
  backups: readonly RetentionBackup[],
  policy: RetentionPolicy,
  options: RetentionOptions = {},
): RetentionPlan {
  const p = validatePolicy(policy)
  const offset = validateOffset(options.utcOffsetMinutes ?? 0)
  const all = normalizeBackups(backups)
  const reasons = new Map<string, string[]>()
  const keep: Keep = (id, reason) => {
    const list = reasons.get(id)
    if (list === undefined) reasons.set(id, [reason])
    else list.push(reason)
  }

  const counted = all.filter((b) => b.complete && !b.pinned)
  keepLast(counted, p.keepLast ?? 0, keep)
  for (const rule of CALENDAR_RULES) {
    keepCalendar(counted, rule, p[CALENDAR_KEYS[rule]] ?? 0, offset, keep)
  }
  keepWithin(counted, p.keepWithinDays ?? 0, keep)
  for (const b of all) if (b.pinned) keep(b.id, 'pinned')
  const verified = all.find((b) => b.complete && b.verified)
  if (verified !== undefined) keep(verified.id, 'newest verified backup')

  const plan: RetentionPlan = { keep: [], remove: [] }
  for (const b of all) {
    const kept = reasons.get(b.id)
    const entry: RetentionEntry = { id: b.id, time: b.time, reasons: kept ?? [] }
    if (kept !== undefined) plan.keep.push(entry)
    else plan.remove.push({ ...entry, reasons: [b.complete ? 'no rule keeps it' : 'incomplete'] })
  }
  return plan
}
