import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseProjectDocument } from '../../src/core/project/index.js'
import { mergeRollbackState } from '../../src/core/rollback/index.js'
import { commitAll, cpo, writeFiles } from '../helpers/repo.js'
import { fixtureText, ok, skillRepo, state } from './skill.js'

describe('currentStage after rollback stage', () => {
  it('is cleared, and a second rollback without a stage goes back to the same start', () => {
    const dir = skillRepo(fixtureText('template-after-planning.json'))
    ok(dir, ['stage', 'start', 'S1'])
    writeFiles(dir, { 'src/s1.ts': 'export const s1 = 1\n' })
    commitAll(dir, 'feat(S1-US-001): Scaffold the app')
    ok(dir, ['stage', 'complete', 'S1', '--skip-verify'])
    ok(dir, ['stage', 'start', 'S2'])
    writeFiles(dir, { 'src/s2.ts': 'export const s2 = 1\n' })
    commitAll(dir, 'feat(S2-US-001): First recipe')

    const first = cpo(dir, ['--json', 'rollback', 'stage', '--reason', 'bad start'])
    expect(first.code, first.stderr).toBe(0)
    expect(first.json.data.scope).toBe('stage-2')
    expect(state(dir).currentStage).toBeNull()
    expect(state(dir).stages.map((s: any) => s.status)).toEqual(['tested', 'pending', 'pending'])

    // Nothing is in progress now: "the current stage" is the one the last rollback reset.
    const second = cpo(dir, ['--json', 'rollback', 'stage', '--reason', 'again'])
    expect(second.code, second.stderr).toBe(0)
    expect(second.json.data.scope).toBe('stage-2')
    expect(second.json.data.stagesReset).toEqual(['S2', 'S3'])
    expect(state(dir).stages[0].status).toBe('tested')
    expect(fs.readFileSync(path.join(dir, 'src/s1.ts'), 'utf8')).toBe('export const s1 = 1\n')
  })

  it('an object-valued currentStage becomes null too', () => {
    const today = parseProjectDocument(fixtureText('current-stage-object.json'))
    expect(today.data.currentStage).toEqual({ id: 'S3', name: 'Route maps', totalStories: 4 })
    // The target's copy names the stage finished back then: it is not copied.
    const then = { ...today.data, currentStage: { id: 'S2', name: 'Routes', totalStories: 1 } }
    const merged = mergeRollbackState(today, then, new Set(['S3']))
    expect(merged.doc.data.currentStage).toBeNull()
    // A parallel stage still running keeps its place.
    const kept = mergeRollbackState(today, today.data, new Set(['S4']))
    expect(kept.doc.data.currentStage).toEqual({ id: 'S3', name: 'Route maps', totalStories: 4 })
  })
})
