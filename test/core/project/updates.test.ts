import { describe, expect, it } from 'vitest'
import {
  parseProjectDocument,
  patchProjectFile,
  serializeProjectDocument,
  setCurrentPhase,
  setCurrentStage,
  setProgress,
  updateEpic,
  updateStage,
  updateStory,
} from '../../../src/core/project/index.js'
// The updates validate synchronously: the schema is loaded as the CLI loads it for a writer.
import '../../../src/core/project/schema.js'
import { isCpoError } from '../../../src/errors.js'
import { fixture, fixtureText, thrown } from './fixtures.js'

const snapshotOf = (value: unknown): string => JSON.stringify(value)

describe('updateStage', () => {
  it('patches in place, keeps key order and appends new keys', () => {
    const doc = fixture('mid-execution.json')
    const before = snapshotOf(doc.data)
    const next = updateStage(doc, 'S3', {
      status: 'completed',
      completedAt: '2025-01-16T10:00:00.000Z',
      reviewer: 'bo',
    })
    const stage = next.data.stages?.[2]
    expect(stage?.status).toBe('completed')
    expect(Object.keys(stage ?? {})).toEqual([
      'id',
      'epicId',
      'name',
      'status',
      'dependsOn',
      'stories',
      'startedAt',
      'completedAt',
      'testedAt',
      'feedbackLoop',
      'qualityGate',
      'reviewer',
    ])
    expect(snapshotOf(doc.data)).toBe(before)
    expect(next.data.stages?.[1]).toBe(doc.data.stages?.[1])
  })

  it('changes only the patched lines of a tool-written file', () => {
    const text = fixtureText('template-after-planning.json')
    const written = serializeProjectDocument(
      updateStage(parseProjectDocument(text), 2, { status: 'in_progress' }),
    )
    const before = text.split('\n')
    const after = written.split('\n')
    expect(after.length).toBe(before.length)
    const changed = after.flatMap((line, i) => (line === before[i] ? [] : [[before[i], line]]))
    expect(changed).toEqual([['      "status": "pending",', '      "status": "in_progress",']])
    expect(written.endsWith('}\n')).toBe(true)
  })

  it('removes a key patched with undefined', () => {
    const next = updateStage(fixture('mid-execution.json'), 'S2', { qualityGate: undefined })
    expect(Object.hasOwn(next.data.stages?.[1] ?? {}, 'qualityGate')).toBe(false)
  })

  it('refuses an unknown stage and a patch that breaks the schema', () => {
    const doc = fixture('mid-execution.json')
    const missing = thrown(() => updateStage(doc, 'S42', { status: 'completed' }))
    expect(isCpoError(missing) && missing.code).toBe('STAGE_NOT_FOUND')
    const invalid = thrown(() => updateStage(doc, 'S1', { dependsOn: 'S0' as unknown as string[] }))
    expect(isCpoError(invalid) && invalid.message).toBe(
      'An update would make master-project.json invalid: $.stages[0].dependsOn: expected array, received string',
    )
  })

  it('keeps the 4-space layout without a trailing newline', () => {
    const doc = updateStage(fixture('four-space-no-newline.json'), 'S2', { status: 'tested' })
    const written = serializeProjectDocument(doc)
    expect(written).toContain('\n            "status": "tested",\n')
    expect(written.endsWith('}')).toBe(true)
    expect(written).toContain('"name": "Café Crème ☕"')
  })
})

describe('updateStory', () => {
  it('patches one story of one stage', () => {
    const doc = fixture('mid-execution.json')
    const before = snapshotOf(doc.data)
    const next = updateStory(doc, 'S3', 'S3-US-003', {
      passes: true,
      attempts: 3,
      completedAt: '2025-01-16T09:00:00.000Z',
    })
    expect(next.data.stages?.[2]?.stories?.[2]).toEqual({
      id: 'S3-US-003',
      title: 'Archive a budget',
      priority: 3,
      passes: true,
      attempts: 3,
      completedAt: '2025-01-16T09:00:00.000Z',
    })
    expect(next.data.stages?.[2]?.stories?.[3]).toBe(doc.data.stages?.[2]?.stories?.[3])
    expect(snapshotOf(doc.data)).toBe(before)
  })

  it('refuses an unknown story', () => {
    const error = thrown(() => updateStory(fixture('mid-execution.json'), 'S3', 'S3-US-999', {}))
    expect(isCpoError(error) && error.code).toBe('STORY_NOT_FOUND')
  })
})

