import { describe, expect, it } from 'vitest'
// @ts-expect-error: the bench helpers are plain ES modules without types
import { projectJson } from '../../../bench/lifecycle.mjs'
import { detectJsonFormat } from '../../../src/core/project/index.js'
import { editJsonText } from '../../../src/core/project/json-edit.js'

/*
 * The state edit applies all the changes of one update against one parse (ARCHITECTURE.md §6).
 * It must write exactly the bytes the change-by-change edit (re-parsing after each change)
 * writes: here both run on the bench's ~38 KB state file, in several layouts, under many random
 * updates — changed values, removed and added keys, grown, shrunk, emptied and filled arrays.
 */

type J = any

function prng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Every container in `value` with its path, the root first. */
function containers(value: J, out: J[] = []): J[] {
  if (value !== null && typeof value === 'object') {
    out.push(value)
    for (const v of Array.isArray(value) ? value : Object.values(value)) containers(v, out)
  }
  return out
}

const SCALARS = [null, true, false, 0, 7, -1.5, '', 'completed', 'in_progress', 'x\ny "q"']
function randomValue(rand: () => number, depth = 0): J {
  const r = rand()
  if (depth > 2 || r < 0.55) return SCALARS[Math.floor(rand() * SCALARS.length)]
  if (r < 0.7) return []
  if (r < 0.8) return {}
  if (r < 0.9)
    return Array.from({ length: 1 + Math.floor(rand() * 3) }, () => randomValue(rand, depth + 1))
  const o: J = {}
  for (let i = 0; i < 1 + Math.floor(rand() * 3); i++)
    o[`k${Math.floor(rand() * 5)}`] = randomValue(rand, depth + 1)
  return o
}

/** One random change of one container of `value` (in place). */
function mutate(value: J, rand: () => number): void {
  const all = containers(value)
  const target = all[Math.floor(rand() * all.length)]
  const pick = rand()
  if (Array.isArray(target)) {
    if (pick < 0.3 && target.length > 0)
      target[Math.floor(rand() * target.length)] = randomValue(rand)
    else if (pick < 0.5) target.push(randomValue(rand))
    else if (pick < 0.65) target.pop()
    else if (pick < 0.75) target.length = 0
    else if (pick < 0.85) target.push(randomValue(rand), randomValue(rand))
    else if (target.length > 0) target.splice(Math.floor(rand() * target.length), 1)
    return
  }
  const keys = Object.keys(target)
  const key = keys[Math.floor(rand() * keys.length)]
  if (pick < 0.45 && key !== undefined) {
    const old = target[key]
    target[key] =
      rand() < 0.7 && (old === null || typeof old !== 'object')
        ? SCALARS[Math.floor(rand() * SCALARS.length)]
        : randomValue(rand)
  } else if (pick < 0.65 && key !== undefined) delete target[key]
  else if (pick < 0.8) target[`new${Math.floor(rand() * 4)}`] = randomValue(rand)
  else if (pick < 0.9) for (const k of keys) delete target[k]
  else for (const k of keys.slice(0, 3)) delete target[k]
}

/** What a rollback does to the state file: stage statuses and dates, the counters. */
function rollbackLike(value: J, rand: () => number): void {
  for (const stage of value.stages) {
    if (rand() < 0.5) continue
    stage.status = rand() < 0.5 ? 'pending' : 'in_progress'
    if (rand() < 0.5) delete stage.completedAt
    else stage.startedAt = '2025-02-01T00:00:00.000Z'
  }
  for (const epic of value.epics) if (rand() < 0.5) epic.status = 'in_progress'
  if (value.metadata !== undefined) value.metadata.completedStages = Math.floor(rand() * 30)
}

function layouts(): [string, string][] {
  const plan = JSON.parse(projectJson(30))
  for (const s of plan.stages.slice(0, 25)) {
    s.status = 'completed'
    s.startedAt = '2025-01-01T00:00:00.000Z'
    s.completedAt = '2025-01-02T00:00:00.000Z'
  }
  const text = `${JSON.stringify(plan, null, 2)}\n`
  // A hand-edited look: one-line stories and compact arrays, as editors and people leave them.
  const compact = text.replace(
    /\{\n\s+"id": "([^"]+)",\n\s+"passes": (true|false)\n\s+\}/g,
    '{"id": "$1", "passes": $2}',
  )
  const mixed = compact.replace(/\[\n\s+("S\d+")\n\s+\]/g, '[$1]')
  return [
    ['two spaces', text],
    ['CRLF, tabs', JSON.stringify(plan, null, '\t').replaceAll('\n', '\r\n')],
    ['BOM, four spaces', `\uFEFF${JSON.stringify(plan, null, 4)}\n`],
    ['compact parts', mixed],
    ['one line', JSON.stringify(plan)],
  ]
}

describe('editJsonText: one pass writes the bytes of the change-by-change edit', () => {
  const cases = layouts()
  it('uses a real state file of bench size', () => {
    expect((cases[0] as [string, string])[1].length).toBeGreaterThan(30_000)
  })

  for (const [name, raw] of cases) {
    it(`random updates, ${name}`, () => {
      const text = raw.replace(/^\uFEFF/, '')
      const format = detectJsonFormat(raw)
      const before = JSON.parse(text)
      const rand = prng(name.length * 7919 + 17)
      let planned = 0
      let compared = 0
      for (let round = 0; round < 150; round++) {
        const after = structuredClone(before)
        const count = 1 + Math.floor(rand() * 8)
        for (let i = 0; i < count; i++) mutate(after, rand)
        const reference = editJsonText(text, before, after, format, 'sequential')
        // The default mode is one of the two, so it is checked on a sample of the rounds.
        if (round % 5 === 0) expect(editJsonText(text, before, after, format)).toBe(reference)
        const one = editJsonText(text, before, after, format, 'one-pass')
        if (one !== undefined) {
          planned++
          expect(one).toBe(reference)
          expect(JSON.parse(one)).toEqual(after)
        }
        if (reference !== undefined) compared++
      }
      // Most random updates are planned in one pass and most can be edited at all.
      expect(planned).toBeGreaterThan(75)
      expect(compared).toBeGreaterThan(100)
    })

    it(`rollback-like updates are one pass, ${name}`, () => {
      const text = raw.replace(/^\uFEFF/, '')
      const format = detectJsonFormat(raw)
      const before = JSON.parse(text)
      const rand = prng(31 + name.length)
      for (let round = 0; round < 40; round++) {
        const after = structuredClone(before)
        rollbackLike(after, rand)
        const reference = editJsonText(text, before, after, format, 'sequential')
        expect(reference).toBeDefined()
        expect(editJsonText(text, before, after, format, 'one-pass')).toBe(reference)
      }
    })
  }
})
