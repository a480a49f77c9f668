import { describe, expect, it } from 'vitest'
import {
  currentStage,
  currentStageId,
  dependenciesDone,
  dependenciesOf,
  dependentsOf,
  deriveEpicStatus,
  findEpic,
  findStage,
  findStory,
  type ProjectFile,
  phaseName,
  recomputeProgress,
  stageNumber,
  stagesOfEpic,
  unmetDependencies,
} from '../../../src/core/project/index.js'
import { type CpoError, isCpoError } from '../../../src/errors.js'
import { fixture, thrown } from './fixtures.js'

const template = fixture('template-after-planning.json').data
const mid = fixture('mid-execution.json').data
const objectShaped = fixture('current-stage-object.json').data
const dag = fixture('parallel-dag.json').data

const ids = (stages: readonly { id: string }[]): string[] => stages.map((s) => s.id)

const cpoError = (fn: () => unknown): CpoError => {
  const error = thrown(fn)
  if (!isCpoError(error)) throw new Error(`expected a CpoError, got ${String(error)}`)
  return error
}

describe('stageNumber', () => {
  it.each([
    ['S3', '3'],
    ['S5.1', '5.1'],
    ['Stage 2.1', '2.1'],
    ['s12', '12'],
    ['S03', '3'],
    ['stage-7', '7'],
    ['S10.02', '10.2'],
  ])('%s → %s', (id, number) => {
    expect(stageNumber(id)).toBe(number)
  })

  it('is undefined for ids without a number', () => {
    expect(stageNumber('setup')).toBeUndefined()
    expect(stageNumber('')).toBeUndefined()
  })
})

describe('findStage', () => {
  it('finds by exact id, case-insensitive id and number', () => {
    expect(findStage(mid, 'S3').name).toBe('Budget CRUD')
    expect(findStage(mid, 's4').name).toBe('Recurring expenses')
    expect(findStage(mid, 3).id).toBe('S3')
    expect(findStage(mid, '5').id).toBe('S5')
    expect(findStage(mid, 'stage-2').id).toBe('S2')
  })

  it('matches dotted and spaced ids by number', () => {
    expect(findStage(dag, 5.1).id).toBe('S5.1')
    expect(findStage(dag, '5.2').id).toBe('S5.2')
    expect(findStage(dag, 5).id).toBe('S5')
    expect(findStage(dag, '2.1').id).toBe('Stage 2.1')
    expect(findStage(dag, 'S1').id).toBe('Stage 1')
    expect(findStage(dag, 'stage 2.2').id).toBe('Stage 2.2')
  })

  it('lists the known stage ids when nothing matches', () => {
    const error = cpoError(() => findStage(mid, 'S9'))
    expect(error.code).toBe('STAGE_NOT_FOUND')
    expect(error.exitClass).toBe('notFound')
    expect(error.message).toBe('Stage "S9" not found; known stages: S1, S2, S3, S4, S5')
    expect(error.details).toEqual({ ref: 'S9', known: ['S1', 'S2', 'S3', 'S4', 'S5'] })
    expect(cpoError(() => findStage({}, 1)).message).toBe(
      'Stage "1" not found; known stages: (none)',
    )
  })

  it('refuses a reference that matches several stages', () => {
    const project: ProjectFile = { stages: [{ id: 'S3' }, { id: 'Stage 3' }] }
    const error = cpoError(() => findStage(project, 3))
    expect(error.code).toBe('STAGE_AMBIGUOUS')
    expect(error.exitClass).toBe('usage')
    expect(error.message).toBe('Stage reference "3" matches several stages: S3, Stage 3')
    const cased: ProjectFile = { stages: [{ id: 'Setup' }, { id: 'SETUP' }] }
    expect(cpoError(() => findStage(cased, 'setup')).message).toBe(
      'Stage reference "setup" matches several stages: Setup, SETUP',
    )
    expect(findStage(cased, 'SETUP').id).toBe('SETUP')
  })

  it('prefers an exact id over a trimmed one', () => {
    const project: ProjectFile = { stages: [{ id: 'S1' }, { id: ' S1' }] }
    expect(findStage(project, ' S1')).toBe(project.stages?.[1])
    expect(findStage(project, ' S1 ')).toBe(project.stages?.[0])
  })

  it('returns the first stage when an id is duplicated, so it can still be repaired', () => {
    const project: ProjectFile = {
      stages: [
        { id: 'S1', name: 'first' },
        { id: 'S1', name: 'second' },
      ],
    }
    expect(findStage(project, 'S1').name).toBe('first')
  })
})

