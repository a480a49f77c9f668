import { describe, expect, it } from 'vitest'
import {
  planRetention,
  type RetentionBackup,
  type RetentionPlan,
} from '../../../src/core/retention/index.js'
import { CpoError } from '../../../src/errors.js'

/** The plan as [id, reasons] pairs: compact and keeps the order under test. */
const ids = (plan: RetentionPlan) => ({
  keep: plan.keep.map((e) => [e.id, e.reasons]),
  remove: plan.remove.map((e) => [e.id, e.reasons]),
})

function caught(fn: () => unknown): CpoError {
  try {
    fn()
  } catch (e) {
    if (e instanceof CpoError) return e
    throw e
  }
  throw new Error('expected a CpoError')
}

describe('planRetention: hand-worked cases', () => {
  it('keepLast keeps the N newest and sorts the output newest first', () => {
    const backups: RetentionBackup[] = [
      { id: 'c', time: '2026-11-22T02:00:00Z' },
      { id: 'a', time: '2026-11-24T02:00:00Z' },
      { id: 'd', time: new Date('2026-11-21T02:00:00Z') },
      { id: 'b', time: '2026-11-23T02:00:00Z' },
    ]
    const plan = planRetention(backups, { keepLast: 2 })
    expect(ids(plan)).toEqual({
      keep: [
        ['a', ['last snapshot #1']],
        ['b', ['last snapshot #2']],
      ],
      remove: [
        ['c', ['no rule keeps it']],
        ['d', ['no rule keeps it']],
      ],
    })
    expect(plan.keep[0]?.time).toEqual(new Date('2026-11-24T02:00:00Z'))
  })

  it('keepDaily keeps the newest per day for the last N days that have a backup', () => {
    const backups: RetentionBackup[] = [
      { id: 'd1', time: '2026-11-24T10:00:00Z' },
      { id: 'd2', time: '2026-11-24T02:00:00Z' },
      { id: 'd3', time: '2026-11-23T23:00:00Z' },
      { id: 'd4', time: '2026-11-23T01:00:00Z' },
      // 2026-11-22 has no backup: it does not use up one of the three days.
      { id: 'd5', time: '2026-11-21T12:00:00Z' },
      { id: 'd6', time: '2026-11-20T12:00:00Z' },
    ]
    expect(ids(planRetention(backups, { keepDaily: 3 }))).toEqual({
      keep: [
        ['d1', ['daily snapshot 2026-11-24']],
        ['d3', ['daily snapshot 2026-11-23']],
        ['d5', ['daily snapshot 2026-11-21']],
      ],
      remove: [
        ['d2', ['no rule keeps it']],
        ['d4', ['no rule keeps it']],
        ['d6', ['no rule keeps it']],
      ],
    })
  })

  it('ORs the rules and lists every reason', () => {
    const backups: RetentionBackup[] = [
      { id: 'tue', time: '2026-11-24T02:00:00Z' }, // W48
      { id: 'mon', time: '2026-11-23T02:00:00Z' }, // W48
      { id: 'sun', time: '2026-11-22T02:00:00Z' }, // W47
      { id: 'nov1', time: '2026-11-01T02:00:00Z' }, // W44
      { id: 'oct31', time: '2026-10-31T02:00:00Z' }, // W44
      { id: 'oct15', time: '2026-10-15T02:00:00Z' },
    ]
    const policy = { keepLast: 1, keepDaily: 2, keepWeekly: 2, keepMonthly: 2 }
    expect(ids(planRetention(backups, policy))).toEqual({
      keep: [
        [
          'tue',
          [
            'last snapshot #1',
            'daily snapshot 2026-11-24',
            'weekly snapshot 2026-W48',
            'monthly snapshot 2026-11',
          ],
        ],
        ['mon', ['daily snapshot 2026-11-23']],
        ['sun', ['weekly snapshot 2026-W47']],
        ['oct31', ['monthly snapshot 2026-10']],
      ],
      remove: [
        ['nov1', ['no rule keeps it']],
        ['oct15', ['no rule keeps it']],
      ],
    })
  })

  it('breaks time ties by id, in buckets and in the output', () => {
    const t = '2026-11-24T02:00:00Z'
    const backups = [
      { id: 'b', time: t },
      { id: 'c', time: t },
      { id: 'a', time: t },
    ]
    expect(ids(planRetention(backups, { keepDaily: 1 }))).toEqual({
      keep: [['a', ['daily snapshot 2026-11-24']]],
      remove: [
        ['b', ['no rule keeps it']],
        ['c', ['no rule keeps it']],
      ],
    })
  })

  it('never counts incomplete backups and removes them unless pinned', () => {
    const backups: RetentionBackup[] = [
      { id: 'broken', time: '2026-11-24T10:00:00Z', complete: false, verified: true },
      { id: 'good', time: '2026-11-24T02:00:00Z' },
      { id: 'kept-broken', time: '2026-11-23T10:00:00Z', complete: false, pinned: true },
      { id: 'older', time: '2026-11-23T02:00:00Z' },
    ]
    expect(ids(planRetention(backups, { keepLast: 1, keepDaily: 1 }))).toEqual({
      keep: [
        ['good', ['last snapshot #1', 'daily snapshot 2026-11-24']],
        ['kept-broken', ['pinned']],
      ],
      remove: [
        ['broken', ['incomplete']],
        ['older', ['no rule keeps it']],
      ],
    })
  })

  it('keeps pinned backups without letting them use up a bucket', () => {
    const backups: RetentionBackup[] = [
      { id: 'pin', time: '2026-11-24T10:00:00Z', pinned: true },
      { id: 'q', time: '2026-11-24T02:00:00Z' },
      { id: 'r', time: '2026-11-23T02:00:00Z' },
      { id: 'old-pin', time: '2020-01-01T00:00:00Z', pinned: true },
    ]
    expect(ids(planRetention(backups, { keepLast: 1, keepDaily: 1 }))).toEqual({
      keep: [
        ['pin', ['pinned']],
        ['q', ['last snapshot #1', 'daily snapshot 2026-11-24']],
        ['old-pin', ['pinned']],
      ],
      remove: [['r', ['no rule keeps it']]],
    })
  })

  it('always keeps the newest complete verified backup', () => {
    const backups: RetentionBackup[] = [
      { id: 'new', time: '2026-11-24T02:00:00Z' },
      { id: 'half', time: '2026-11-23T02:00:00Z', verified: true, complete: false },
      { id: 'proven', time: '2026-11-22T02:00:00Z', verified: true },
      { id: 'proven-old', time: '2026-11-21T02:00:00Z', verified: true },
    ]
    expect(ids(planRetention(backups, { keepLast: 1 }))).toEqual({
      keep: [
        ['new', ['last snapshot #1']],
        ['proven', ['newest verified backup']],
      ],
      remove: [
        ['half', ['incomplete']],
        ['proven-old', ['no rule keeps it']],
      ],
    })
    const both = planRetention([{ id: 'v', time: '2026-11-24T02:00:00Z', verified: true }], {
      keepDaily: 1,
    })
    expect(both.keep[0]?.reasons).toEqual(['daily snapshot 2026-11-24', 'newest verified backup'])
    const pinnedProof = planRetention(
      [
        { id: 'p', time: '2026-11-24T02:00:00Z', verified: true, pinned: true },
        { id: 'x', time: '2026-11-23T02:00:00Z' },
      ],
      { keepLast: 1 },
    )
    expect(ids(pinnedProof).keep).toEqual([
      ['p', ['pinned', 'newest verified backup']],
      ['x', ['last snapshot #1']],
    ])
  })

  it('treats -1 as unlimited', () => {
    const backups: RetentionBackup[] = [
      { id: 'n2', time: '2026-11-20T00:00:00Z' },
      { id: 'n1', time: '2026-11-02T00:00:00Z' },
      { id: 'o1', time: '2026-10-10T00:00:00Z' },
      { id: 's2', time: '2026-09-30T00:00:00Z' },
      { id: 's1', time: '2026-09-01T00:00:00Z' },
    ]
    expect(ids(planRetention(backups, { keepMonthly: -1 }))).toEqual({
      keep: [
        ['n2', ['monthly snapshot 2026-11']],
        ['o1', ['monthly snapshot 2026-10']],
        ['s2', ['monthly snapshot 2026-09']],
      ],
      remove: [
        ['n1', ['no rule keeps it']],
        ['s1', ['no rule keeps it']],
      ],
    })
    const all = planRetention(backups, { keepLast: -1 })
    expect(all.keep.map((e) => e.reasons[0])).toEqual([
      'last snapshot #1',
      'last snapshot #2',
      'last snapshot #3',
      'last snapshot #4',
      'last snapshot #5',
    ])
    expect(all.remove).toEqual([])
  })

  it('measures keepWithinDays from the newest backup, not from the current time', () => {
    const backups: RetentionBackup[] = [
      { id: 'newest', time: '2020-03-10T02:00:00Z' },
      { id: 'inside', time: '2020-03-08T02:00:00.001Z' },
      { id: 'edge', time: '2020-03-08T02:00:00Z' },
      { id: 'old', time: '2020-02-01T02:00:00Z' },
    ]
    expect(ids(planRetention(backups, { keepWithinDays: 2 }))).toEqual({
      keep: [
        ['newest', ['within 2 days of newest backup']],
        ['inside', ['within 2 days of newest backup']],
      ],
      remove: [
        ['edge', ['no rule keeps it']],
        ['old', ['no rule keeps it']],
      ],
    })
  })

  it('cuts buckets on the local clock when an offset is given', () => {
    const backups: RetentionBackup[] = [
      { id: 'late', time: '2026-11-22T23:30:00Z' },
      { id: 'early', time: '2026-11-22T20:00:00Z' },
    ]
    expect(ids(planRetention(backups, { keepWeekly: 2 }))).toEqual({
      keep: [['late', ['weekly snapshot 2026-W47']]],
      remove: [['early', ['no rule keeps it']]],
    })
    expect(ids(planRetention(backups, { keepWeekly: 2 }, { utcOffsetMinutes: 60 }))).toEqual({
      keep: [
        ['late', ['weekly snapshot 2026-W48']],
        ['early', ['weekly snapshot 2026-W47']],
      ],
      remove: [],
    })
  })

  it('normalises ISO strings with offsets and returns an empty plan for no backups', () => {
    const plan = planRetention([{ id: 'x', time: '2026-11-24T03:00:00+01:00' }], { keepDaily: 1 })
    expect(plan.keep[0]?.time.toISOString()).toBe('2026-11-24T02:00:00.000Z')
    expect(planRetention([], { keepLast: 3 })).toEqual({ keep: [], remove: [] })
  })

  it('does not modify its input', () => {
    const backups = Object.freeze([
      Object.freeze({ id: 'b', time: '2026-11-23T02:00:00Z' }),
      Object.freeze({ id: 'a', time: '2026-11-24T02:00:00Z' }),
    ])
    const policy = Object.freeze({ keepLast: 1 })
    planRetention(backups, policy)
    expect(backups.map((b) => b.id)).toEqual(['b', 'a'])
  })
})

