/** One backup as the retention planner sees it. Only `id` and `time` are required. */
export interface RetentionBackup {
  id: string
  /** A Date or an ISO 8601 string; anything that does not parse is refused. */
  time: Date | string
  /** Pinned backups are never removed and stay outside the rules (see plan.ts). */
  pinned?: boolean
  /** Set when a verification (e.g. a re-hash or a test restore) succeeded. */
  verified?: boolean
  /** `false` marks an interrupted backup; `undefined` means complete, as in restic's `list`. */
  complete?: boolean
}

/** The calendar rules, finest first: this is also the order of their reasons. */
export const CALENDAR_RULES = ['hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const
export type CalendarRule = (typeof CALENDAR_RULES)[number]

/**
 * restic `forget` flags. A count is a whole number: 0 (or absent) turns the rule off, N > 0 keeps
 * N, and -1 means unlimited, as in restic >= 0.16. `keepWithinDays` is a whole number of days.
 */
export interface RetentionPolicy {
  keepLast?: number
  keepHourly?: number
  keepDaily?: number
  keepWeekly?: number
  keepMonthly?: number
  keepYearly?: number
  keepWithinDays?: number
}

export type PolicyKey = keyof RetentionPolicy

export interface RetentionOptions {
  /**
   * Minutes to add to UTC before cutting hour/day/week/month/year buckets, e.g. 60 for UTC+01:00
   * or -300 for UTC-05:00. Default 0 (UTC). It is one fixed offset: the caller decides which
   * clock the buckets follow, and a DST change inside the history is not modelled.
   */
  utcOffsetMinutes?: number
}

export interface RetentionEntry {
  id: string
  time: Date
  /** Every reason, in a fixed order; never empty. */
  reasons: string[]
}

/** Both lists are newest first; ties on time are ordered by id (code-unit order). */
export interface RetentionPlan {
  keep: RetentionEntry[]
  remove: RetentionEntry[]
}
