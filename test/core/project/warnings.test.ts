import { describe, expect, it } from 'vitest'
import { type ProjectFile, projectWarnings } from '../../../src/core/project/index.js'
import { FIXTURES, fixture } from './fixtures.js'

describe('projectWarnings', () => {
  it.each(FIXTURES)('finds nothing wrong in %s', (name) => {
    expect(projectWarnings(fixture(name).data)).toEqual([])
  })

  it('reports unknown references, duplicates and cycles with their paths', () => {
    const project: ProjectFile = {
      epics: [{ id: 'E1', stages: ['S1', 'S8'] }],
      stages: [
        { id: 'S1', epicId: 'E1', dependsOn: ['S3'] },
        { id: 'S2', epicId: 'E7', dependsOn: ['S1', 'S0'] },
        { id: 'S3', epicId: '', dependsOn: ['S2'] },
        { id: 'S2' },
      ],
      currentStage: { id: 'S9' },
    }
    expect(projectWarnings(project)).toEqual([
      {
        code: 'CURRENT_STAGE_UNKNOWN',
        message: 'currentStage names unknown stage "S9"',
        path: '$.currentStage.id',
      },
      {
        code: 'DUPLICATE_STAGE_ID',
        message: 'stage id "S2" is used by more than one stage',
        path: '$.stages[3].id',
      },
      {
        code: 'DEPENDENCY_UNKNOWN',
        message: 'stage S2 depends on unknown stage "S0"',
        path: '$.stages[1].dependsOn[1]',
      },
      {
        code: 'DEPENDENCY_CYCLE',
        message: 'stages depend on each other in a cycle: S1, S2, S3',
        path: '$.stages[0].dependsOn',
      },
      {
        code: 'EPIC_STAGE_UNKNOWN',
        message: 'epic E1 lists unknown stage "S8"',
        path: '$.epics[0].stages[1]',
      },
      {
        code: 'STAGE_EPIC_UNKNOWN',
        message: 'stage S2 belongs to unknown epic "E7"',
        path: '$.stages[1].epicId',
      },
    ])
  })

  it('reports separate cycles separately and a string currentStage at its own path', () => {
    const project: ProjectFile = {
      stages: [
        { id: 'A', dependsOn: ['B'] },
        { id: 'B', dependsOn: ['A'] },
        { id: 'C', dependsOn: ['C'] },
      ],
      currentStage: 'Z',
    }
    expect(projectWarnings(project).map((w) => [w.code, w.path, w.message])).toEqual([
      ['CURRENT_STAGE_UNKNOWN', '$.currentStage', 'currentStage names unknown stage "Z"'],
      ['DEPENDENCY_CYCLE', '$.stages[0].dependsOn', 'stages depend on each other in a cycle: A, B'],
      ['DEPENDENCY_CYCLE', '$.stages[2].dependsOn', 'stage C depends on itself'],
    ])
  })
})