describe('planRetention: refusals', () => {
  const one = [{ id: 'a', time: '2026-11-24T02:00:00Z' }]

  it('refuses an empty or invalid policy and a bad offset', () => {
    expect(caught(() => planRetention(one, {})).code).toBe('RETENTION_EMPTY_POLICY')
    expect(caught(() => planRetention(one, { keepDaily: 1.5 })).code).toBe('RETENTION_INVALID')
    const e = caught(() => planRetention(one, { keepDaily: 1 }, { utcOffsetMinutes: 900 }))
    expect([e.code, e.exitClass]).toEqual(['RETENTION_INVALID', 'usage'])
  })

  it('refuses duplicate ids, empty ids and unreadable or zoneless times', () => {
    const cases: Array<[RetentionBackup[], string]> = [
      [[...one, { id: 'a', time: '2026-11-23T02:00:00Z' }], 'Backup id "a" appears twice'],
      [[{ id: '', time: '2026-11-23T02:00:00Z' }], 'A backup has an empty id'],
      [[{ id: 'y', time: 'yesterday' }], 'Backup "y" has an invalid time: yesterday'],
      [
        [{ id: 'z', time: '2026-11-24T02:00:00' }],
        'Backup "z" has an invalid time: 2026-11-24T02:00:00',
      ],
      [[{ id: 'n', time: new Date(Number.NaN) }], 'Backup "n" has an invalid time: Invalid Date'],
    ]
    for (const [backups, message] of cases) {
      const e = caught(() => planRetention(backups, { keepLast: 1 }))
      expect([e.code, e.exitClass, e.message]).toEqual([
        'RETENTION_INVALID_BACKUP',
        'invalidInput',
        message,
      ])
    }
  })
})