describe('findEpic / findStory', () => {
  it('finds epics by id, case-insensitively', () => {
    expect(findEpic(mid, 'e2').name).toBe('Budgets')
    const error = cpoError(() => findEpic(mid, 'E9'))
    expect(error.code).toBe('EPIC_NOT_FOUND')
    expect(error.message).toBe('Epic "E9" not found; known epics: E1, E2, E3')
  })

  it('finds stories within a stage', () => {
    expect(findStory(findStage(mid, 'S3'), 's3-us-003').attempts).toBe(2)
    const error = cpoError(() => findStory(findStage(mid, 'S4'), 'S4-US-009'))
    expect(error.code).toBe('STORY_NOT_FOUND')
    expect(error.message).toBe('Story "S4-US-009" not found in stage S4; its stories: S4-US-001')
  })
})

describe('currentStage', () => {
  it('follows a string id', () => {
    expect(currentStageId(mid)).toBe('S3')
    expect(currentStage(mid)?.name).toBe('Budget CRUD')
  })

  it('follows an object', () => {
    expect(currentStageId(objectShaped)).toBe('S3')
    expect(currentStage(objectShaped)?.name).toBe('Route maps')
  })

  it('falls back to the first in-progress stage when null', () => {
    expect(currentStageId(dag)).toBeUndefined()
    expect(currentStage(dag)?.id).toBe('S5.1')
  })

  it('is undefined when nothing is current', () => {
    expect(currentStage(template)).toBeUndefined()
    expect(
      currentStage({ currentStage: 'S9', stages: [{ id: 'S1', status: 'in_progress' }] }),
    ).toBe(undefined)
  })
})

describe('dependencies', () => {
  it('lists transitive dependents in file order', () => {
    expect(ids(dependentsOf(dag, 'Stage 1'))).toEqual([
      'Stage 2.1',
      'Stage 2.2',
      'S5',
      'S5.1',
      'S5.2',
      'S6',
      'S7',
    ])
    expect(ids(dependentsOf(dag, '5.1'))).toEqual(['S6', 'S7'])
    expect(ids(dependentsOf(dag, 'Stage 2.2'))).toEqual(['S5', 'S5.1', 'S5.2', 'S6', 'S7'])
    expect(ids(dependentsOf(dag, 'S7'))).toEqual([])
    expect(ids(dependentsOf(mid, 'S3'))).toEqual(['S4', 'S5'])
  })

  it('lists transitive dependencies in file order', () => {
    expect(ids(dependenciesOf(dag, 'S6'))).toEqual([
      'Stage 1',
      'Stage 2.1',
      'Stage 2.2',
      'S5',
      'S5.1',
      'S5.2',
    ])
    expect(ids(dependenciesOf(dag, 'Stage 1'))).toEqual([])
  })

  it('survives cycles', () => {
    const cyclic: ProjectFile = {
      stages: [
        { id: 'S1', dependsOn: ['S3'] },
        { id: 'S2', dependsOn: ['S1'] },
        { id: 'S3', dependsOn: ['S2'] },
        { id: 'S4', dependsOn: ['S2'] },
      ],
    }
    expect(ids(dependentsOf(cyclic, 'S1'))).toEqual(['S2', 'S3', 'S4'])
    expect(ids(dependenciesOf(cyclic, 'S4'))).toEqual(['S1', 'S2', 'S3'])
  })

  it('treats completed, tested and skipped dependencies as met', () => {
    expect(unmetDependencies(dag, 'S5')).toEqual([])
    expect(dependenciesDone(dag, 'S5')).toBe(true)
    expect(unmetDependencies(dag, 'S6')).toEqual(['S5.1', 'S5.2'])
    expect(dependenciesDone(dag, 'S6')).toBe(false)
    expect(unmetDependencies(mid, 'S3')).toEqual([])
    expect(unmetDependencies(mid, 'S4')).toEqual(['S3'])
  })

  it('counts a dependency on an unknown stage as unmet', () => {
    const project: ProjectFile = { stages: [{ id: 'S1', dependsOn: ['S0', 'S0'] }] }
    expect(unmetDependencies(project, 'S1')).toEqual(['S0'])
  })
})

