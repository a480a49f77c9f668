import { describe, expect, it } from 'vitest'
import { planRetention, type RetentionBackup } from '../../../src/core/retention/index.js'
import { referencePlan } from './reference.js'

const DAY = 86_400_000
const START = Date.UTC(2025, 10, 25, 2) // 2025-11-25T02:00:00Z, fixed: no clock is read

// One backup a day at 02:00 UTC for 365 days: 2025-11-25 .. 2026-11-24.
const backups: RetentionBackup[] = Array.from({ length: 365 }, (_, i) => {
  const time = new Date(START + i * DAY)
  return { id: time.toISOString().slice(0, 10), time }
})
const policy = { keepDaily: 7, keepWeekly: 4, keepMonthly: 12 }

describe('a year of daily backups with keepDaily 7, keepWeekly 4, keepMonthly 12', () => {
  const plan = planRetention(backups, policy)

  it('keeps exactly the hand-listed 20 survivors', () => {
    expect(plan.keep.map((e) => e.id)).toEqual([
      // the last 7 days
      '2026-11-24',
      '2026-11-23',
      '2026-11-22',
      '2026-11-21',
      '2026-11-20',
      '2026-11-19',
      '2026-11-18',
      // weeks W46 and W45 end on these Sundays (W48 and W47 are already covered above)
      '2026-11-15',
      '2026-11-08',
      // last day of each earlier month back to December 2025
      '2026-10-31',
      '2026-09-30',
      '2026-08-31',
      '2026-07-31',
      '2026-06-30',
      '2026-05-31',
      '2026-04-30',
      '2026-03-31',
      '2026-02-28',
      '2026-01-31',
      '2025-12-31',
    ])
    expect(plan.remove).toHaveLength(345)
    expect(plan.remove[0]?.id).toBe('2026-11-17')
    expect(plan.remove.at(-1)?.id).toBe('2025-11-25')
  })

  it('gives the expected reasons', () => {
    const reasons = new Map(plan.keep.map((e) => [e.id, e.reasons]))
    expect(reasons.get('2026-11-24')).toEqual([
      'daily snapshot 2026-11-24',
      'weekly snapshot 2026-W48',
      'monthly snapshot 2026-11',
    ])
    expect(reasons.get('2026-11-22')).toEqual([
      'daily snapshot 2026-11-22',
      'weekly snapshot 2026-W47',
    ])
    expect(reasons.get('2026-11-15')).toEqual(['weekly snapshot 2026-W46'])
    expect(reasons.get('2026-11-08')).toEqual(['weekly snapshot 2026-W45'])
    expect(reasons.get('2025-12-31')).toEqual(['monthly snapshot 2025-12'])
    expect(plan.remove.every((e) => e.reasons.join() === 'no rule keeps it')).toBe(true)
  })

  it('matches the independent reference implementation', () => {
    const ref = referencePlan(backups, policy)
    expect(plan.keep.map((e) => [e.id, e.reasons])).toEqual(ref.keep)
    expect(plan.remove.map((e) => [e.id, e.reasons])).toEqual(ref.remove)
    expect(new Set(plan.keep.map((e) => e.id))).toEqual(new Set(ref.keep.map(([id]) => id)))
  })
})
