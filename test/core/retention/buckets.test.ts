import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { bucketKey, isoWeek } from '../../../src/core/retention/index.js'
import { refKey, refWeek } from './reference.js'

const at = (iso: string): number => Date.parse(iso)
const keys = (iso: string, offset = 0) => ({
  hourly: bucketKey('hourly', at(iso), offset),
  daily: bucketKey('daily', at(iso), offset),
  weekly: bucketKey('weekly', at(iso), offset),
  monthly: bucketKey('monthly', at(iso), offset),
  yearly: bucketKey('yearly', at(iso), offset),
})

describe('bucketKey', () => {
  it('labels every calendar bucket', () => {
    expect(keys('2026-11-24T13:45:10Z')).toEqual({
      hourly: '2026-11-24T13:00',
      daily: '2026-11-24',
      weekly: '2026-W48',
      monthly: '2026-11',
      yearly: '2026',
    })
  })

  it('starts ISO weeks on Monday 00:00: Sunday 23:00 is the previous week', () => {
    expect(keys('2026-11-22T23:00:00Z').weekly).toBe('2026-W47')
    expect(keys('2026-11-22T23:59:59.999Z').weekly).toBe('2026-W47')
    expect(keys('2026-11-23T00:00:00Z').weekly).toBe('2026-W48')
    expect(keys('2026-11-29T23:59:59.999Z').weekly).toBe('2026-W48')
    expect(keys('2026-11-30T00:00:00Z').weekly).toBe('2026-W49')
  })

  it('puts late-December days into week 1 of next year when that week starts in December', () => {
    // 2025-W01 runs Monday 2024-12-30 .. Sunday 2025-01-05.
    expect(keys('2024-12-29T23:59:59Z').weekly).toBe('2024-W52')
    expect(keys('2024-12-30T00:00:00Z')).toEqual({
      hourly: '2024-12-30T00:00',
      daily: '2024-12-30',
      weekly: '2025-W01',
      monthly: '2024-12',
      yearly: '2024',
    })
    expect(keys('2025-01-05T23:00:00Z').weekly).toBe('2025-W01')
    expect(keys('2025-01-06T00:00:00Z').weekly).toBe('2025-W02')
  })

  it('keeps 2026-12-31 and 2027-01-01 in 2026-W53 but in different days, months and years', () => {
    expect(keys('2026-12-31T23:59:59.999Z')).toEqual({
      hourly: '2026-12-31T23:00',
      daily: '2026-12-31',
      weekly: '2026-W53',
      monthly: '2026-12',
      yearly: '2026',
    })
    expect(keys('2027-01-01T00:00:00Z')).toEqual({
      hourly: '2027-01-01T00:00',
      daily: '2027-01-01',
      weekly: '2026-W53',
      monthly: '2027-01',
      yearly: '2027',
    })
    expect(keys('2027-01-03T23:59:59Z').weekly).toBe('2026-W53')
    expect(keys('2027-01-04T00:00:00Z').weekly).toBe('2027-W01')
    expect(keys('2021-01-03T12:00:00Z').weekly).toBe('2020-W53')
  })

  it('cuts buckets on the local clock when given an offset', () => {
    // 23:30 UTC on Sunday is already Monday 00:30 at UTC+01:00.
    expect(keys('2026-11-22T23:30:00Z', 60)).toEqual({
      hourly: '2026-11-23T00:00',
      daily: '2026-11-23',
      weekly: '2026-W48',
      monthly: '2026-11',
      yearly: '2026',
    })
    // 03:00 UTC on Monday is still Sunday 22:00 at UTC-05:00.
    expect(keys('2026-11-23T03:00:00Z', -300).daily).toBe('2026-11-22')
    expect(keys('2026-11-23T03:00:00Z', -300).weekly).toBe('2026-W47')
    expect(keys('2026-12-31T23:00:00Z', 330).yearly).toBe('2027')
    expect(keys('2026-12-31T23:00:00Z', 330).hourly).toBe('2027-01-01T04:00')
  })

  it('agrees with the January-4 definition of ISO weeks and with toISOString', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(1971, 0, 1), max: Date.UTC(2100, 0, 1) }),
        fc.integer({ min: -720, max: 840 }),
        (ms, offset) => {
          for (const rule of ['hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const) {
            expect(bucketKey(rule, ms, offset)).toBe(refKey(rule, ms, offset))
          }
        },
      ),
      { numRuns: 2000 },
    )
  })
})

describe('isoWeek', () => {
  it('handles days before 1970 (1969-12-29 is Monday of 1970-W01)', () => {
    expect(isoWeek(-3)).toEqual({ year: 1970, week: 1 })
    expect(isoWeek(-4)).toEqual({ year: 1969, week: 52 })
    expect(refWeek(Date.UTC(1969, 11, 28))).toBe('1969-W52')
  })

  it('numbers the first Thursday of a year as week 1', () => {
    expect(isoWeek(Date.UTC(2026, 0, 1) / 86_400_000)).toEqual({ year: 2026, week: 1 })
    expect(isoWeek(Date.UTC(2026, 10, 24) / 86_400_000)).toEqual({ year: 2026, week: 48 })
  })
})
