import { describe, expect, it } from 'vitest'
import { parseProjectDocument } from '../../src/core/project/index.js'
import {
  checkReason,
  chooseMode,
  mergeRollbackState,
  namesStory,
  withDependents,
} from '../../src/core/rollback/index.js'
import { projectJson } from '../checkpoint/project.js'

const doc = (mutate: (p: any) => void = () => {}) => {
  const p = JSON.parse(projectJson())
  mutate(p)
  return parseProjectDocument(`${JSON.stringify(p, null, 2)}\n`)
}

describe('state merge', () => {
  it("keeps today's plan, takes runtime fields from the target, resets what it is told to", () => {
    const today = doc((p) => {
      p.stages[0].status = 'tested'
      p.stages[1].status = 'in_progress'
      p.stages[1].notes = 'plan note added today'
      p.stages[1].stories[0].passes = true
      p.stages[2].status = 'in_progress'
      p.stages.push({ ...p.stages[2], id: 'S4', name: 'New since', dependsOn: ['S2'] })
      p.currentStage = { id: 'S3', name: 'Shopping list', totalStories: 1 }
      p.currentPhase = 4
      p.project.status = 'completed'
    })
    const then = doc((p) => {
      p.stages[0].status = 'tested'
      p.stages[0].startedAt = '2025-01-01T00:00:00.000Z'
      p.stages[1].status = 'in_progress'
      p.currentStage = { id: 'S2', name: 'Recipes', totalStories: 2 }
      p.project.status = 'in_progress'
    }).data
    const reset = new Set(withDependents(today.data, ['S2']))
    expect([...reset]).toEqual(['S2', 'S4'])
    const m = mergeRollbackState(today, then, reset)
    const d = m.doc.data as any
    expect(d.stages.map((s: any) => s.status)).toEqual(['tested', 'pending', 'pending', 'pending'])
    expect(d.stages[0].startedAt).toBe('2025-01-01T00:00:00.000Z')
    expect(d.stages[1].notes).toBe('plan note added today')
    expect(d.stages[1].stories[0]).toMatchObject({ passes: false, completedAt: null })
    expect(d.stages.map((s: any) => s.id)).toEqual(['S1', 'S2', 'S3', 'S4'])
    // currentStage named a reset stage: cleared.
    expect(d.currentStage).toBeNull()
    expect(d.currentPhase).toBe(3)
    expect(d.project.status).toBe('in_progress')
    expect(d.epics.map((e: any) => e.status)).toEqual(['pending', 'pending'])
    expect(d.progress).toMatchObject({ completedStages: 1, totalStages: 4, phase: 'execution' })
    expect(m.stages).toEqual([
      { id: 'S2', from: 'in_progress', to: 'pending' },
      { id: 'S3', from: 'in_progress', to: 'pending' },
      { id: 'S4', from: 'in_progress', to: 'pending' },
    ])
    expect(m.stories).toEqual([{ id: 'S2-US-001', stage: 'S2', from: true, to: false }])
    // Key order of today's file is kept.
    expect(Object.keys(d)).toEqual(Object.keys(today.data))
  })

  it('no state file at the target: every stage pending', () => {
    const today = doc((p) => {
      for (const s of p.stages) s.status = 'tested'
      p.currentStage = 'S3'
    })
    const m = mergeRollbackState(today, undefined, new Set())
    expect((m.doc.data.stages ?? []).map((s) => s.status)).toEqual([
      'pending',
      'pending',
      'pending',
    ])
    expect(m.doc.data.currentStage).toBeNull()
  })
})

describe('story commits, mode, reason', () => {
  it('matches the id as a whole token', () => {
    expect(namesStory('feat: US-001 - Add a recipe', 'US-001')).toBe(true)
    expect(namesStory('feat(S1-US-001): Scaffold', 'S1-US-001')).toBe(true)
    expect(namesStory('feat(S1-US-001): Scaffold', 'US-001')).toBe(false)
    expect(namesStory('feat: US-0012 - Other', 'US-001')).toBe(false)
    expect(namesStory('fix: us-001 typo', 'US-001')).toBe(true)
  })

  it('reverts by default only when discarded commits are upstream', () => {
    expect(chooseMode(undefined, 0, 'refs/remotes/origin/main').mode).toBe('reset')
    expect(chooseMode(undefined, 2, 'refs/remotes/origin/main').mode).toBe('revert')
    expect(chooseMode('reset', 2, 'refs/remotes/origin/main').mode).toBe('reset')
  })

  it('a reason is one line', () => {
    expect(() => checkReason(undefined)).toThrow(/needs a reason/)
    expect(() => checkReason('a\nb')).toThrow(/one line/)
    expect(checkReason('  flaky tests ')).toBe('flaky tests')
  })
})