describe('epics', () => {
  it('derives status from the listed stages', () => {
    expect(deriveEpicStatus(mid, 'E1')).toBe('completed')
    expect(deriveEpicStatus(mid, 'E2')).toBe('in_progress')
    expect(deriveEpicStatus(mid, 'E3')).toBe('pending')
    expect(deriveEpicStatus(template, 'E1')).toBe('pending')
  })

  it('falls back to stages whose epicId matches when the epic lists none', () => {
    expect(ids(stagesOfEpic(dag, 'E1'))).toEqual(['Stage 1', 'Stage 2.1', 'Stage 2.2'])
    expect(deriveEpicStatus(dag, 'E1')).toBe('completed')
    expect(deriveEpicStatus(dag, 'E2')).toBe('in_progress')
  })

  it('counts a stage that left pending (even failed or blocked) as started', () => {
    const project: ProjectFile = {
      epics: [{ id: 'E1', stages: ['S1', 'S2'] }],
      stages: [
        { id: 'S1', status: 'blocked' },
        { id: 'S2', status: '' },
      ],
    }
    expect(deriveEpicStatus(project, 'E1')).toBe('in_progress')
  })

  it('never completes an epic that lists a missing stage', () => {
    const project: ProjectFile = {
      epics: [{ id: 'E1', stages: ['S1', 'S9'] }],
      stages: [{ id: 'S1', status: 'completed' }],
    }
    expect(deriveEpicStatus(project, 'E1')).toBe('in_progress')
  })

  it('keeps the recorded status of an epic without stages', () => {
    const project: ProjectFile = {
      epics: [
        { id: 'E1', status: 'completed' },
        { id: 'E2', status: 'weird' },
      ],
    }
    expect(deriveEpicStatus(project, 'E1')).toBe('completed')
    expect(deriveEpicStatus(project, 'E2')).toBe('pending')
  })
})

describe('recomputeProgress', () => {
  it('counts a template as nothing done', () => {
    expect(recomputeProgress(template)).toEqual({
      completedEpics: 0,
      completedStages: 0,
      completedStories: 0,
      totalEpics: 2,
      totalStages: 3,
      totalStories: 3,
    })
  })

  it('counts completed and tested stages and passing stories mid-execution', () => {
    // The file says totalStories 9: it is stale, there are 10 stories.
    expect(recomputeProgress(mid)).toEqual({
      completedEpics: 1,
      completedStages: 2,
      completedStories: 5,
      totalEpics: 3,
      totalStages: 5,
      totalStories: 10,
    })
  })

  it('does not count skipped stages as completed, but lets them finish an epic', () => {
    expect(recomputeProgress(dag)).toEqual({
      completedEpics: 1,
      completedStages: 3,
      completedStories: 1,
      totalEpics: 2,
      totalStages: 8,
      totalStories: 2,
    })
  })

  it('counts nothing in an empty file', () => {
    expect(recomputeProgress({})).toEqual({
      completedEpics: 0,
      completedStages: 0,
      completedStories: 0,
      totalEpics: 0,
      totalStages: 0,
      totalStories: 0,
    })
  })
})

describe('phaseName', () => {
  it('names the five phases', () => {
    expect([1, 2, 3, 4, 5].map(phaseName)).toEqual([
      'Discovery',
      'Planning',
      'Execution',
      'Full Project Validation',
      'Documentation & Delivery',
    ])
    expect(phaseName(0)).toBeUndefined()
    expect(phaseName(6)).toBeUndefined()
  })
})
