import { describe, expect, it } from 'vitest'
import {
  describePolicy,
  formatOffset,
  isEmptyPolicy,
  parsePolicy,
  validateOffset,
  validatePolicy,
} from '../../../src/core/retention/index.js'
import { CpoError } from '../../../src/errors.js'

function caught(fn: () => unknown): CpoError {
  try {
    fn()
  } catch (e) {
    if (e instanceof CpoError) return e
    throw e
  }
  throw new Error('expected a CpoError')
}

describe('parsePolicy', () => {
  it('reads commander-style string values and ignores unrelated options', () => {
    expect(
      parsePolicy({ keepDaily: '7', keepWeekly: '4', keepMonthly: '12', dryRun: true, json: 'x' }),
    ).toEqual({ keepDaily: 7, keepWeekly: 4, keepMonthly: 12 })
  })

  it('accepts -1 / unlimited for counts and 30 / 30d for keepWithinDays', () => {
    expect(parsePolicy({ keepLast: '-1' })).toEqual({ keepLast: -1 })
    expect(parsePolicy({ keepYearly: 'Unlimited', keepHourly: ' 24 ' })).toEqual({
      keepYearly: -1,
      keepHourly: 24,
    })
    expect(parsePolicy({ keepWithinDays: '30d' })).toEqual({ keepWithinDays: 30 })
    expect(parsePolicy({ keepWithinDays: '30' })).toEqual({ keepWithinDays: 30 })
    expect(parsePolicy({ keepLast: 3 })).toEqual({ keepLast: 3 })
  })

  it('refuses an empty policy with a usage error and an example', () => {
    for (const flags of [{}, { keepDaily: '0' }, { keepLast: '0', keepWithinDays: '0d' }]) {
      const e = caught(() => parsePolicy(flags))
      expect(e.code).toBe('RETENTION_EMPTY_POLICY')
      expect(e.exitClass).toBe('usage')
      expect(e.exitCode).toBe(2)
      expect(e.hint).toBe(
        'Say what to keep, e.g. --keep-daily 7 --keep-weekly 4 --keep-monthly 12 ' +
          '(or --keep-last 10).',
      )
    }
  })

  it('refuses malformed counts naming the flag', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ keepDaily: 'abc' }, '--keep-daily must be a whole number, got "abc"'],
      [{ keepDaily: '2.5' }, '--keep-daily must be a whole number, got "2.5"'],
      [{ keepDaily: '1e3' }, '--keep-daily must be a whole number, got "1e3"'],
      [{ keepDaily: '' }, '--keep-daily must be a whole number, got ""'],
      [
        { keepWeekly: '-2' },
        '--keep-weekly must be a whole number (0 or more, or -1 for unlimited), got -2',
      ],
      [{ keepWithinDays: '-1' }, '--keep-within-days must be a whole number, got "-1"'],
      [
        { keepWithinDays: 'unlimited' },
        '--keep-within-days must be a whole number, got "unlimited"',
      ],
      [{ keepLast: ['1', '2'] }, '--keep-last expects one value, got ["1","2"]'],
    ]
    for (const [flags, message] of cases) {
      const e = caught(() => parsePolicy(flags))
      expect(e.code).toBe('RETENTION_INVALID')
      expect(e.exitClass).toBe('usage')
      expect(e.message).toBe(message)
    }
  })
})

describe('validatePolicy', () => {
  it('returns only the keys that are set', () => {
    expect(validatePolicy({ keepDaily: 7, keepLast: undefined, keepYearly: 0 })).toEqual({
      keepDaily: 7,
      keepYearly: 0,
    })
  })

  it('refuses non-integer, below -1, non-finite and unknown fields', () => {
    const e1 = caught(() => validatePolicy({ keepDaily: 2.5 }))
    expect([e1.code, e1.message]).toEqual([
      'RETENTION_INVALID',
      '--keep-daily must be a whole number (0 or more, or -1 for unlimited), got 2.5',
    ])
    expect(e1.details).toEqual({ key: 'keepDaily', value: 2.5 })
    expect(caught(() => validatePolicy({ keepLast: -2 })).code).toBe('RETENTION_INVALID')
    expect(caught(() => validatePolicy({ keepLast: Number.NaN })).code).toBe('RETENTION_INVALID')
    expect(caught(() => validatePolicy({ keepMonthly: Infinity })).code).toBe('RETENTION_INVALID')
    const e2 = caught(() => validatePolicy({ keepWithinDays: -1 }))
    expect(e2.message).toBe('--keep-within-days must be a whole number of days (0 or more), got -1')
    const e3 = caught(() => validatePolicy({ keepDialy: 7 } as never))
    expect([e3.code, e3.message]).toEqual([
      'RETENTION_INVALID',
      'Unknown retention policy field "keepDialy"',
    ])
  })

  it('checks values before emptiness, so a bad value is reported as such', () => {
    expect(caught(() => validatePolicy({ keepDaily: -5 })).code).toBe('RETENTION_INVALID')
    expect(caught(() => validatePolicy({})).code).toBe('RETENTION_EMPTY_POLICY')
  })

  it('isEmptyPolicy treats 0 and absent alike and -1 as a rule', () => {
    expect(isEmptyPolicy({})).toBe(true)
    expect(isEmptyPolicy({ keepDaily: 0, keepWithinDays: 0 })).toBe(true)
    expect(isEmptyPolicy({ keepYearly: -1 })).toBe(false)
  })
})

describe('describePolicy', () => {
  it('writes one line in a fixed order', () => {
    expect(
      describePolicy({
        keepMonthly: 12,
        keepDaily: 7,
        keepLast: 3,
        keepWeekly: 4,
        keepYearly: -1,
        keepWithinDays: 30,
      }),
    ).toBe(
      'keep the last 3, 7 daily, 4 weekly, 12 monthly, unlimited yearly, ' +
        'all within 30 days of the newest (buckets in UTC)',
    )
    expect(
      describePolicy({ keepLast: -1, keepHourly: 24, keepWithinDays: 1 }, { utcOffsetMinutes: 60 }),
    ).toBe('keep every backup, 24 hourly, all within 1 day of the newest (buckets in UTC+01:00)')
    expect(describePolicy({ keepDaily: 0 })).toBe('no rules (an empty policy is refused)')
  })
})

describe('offsets', () => {
  it('formats and validates offsets', () => {
    expect(formatOffset(0)).toBe('UTC')
    expect(formatOffset(330)).toBe('UTC+05:30')
    expect(formatOffset(-300)).toBe('UTC-05:00')
    expect(validateOffset(840)).toBe(840)
    expect(validateOffset(-720)).toBe(-720)
    for (const bad of [841, -721, 30.5, Number.NaN]) {
      const e = caught(() => validateOffset(bad))
      expect([e.code, e.exitClass]).toEqual(['RETENTION_INVALID', 'usage'])
    }
  })
})
