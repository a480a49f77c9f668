/**
 * An independent, deliberately naive retention planner used as the oracle in tests. It shares no
 * code with src/core/retention: buckets come from toISOString() and the "week 1 holds January 4"
 * definition of ISO weeks, and each calendar rule groups backups in a Map, takes the newest per
 * bucket and then the newest N buckets (instead of restic's single walk).
 */
import type { RetentionBackup, RetentionPolicy } from '../../../src/core/retention/index.js'

const DAY = 86_400_000

interface Item {
  id: string
  ms: number
  pinned: boolean
  verified: boolean
  complete: boolean
}

const newerFirst = (a: Item, b: Item): number => {
  if (a.ms !== b.ms) return b.ms - a.ms
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}

const mondayOf = (dayStart: number): number =>
  dayStart - ((new Date(dayStart).getUTCDay() + 6) % 7) * DAY
const week1Monday = (year: number): number => mondayOf(Date.UTC(year, 0, 4))

export function refWeek(ms: number): string {
  const d = new Date(ms)
  const dayStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())
  let year = d.getUTCFullYear()
  if (dayStart >= week1Monday(year + 1)) year += 1
  else if (dayStart < week1Monday(year)) year -= 1
  const week = Math.floor((dayStart - week1Monday(year)) / (7 * DAY)) + 1
  return `${year}-W${String(week).padStart(2, '0')}`
}

type Rule = 'hourly' | 'daily' | 'weekly' | 'monthly' | 'yearly'

export function refKey(rule: Rule, ms: number, offsetMinutes: number): string {
  const local = ms + offsetMinutes * 60_000
  const iso = new Date(local).toISOString()
  if (rule === 'hourly') return `${iso.slice(0, 13)}:00`
  if (rule === 'daily') return iso.slice(0, 10)
  if (rule === 'monthly') return iso.slice(0, 7)
  if (rule === 'yearly') return iso.slice(0, 4)
  return refWeek(local)
}

const RULES: Array<[Rule, keyof RetentionPolicy]> = [
  ['hourly', 'keepHourly'],
  ['daily', 'keepDaily'],
  ['weekly', 'keepWeekly'],
  ['monthly', 'keepMonthly'],
  ['yearly', 'keepYearly'],
]

export interface RefPlan {
  keep: Array<[string, string[]]>
  remove: Array<[string, string[]]>
}

export function referencePlan(
  backups: readonly RetentionBackup[],
  policy: RetentionPolicy,
  offsetMinutes = 0,
): RefPlan {
  const items: Item[] = backups.map((b) => ({
    id: b.id,
    ms: new Date(b.time).getTime(),
    pinned: b.pinned === true,
    verified: b.verified === true,
    complete: b.complete !== false,
  }))
  items.sort(newerFirst)
  const reasons = new Map<string, string[]>()
  const add = (id: string, r: string) => reasons.set(id, [...(reasons.get(id) ?? []), r])
  const counted = items.filter((b) => b.complete && !b.pinned)

  const last = policy.keepLast ?? 0
  const lastN = last === -1 ? counted.length : last
  counted.slice(0, lastN).forEach((b, i) => {
    add(b.id, `last snapshot #${i + 1}`)
  })

  for (const [rule, key] of RULES) {
    const n = policy[key] ?? 0
    if (n === 0) continue
    const newestPerBucket = new Map<string, Item>()
    for (const b of counted) {
      const k = refKey(rule, b.ms, offsetMinutes)
      const cur = newestPerBucket.get(k)
      if (cur === undefined || newerFirst(b, cur) < 0) newestPerBucket.set(k, b)
    }
    const buckets = [...newestPerBucket.entries()].sort((x, y) => newerFirst(x[1], y[1]))
    for (const [k, b] of n === -1 ? buckets : buckets.slice(0, n))
      add(b.id, `${rule} snapshot ${k}`)
  }

  const days = policy.keepWithinDays ?? 0
  const newest = counted[0]
  if (days > 0 && newest !== undefined) {
    for (const b of counted) {
      if (newest.ms - b.ms < days * DAY) {
        add(b.id, `within ${days} day${days === 1 ? '' : 's'} of newest backup`)
      }
    }
  }

  for (const b of items) if (b.pinned) add(b.id, 'pinned')
  const verified = items.filter((b) => b.complete && b.verified)
  if (verified[0] !== undefined) add(verified[0].id, 'newest verified backup')

  const plan: RefPlan = { keep: [], remove: [] }
  for (const b of items) {
    const r = reasons.get(b.id)
    if (r !== undefined) plan.keep.push([b.id, r])
    else plan.remove.push([b.id, [b.complete ? 'no rule keeps it' : 'incomplete']])
  }
  return plan
}
