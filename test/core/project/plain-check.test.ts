import { describe, expect, it } from 'vitest'
import * as z from 'zod/mini'
import { projectSchemaProblems } from '../../../src/core/project/index.js'
import { passesProjectSchema } from '../../../src/core/project/plain-check.js'
import { projectFileSchema } from '../../../src/core/project/schema.js'
import { FIXTURES, fixtureText } from './fixtures.js'

type JsonSchema = {
  type?: string | string[]
  properties?: Record<string, JsonSchema>
  required?: string[]
  items?: JsonSchema
  anyOf?: JsonSchema[]
}
type Path = Array<string | number>

const root = z.toJSONSchema(projectFileSchema, { io: 'output' }) as JsonSchema
const variants = (s: JsonSchema): JsonSchema[] => [s, ...(s.anyOf ?? [])]

/** Every place in the schema a value can stand, found from the schema itself (not listed here). */
function paths(s: JsonSchema, at: Path = []): Path[] {
  const found: Path[] = [at]
  for (const v of variants(s)) {
    for (const [key, sub] of Object.entries(v.properties ?? {}))
      found.push(...paths(sub, [...at, key]))
    if (v.items) found.push(...paths(v.items, [...at, 0]))
  }
  return found
}

/** The smallest valid value of a schema. */
function minimal(s: JsonSchema): unknown {
  const v = variants(s).find((x) => x.type !== undefined) ?? s
  const type = Array.isArray(v.type) ? v.type[0] : v.type
  if (type === 'object') {
    return Object.fromEntries((v.required ?? []).map((k) => [k, minimal(v.properties?.[k] ?? {})]))
  }
  return { string: 's', number: 1, boolean: true, array: [], null: null }[type ?? 'null'] ?? null
}

/** A value valid everywhere except at `path`, where `value` stands. */
function placed(s: JsonSchema, path: Path, value: unknown): unknown {
  const [key, ...rest] = path
  if (key === undefined) return value
  if (typeof key === 'number') {
    const v = variants(s).find((x) => x.items) as JsonSchema
    return [placed(v.items as JsonSchema, rest, value)]
  }
  const v = variants(s).find((x) => x.properties?.[key]) as JsonSchema
  return {
    ...(minimal(v) as object),
    [key]: placed(v.properties?.[key] as JsonSchema, rest, value),
  }
}

const CANDIDATES: unknown[] = [
  undefined,
  's',
  '',
  0,
  1.5,
  Number.POSITIVE_INFINITY, // what JSON.parse makes of 1e999
  true,
  null,
  [],
  ['s'],
  [1],
  [{}],
  {},
  { id: 's' },
  { id: 1 },
]

const agrees = (value: unknown) =>
  expect(passesProjectSchema(value)).toBe(projectSchemaProblems(value).length === 0)

describe('passesProjectSchema: the schema restated without the validator', () => {
  it.each(FIXTURES)('accepts the fixture %s, as the schema does', (name) => {
    const value = JSON.parse(fixtureText(name))
    expect(passesProjectSchema(value)).toBe(true)
    agrees(value)
  })

  it('agrees with the schema for every kind of value at every place the schema names', () => {
    const all = paths(root)
    // The walk reaches the nested places, so a field the schema gains is compared too.
    expect(all.map((p) => p.join('.'))).toEqual(
      expect.arrayContaining(['stages.0.stories.0.passes', 'currentStage.totalStories']),
    )
    let compared = 0
    for (const path of all) {
      for (const value of CANDIDATES) {
        const doc = placed(root, path, value)
        const verdict = passesProjectSchema(doc)
        const expected = projectSchemaProblems(doc).length === 0
        if (verdict !== expected) {
          throw new Error(`disagrees at ${path.join('.')} = ${JSON.stringify(value)}`)
        }
        compared++
      }
    }
    expect(compared).toBe(all.length * CANDIDATES.length)
  })

  it('refuses what is not an object at the top', () => {
    for (const value of [null, [], 'x', 1]) {
      expect(passesProjectSchema(value)).toBe(false)
      agrees(value)
    }
  })
})
