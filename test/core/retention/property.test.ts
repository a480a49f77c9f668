import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  planRetention,
  type RetentionBackup,
  type RetentionPolicy,
} from '../../../src/core/retention/index.js'
import { CpoError } from '../../../src/errors.js'
import { referencePlan } from './reference.js'

const BASE = Date.UTC(2024, 0, 1)
const HOUR = 3_600_000

// Times cluster on a few hundred hours (so buckets and exact ties collide often) or spread over
// three years at minute resolution (so weeks, months and years all come into play).
const timeMs = fc.oneof(
  fc.integer({ min: 0, max: 400 }).map((h) => BASE + h * HOUR),
  fc.integer({ min: 0, max: 3 * 366 * 24 * 60 }).map((m) => BASE + m * 60_000),
)

const backupArb = fc.record({
  id: fc.stringMatching(/^[a-z0-9]{1,4}$/),
  ms: timeMs,
  asString: fc.boolean(),
  pinned: fc.option(fc.boolean(), { nil: undefined }),
  verified: fc.option(fc.boolean(), { nil: undefined }),
  complete: fc.option(fc.boolean(), { nil: undefined }),
})

const backupsArb = fc.uniqueArray(backupArb, { selector: (b) => b.id, maxLength: 40 }).map((list) =>
  list.map(({ ms, asString, ...rest }): RetentionBackup => {
    const time = asString ? new Date(ms).toISOString() : new Date(ms)
    return { ...rest, time }
  }),
)

const count = fc.constantFrom(0, 1, 2, 3, 5, 8, -1)
const policyArb: fc.Arbitrary<RetentionPolicy> = fc.record(
  {
    keepLast: count,
    keepHourly: count,
    keepDaily: count,
    keepWeekly: count,
    keepMonthly: count,
    keepYearly: count,
    keepWithinDays: fc.constantFrom(0, 1, 3, 30),
  },
  { requiredKeys: [] },
)

// Every rule off, some explicitly (0) and some by leaving the key out.
const emptyPolicyArb: fc.Arbitrary<RetentionPolicy> = fc.record(
  {
    keepLast: fc.constant(0),
    keepDaily: fc.constant(0),
    keepYearly: fc.constant(0),
    keepWithinDays: fc.constant(0),
  },
  { requiredKeys: [] },
)

const isEmpty = (p: RetentionPolicy) => Object.values(p).every((v) => (v ?? 0) === 0)
const msOf = (b: RetentionBackup) => new Date(b.time).getTime()
const newestFirst = (a: RetentionBackup, b: RetentionBackup) =>
  msOf(b) - msOf(a) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

describe('planRetention properties', () => {
  it('equals the reference and keeps its invariants', () => {
    fc.assert(
      fc.property(
        backupsArb,
        policyArb.filter((p) => !isEmpty(p)),
        fc.integer({ min: -720, max: 840 }),
        (backups, policy, offset) => {
          const plan = planRetention(backups, policy, { utcOffsetMinutes: offset })
          const ref = referencePlan(backups, policy, offset)
          expect(plan.keep.map((e) => [e.id, e.reasons])).toEqual(ref.keep)
          expect(plan.remove.map((e) => [e.id, e.reasons])).toEqual(ref.remove)

          const keep = new Set(plan.keep.map((e) => e.id))
          const remove = new Set(plan.remove.map((e) => e.id))
          // keep ∪ remove = input, keep ∩ remove = ∅
          expect([...keep, ...remove].sort()).toEqual(backups.map((b) => b.id).sort())
          expect([...keep].filter((id) => remove.has(id))).toEqual([])
          // both lists newest first with id tie-break
          const sorted = [...backups].sort(newestFirst).map((b) => b.id)
          expect([...plan.keep, ...plan.remove].map((e) => e.id).sort()).toEqual([...sorted].sort())
          expect(plan.keep.map((e) => e.id)).toEqual(sorted.filter((id) => keep.has(id)))
          expect(plan.remove.map((e) => e.id)).toEqual(sorted.filter((id) => remove.has(id)))
          // pinned ⊆ keep
          for (const b of backups) if (b.pinned) expect(keep.has(b.id)).toBe(true)
          // the newest complete verified backup is kept
          const proven = [...backups]
            .sort(newestFirst)
            .find((b) => b.verified && b.complete !== false)
          if (proven !== undefined) expect(keep.has(proven.id)).toBe(true)
          // the keepLast N newest complete (unpinned) backups are kept
          const counted = [...backups]
            .sort(newestFirst)
            .filter((b) => b.complete !== false && !b.pinned)
          const n = policy.keepLast ?? 0
          for (const b of n === -1 ? counted : counted.slice(0, n)) {
            expect(keep.has(b.id)).toBe(true)
          }
          // a non-empty policy always keeps the newest counted backup
          if (counted[0] !== undefined) expect(keep.has(counted[0].id)).toBe(true)
          // incomplete unpinned backups are always removed as incomplete
          for (const e of plan.remove) {
            const b = backups.find((x) => x.id === e.id)
            expect(e.reasons).toEqual([b?.complete === false ? 'incomplete' : 'no rule keeps it'])
          }
          // every kept backup has at least one reason
          for (const e of plan.keep) expect(e.reasons.length).toBeGreaterThan(0)
        },
      ),
      { numRuns: 500 },
    )
  })

  it('does not depend on input order', () => {
    fc.assert(
      fc.property(
        backupsArb,
        policyArb.filter((p) => !isEmpty(p)),
        (backups, policy) => {
          const a = planRetention(backups, policy)
          const b = planRetention([...backups].reverse(), policy)
          expect(b).toEqual(a)
        },
      ),
      { numRuns: 200 },
    )
  })

  it('refuses every empty policy', () => {
    fc.assert(
      fc.property(backupsArb, emptyPolicyArb, (backups, policy) => {
        let code = ''
        try {
          planRetention(backups, policy)
        } catch (e) {
          if (e instanceof CpoError) code = e.code
        }
        expect(code).toBe('RETENTION_EMPTY_POLICY')
      }),
      { numRuns: 50 },
    )
  })
})
