import { CpoError } from '../../errors.js'
import type { PolicyKey, RetentionOptions, RetentionPolicy } from './types.js'

/** Unlimited, as restic spells it: every period (or every backup for keepLast) is kept. */
export const UNLIMITED = -1

/** Policy keys in display order, with the CLI flag each one comes from. */
const FIELDS: ReadonlyArray<{ key: PolicyKey; flag: string; word: string }> = [
  { key: 'keepLast', flag: '--keep-last', word: 'last' },
  { key: 'keepHourly', flag: '--keep-hourly', word: 'hourly' },
  { key: 'keepDaily', flag: '--keep-daily', word: 'daily' },
  { key: 'keepWeekly', flag: '--keep-weekly', word: 'weekly' },
  { key: 'keepMonthly', flag: '--keep-monthly', word: 'monthly' },
  { key: 'keepYearly', flag: '--keep-yearly', word: 'yearly' },
  { key: 'keepWithinDays', flag: '--keep-within-days', word: 'within' },
]

const EXAMPLE = 'e.g. --keep-daily 7 --keep-weekly 4 --keep-monthly 12 (or --keep-last 10)'

// The widest offsets in use are UTC-12:00 and UTC+14:00; anything else is a unit mistake.
const MIN_OFFSET = -12 * 60
const MAX_OFFSET = 14 * 60

const flagOf = (key: PolicyKey): string => FIELDS.find((f) => f.key === key)?.flag ?? key

function invalid(message: string, hint: string, details: unknown): CpoError {
  return new CpoError('RETENTION_INVALID', 'usage', message, { hint, details })
}

function checkValue(key: PolicyKey, value: number): void {
  if (key === 'keepWithinDays') {
    // A duration has no "unlimited": keeping everything is what no policy at all would mean.
    if (!Number.isSafeInteger(value) || value < 0) {
      throw invalid(
        `${flagOf(key)} must be a whole number of days (0 or more), got ${value}`,
        'Use e.g. --keep-within-days 30; 0 turns the rule off.',
        { key, value },
      )
    }
    return
  }
  if (!Number.isSafeInteger(value) || value < UNLIMITED) {
    throw invalid(
      `${flagOf(key)} must be a whole number (0 or more, or -1 for unlimited), got ${value}`,
      `Use e.g. ${flagOf(key)} 7; 0 turns the rule off and -1 keeps every period.`,
      { key, value },
    )
  }
}

/** True when no rule would keep anything (all counts absent or 0). */
export const isEmptyPolicy = (policy: RetentionPolicy): boolean =>
  FIELDS.every(({ key }) => (policy[key] ?? 0) === 0)

/**
 * Checks a policy object and returns a copy holding only the keys that are set. Unknown keys are
 * refused because a typo (`keepDialy`) would otherwise silently drop a rule. An empty policy is
 * refused like `restic forget` does: applying it would mean either "delete all" or "do nothing",
 * and neither is what someone who ran a prune meant.
 */
export function validatePolicy(policy: RetentionPolicy): RetentionPolicy {
  const out: RetentionPolicy = {}
  for (const [key, value] of Object.entries(policy)) {
    const field = FIELDS.find((f) => f.key === key)
    if (field === undefined) {
      throw invalid(
        `Unknown retention policy field "${key}"`,
        `Known fields: ${FIELDS.map((f) => f.key).join(', ')}.`,
        { key },
      )
    }
    if (value === undefined) continue
    if (typeof value !== 'number') {
      throw invalid(`${field.flag} must be a number, got ${typeof value}`, EXAMPLE, { key, value })
    }
    checkValue(field.key, value)
    out[field.key] = value
  }
  if (isEmptyPolicy(out)) {
    throw new CpoError(
      'RETENTION_EMPTY_POLICY',
      'usage',
      'The retention policy has no rule: at least one --keep-* option must be above 0',
      { hint: `Say what to keep, ${EXAMPLE}.`, details: { policy: out } },
    )
  }
  return out
}

