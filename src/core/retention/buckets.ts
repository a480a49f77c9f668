import type { CalendarRule } from './types.js'

const DAY_MS = 86_400_000
const MINUTE_MS = 60_000

const pad = (n: number, width = 2): string => String(n).padStart(width, '0')

/**
 * ISO 8601 week of a day counted from 1970-01-01. Weeks run Monday to Sunday and belong to the
 * year that holds their Thursday, so 2024-12-30 is 2025-W01 and 2027-01-01 is 2026-W53.
 */
export function isoWeek(dayNumber: number): { year: number; week: number } {
  // 1970-01-01 was a Thursday: +3 makes Monday 0 (the double modulo handles days before 1970).
  const weekday = (((dayNumber + 3) % 7) + 7) % 7
  const thursday = dayNumber - weekday + 3
  const year = new Date(thursday * DAY_MS).getUTCFullYear()
  const jan1 = Date.UTC(year, 0, 1) / DAY_MS
  return { year, week: Math.floor((thursday - jan1) / 7) + 1 }
}

/**
 * The bucket a time falls into for a calendar rule, as a readable key that doubles as the label
 * in reasons (`2026-11-24T13:00`, `2026-11-24`, `2026-W48`, `2026-11`, `2026`). The offset shifts
 * the wall clock before cutting, so buckets follow local midnight rather than UTC midnight.
 */
export function bucketKey(rule: CalendarRule, timeMs: number, utcOffsetMinutes = 0): string {
  const local = timeMs + utcOffsetMinutes * MINUTE_MS
  const d = new Date(local)
  const year = pad(d.getUTCFullYear(), 4)
  const month = `${year}-${pad(d.getUTCMonth() + 1)}`
  const day = `${month}-${pad(d.getUTCDate())}`
  switch (rule) {
    case 'hourly':
      return `${day}T${pad(d.getUTCHours())}:00`
    case 'daily':
      return day
    case 'weekly': {
      const w = isoWeek(Math.floor(local / DAY_MS))
      return `${pad(w.year, 4)}-W${pad(w.week)}`
    }
    case 'monthly':
      return month
    case 'yearly':
      return year
  }
}
