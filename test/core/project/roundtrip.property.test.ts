import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  parseProjectDocument,
  serializeProjectDocument,
  updateStage,
} from '../../../src/core/project/index.js'

const text = fc.string({ unit: 'binary', maxLength: 12 })
const status = fc.oneof(
  fc.constantFrom('pending', 'in_progress', 'implemented', 'tested', 'completed', 'skipped'),
  text,
)
const timestamp = fc.oneof(fc.constant(null), text)
// Unknown keys are prefixed so they never collide with a known key of another type.
const extras = fc.dictionary(
  text.map((k) => `x-${k}`),
  fc.jsonValue({ maxDepth: 2 }),
  { maxKeys: 2 },
)

const story = fc
  .tuple(
    fc.record(
      { id: text, title: text, passes: fc.boolean(), attempts: fc.nat(), completedAt: timestamp },
      { requiredKeys: ['id'] },
    ),
    extras,
  )
  .map(([known, extra]) => ({ ...known, ...extra }))

const stage = fc
  .tuple(
    fc.record(
      {
        id: text,
        epicId: text,
        name: text,
        status,
        dependsOn: fc.array(text, { maxLength: 3 }),
        stories: fc.array(story, { maxLength: 3 }),
        startedAt: timestamp,
        feedbackLoop: fc.record({
          iterations: fc.nat(),
          status,
          history: fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 2 }),
        }),
      },
      { requiredKeys: ['id'] },
    ),
    extras,
  )
  .map(([known, extra]) => ({ ...known, ...extra }))

const project = fc
  .tuple(
    fc.record(
      {
        project: fc.record({ name: text, status }),
        epics: fc.array(fc.record({ id: text, status, stages: fc.array(text, { maxLength: 3 }) }), {
          maxLength: 3,
        }),
        stages: fc.array(stage, { maxLength: 5 }),
        currentStage: fc.oneof(
          fc.constant(null),
          text,
          fc.record({ id: text, name: text, totalStories: fc.nat() }, { requiredKeys: ['id'] }),
        ),
        currentPhase: fc.oneof(fc.constant(null), fc.integer({ min: 1, max: 5 })),
        progress: fc.record({ phase: text, completedStages: fc.nat(), totalStages: fc.nat() }),
      },
      { requiredKeys: [] },
    ),
    extras,
  )
  .map(([known, extra]) => ({ ...known, ...extra }))

describe('round trip (property)', () => {
  it('parse + serialize is the identity on JSON.stringify(x, null, 2) + newline', () => {
    fc.assert(
      fc.property(project, (value) => {
        const source = `${JSON.stringify(value, null, 2)}\n`
        const doc = parseProjectDocument(source)
        // Compared with the re-parsed value: JSON cannot hold -0, which the generator may produce.
        expect(doc.data).toEqual(JSON.parse(source))
        expect(serializeProjectDocument(doc)).toBe(source)
      }),
      { numRuns: 300 },
    )
  })

  it('holds for any indent, line ending and final newline JSON.stringify can produce', () => {
    const layout = fc.record({
      indent: fc.constantFrom(' ', '  ', '   ', '    ', '\t', '\t\t'),
      crlf: fc.boolean(),
      finalNewline: fc.boolean(),
    })
    fc.assert(
      fc.property(project, layout, (value, { indent, crlf, finalNewline }) => {
        const body = JSON.stringify(value, null, indent)
        const lineEnding = crlf ? '\r\n' : '\n'
        const source = `${body.replaceAll('\n', lineEnding)}${finalNewline ? lineEnding : ''}`
        expect(serializeProjectDocument(parseProjectDocument(source))).toBe(source)
      }),
      { numRuns: 200 },
    )
  })

  it('an update changes only the patched value and never the input', () => {
    const withStage = project.filter((p) => (p.stages?.length ?? 0) > 0)
    fc.assert(
      fc.property(withStage, text, (value, newStatus) => {
        const source = `${JSON.stringify(value, null, 2)}\n`
        const doc = parseProjectDocument(source)
        const first = doc.data.stages?.[0]
        if (first === undefined) throw new Error('generator guarantees a stage')
        const next = updateStage(doc, first.id, { status: newStatus })
        expect(serializeProjectDocument(doc)).toBe(source)
        const expected = structuredClone(value) as { stages: Record<string, unknown>[] }
        const expectedStage = expected.stages[0] ?? {}
        expectedStage.status = newStatus
        expect(serializeProjectDocument(next)).toBe(`${JSON.stringify(expected, null, 2)}\n`)
      }),
      { numRuns: 200 },
    )
  })
})