function parseFlag(key: PolicyKey, raw: unknown): number | undefined {
  if (raw === undefined || raw === null) return undefined
  if (typeof raw === 'number') return raw
  const flag = flagOf(key)
  if (typeof raw !== 'string') {
    throw invalid(`${flag} expects one value, got ${JSON.stringify(raw)}`, EXAMPLE, { key, raw })
  }
  const text = raw.trim().toLowerCase()
  if (key === 'keepWithinDays') {
    // Only whole days: restic's richer "1y2m3d" durations are not worth the ambiguity here.
    const m = /^(\d+)d?$/.exec(text)
    if (m?.[1] !== undefined) return Number(m[1])
  } else {
    if (text === 'unlimited') return UNLIMITED
    if (/^-?\d+$/.test(text)) return Number(text)
  }
  throw invalid(
    `${flag} must be a whole number, got "${raw}"`,
    key === 'keepWithinDays'
      ? 'Use a number of days, e.g. --keep-within-days 30 (or 30d).'
      : `Use e.g. ${flag} 7, or -1 / unlimited to keep every period.`,
    { key, raw },
  )
}

/**
 * Turns CLI option values (commander's camelCase keys, string values) into a validated policy.
 * Keys that are not policy keys (e.g. `dryRun`) are ignored, so the whole options object can be
 * passed. Counts accept `-1` or `unlimited`; `keepWithinDays` accepts `30` or `30d`.
 */
export function parsePolicy(flags: Readonly<Record<string, unknown>>): RetentionPolicy {
  const policy: RetentionPolicy = {}
  for (const { key } of FIELDS) {
    const value = parseFlag(key, flags[key])
    if (value !== undefined) policy[key] = value
  }
  return validatePolicy(policy)
}

/** Refuses offsets that are not whole minutes within UTC-12:00..UTC+14:00. */
export function validateOffset(utcOffsetMinutes: number): number {
  if (
    !Number.isInteger(utcOffsetMinutes) ||
    utcOffsetMinutes < MIN_OFFSET ||
    utcOffsetMinutes > MAX_OFFSET
  ) {
    throw invalid(
      `utcOffsetMinutes must be whole minutes from ${MIN_OFFSET} to ${MAX_OFFSET}, ` +
        `got ${utcOffsetMinutes}`,
      'Pass minutes east of UTC, e.g. 60 for UTC+01:00 or -300 for UTC-05:00.',
      { utcOffsetMinutes },
    )
  }
  return utcOffsetMinutes
}

export function formatOffset(utcOffsetMinutes: number): string {
  if (utcOffsetMinutes === 0) return 'UTC'
  const abs = Math.abs(utcOffsetMinutes)
  const hm = `${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`
  return `UTC${utcOffsetMinutes < 0 ? '-' : '+'}${hm}`
}

/**
 * One line for logs and `--dry-run` headers, e.g. `keep the last 3, 7 daily, 4 weekly,
 * 12 monthly, all within 30 days of the newest (buckets in UTC)`.
 */
export function describePolicy(policy: RetentionPolicy, options: RetentionOptions = {}): string {
  const parts: string[] = []
  for (const { key, word } of FIELDS) {
    const n = policy[key] ?? 0
    if (n === 0) continue
    if (key === 'keepWithinDays') {
      parts.push(`all within ${n} day${n === 1 ? '' : 's'} of the newest`)
    } else if (key === 'keepLast') {
      parts.push(n === UNLIMITED ? 'every backup' : `the last ${n}`)
    } else {
      parts.push(`${n === UNLIMITED ? 'unlimited' : n} ${word}`)
    }
  }
  if (parts.length === 0) return 'no rules (an empty policy is refused)'
  return `keep ${parts.join(', ')} (buckets in ${formatOffset(options.utcOffsetMinutes ?? 0)})`
}