describe('updateEpic', () => {
  it('patches an epic and keeps its unknown keys', () => {
    const doc = fixture('mid-execution.json')
    const next = updateEpic(doc, 'E2', { status: 'completed' })
    expect(next.data.epics?.[1]).toEqual({
      id: 'E2',
      name: 'Budgets',
      status: 'completed',
      dependsOn: ['E1'],
      stages: ['S3', 'S4'],
      agentNotes: 'S4 waits on design review',
    })
    expect(doc.data.epics?.[1]?.status).toBe('in_progress')
  })
})

describe('setCurrentStage', () => {
  it('writes a string when the file uses a string', () => {
    const doc = fixture('mid-execution.json')
    const next = setCurrentStage(doc, 4)
    expect(next.data.currentStage).toBe('S4')
    expect(doc.data.currentStage).toBe('S3')
  })

  it('writes an object with the same keys when the file uses an object', () => {
    const doc = fixture('current-stage-object.json')
    const next = setCurrentStage(doc, 'S4')
    expect(next.data.currentStage).toEqual({ id: 'S4', name: 'Packing lists', totalStories: 2 })
    expect(Object.keys(next.data)).toEqual(Object.keys(doc.data))
    expect(doc.data.currentStage).toEqual({ id: 'S3', name: 'Route maps', totalStories: 4 })
  })

  it('fills extra object keys from the stage or leaves them out', () => {
    const text = JSON.stringify({
      stages: [
        { id: 'S1', name: 'A', status: 'completed', stories: [{ id: 'x', passes: true }] },
        { id: 'S2', status: 'pending' },
      ],
      currentStage: { id: 'S1', name: 'A', status: 'completed', completedStories: 1, note: 'n' },
    })
    const doc = parseProjectDocument(text)
    expect(setCurrentStage(doc, 'S2').data.currentStage).toEqual({
      id: 'S2',
      status: 'pending',
      completedStories: 0,
    })
  })

  it('writes a string when the file has only ever had null', () => {
    const next = setCurrentStage(fixture('template-after-planning.json'), 's1')
    expect(next.data.currentStage).toBe('S1')
    expect(next.currentStageShape).toEqual({ kind: 'string' })
  })

  it('clears to null and remembers the shape for the next write', () => {
    const cleared = setCurrentStage(fixture('current-stage-object.json'), null)
    expect(cleared.data.currentStage).toBeNull()
    expect(setCurrentStage(cleared, 'S2').data.currentStage).toEqual({
      id: 'S2',
      name: 'Trips',
      totalStories: 1,
    })
  })

  it('refuses an unknown stage', () => {
    const error = thrown(() => setCurrentStage(fixture('parallel-dag.json'), '9'))
    expect(isCpoError(error) && error.message).toBe(
      'Stage "9" not found; known stages: Stage 1, Stage 2.1, Stage 2.2, S5, S5.1, S5.2, S6, S7',
    )
  })
})

describe('setProgress', () => {
  it('rewrites the counters in place and keeps the other progress keys', () => {
    const doc = fixture('mid-execution.json')
    const next = setProgress(doc)
    expect(next.data.progress).toEqual({
      phase: 'execution',
      completedEpics: 1,
      completedStages: 2,
      completedStories: 5,
      totalEpics: 3,
      totalStages: 5,
      totalStories: 10,
      lastUpdated: '2025-01-15T15:31:00.000Z',
    })
    expect(Object.keys(next.data.progress ?? {})).toEqual(Object.keys(doc.data.progress ?? {}))
    expect(doc.data.progress?.totalStories).toBe(9)
  })

  it('leaves a correct file byte-identical', () => {
    const text = fixtureText('parallel-dag.json')
    expect(serializeProjectDocument(setProgress(parseProjectDocument(text)))).toBe(text)
  })

  it('adds progress at the end of a file that has none', () => {
    const next = setProgress(parseProjectDocument('{"stages":[{"id":"S1","status":"tested"}]}'))
    expect(Object.keys(next.data)).toEqual(['stages', 'progress'])
    expect(next.data.progress).toEqual({
      completedEpics: 0,
      completedStages: 1,
      completedStories: 0,
      totalEpics: 0,
      totalStages: 1,
      totalStories: 0,
    })
  })
})

describe('top-level patches', () => {
  it('sets the phase and other top-level keys in place', () => {
    const doc = fixture('template-after-planning.json')
    const next = patchProjectFile(setCurrentPhase(doc, 3), {
      repository: { url: null, branch: 'main', lastCommit: 'abc1234' },
    })
    expect(next.data.currentPhase).toBe(3)
    expect(next.data.repository?.lastCommit).toBe('abc1234')
    expect(Object.keys(next.data)).toEqual(Object.keys(doc.data))
    expect(doc.data.currentPhase).toBe(2)
  })
})
