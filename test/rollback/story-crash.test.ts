import { describe, expect, it } from 'vitest'
import { OPERATION_FAILPOINTS } from '../../src/adapters/failpoint.js'
import { commitAll, cpo, fingerprint, sh, writeFiles } from '../helpers/repo.js'
import {
  builtProject,
  everything,
  prd,
  read,
  state,
  status,
  subject,
  workInProgress,
} from './build.js'

/** builtProject plus story S2-US-002 in its own commit, then marked passing in state and prd. */
function withStory(): string {
  const dir = builtProject()
  writeFiles(dir, { 'src/list-recipes.ts': 'export const listRecipes = () => []\n' })
  commitAll(dir, 'feat(S2-US-002): List recipes')
  const s = state(dir)
  s.stages[1].stories[1].passes = true
  s.stages[1].stories[1].completedAt = '2025-03-04T10:00:00.000Z'
  const p = JSON.parse(prd('S2'))
  p.userStories.push({ ...p.userStories[0], id: 'US-002', title: 'second', passes: true })
  writeFiles(dir, {
    'master-project.json': `${JSON.stringify(s, null, 2)}\n`,
    'prd.json': `${JSON.stringify(p, null, 2)}\n`,
  })
  commitAll(dir, 'chore: update project state')
  return dir
}

describe('rollback story', () => {
  it('reverts the story commits as new commits and marks it not passing; undo is exact', () => {
    const dir = withStory()
    const before = fingerprint(dir)
    const head = before.head
    const r = cpo(dir, ['--json', 'rollback', 'story', 'S2-US-002', '--reason', 'wrong list'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.json.data.commits.map((c: any) => c.subject)).toEqual([
      'feat(S2-US-002): List recipes',
    ])
    expect(r.json.data.stateStory).toEqual({ stage: 'S2', id: 'S2-US-002' })
    expect(subject(dir)).toBe('rollback(story-S2-US-002): wrong list')
    expect(subject(dir, 'HEAD^')).toBe('Revert "feat(S2-US-002): List recipes"')
    expect(sh(dir, 'git', 'rev-parse', 'HEAD~2').trim()).toBe(head)
    expect(sh(dir, 'git', 'ls-files', 'src').trim().split('\n')).not.toContain(
      'src/list-recipes.ts',
    )
    expect(state(dir).stages[1].stories[1]).toMatchObject({ passes: false, completedAt: null })
    expect(state(dir).stages[1].stories[0].passes).toBe(false) // untouched
    const p = JSON.parse(read(dir, 'prd.json'))
    expect(p.userStories.map((s: any) => [s.id, s.passes])).toEqual([
      ['US-001', true],
      ['US-002', false],
    ])
    expect(read(dir, 'cpo-progress.md')).toMatch(/### .* - ROLLBACK story-S2-US-002\n/)
    expect(status(dir)).toBe('')

    expect(cpo(dir, ['undo']).code).toBe(0)
    expect(fingerprint(dir)).toEqual(before)
  })

  it('a bare story id in the message (`feat: US-001 - …`) is found through the stage', () => {
    const dir = builtProject()
    const r = cpo(dir, ['--json', 'rollback', 'story', 'S2-US-001', '--dry-run', '--reason', 'x'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.json.data.plan.commits.map((c: any) => c.subject)).toEqual([
      'feat: US-001 - Add a recipe',
    ])
    // The whole token only: US-001 of S1 (`feat(S1-US-001)`) is another story.
    const bare = cpo(dir, ['--json', 'rollback', 'story', 'US-001', '--dry-run', '--reason', 'x'])
    expect(bare.json.data.plan.commits.map((c: any) => c.subject)).toEqual([
      'feat: US-001 - Add a recipe',
    ])
  })

  it('a conflict aborts cleanly: tree, refs and state as before, conflicting files listed', () => {
    const dir = withStory()
    writeFiles(dir, { 'src/list-recipes.ts': 'export const listRecipes = () => ["built on"]\n' })
    commitAll(dir, 'feat(S2-US-003): builds on the list')
    workInProgress(dir)
    sh(dir, 'git', 'checkout', '--', 'src/recipes.ts') // tracked files clean, untracked kept
    const before = fingerprint(dir)
    const r = cpo(dir, ['--json', 'rollback', 'story', 'S2-US-002', '--reason', 'x'])
    expect(r.code).toBe(4)
    expect(r.json.error?.code).toBe('REVERT_CONFLICT')
    expect(r.json.error?.message).toContain('src/list-recipes.ts')
    expect(fingerprint(dir)).toEqual(before)
    const st = cpo(dir, ['--json', 'status']).json.data
    expect(st.pendingRecovery).toEqual([])
  })

  it('sets uncommitted tracked changes aside, and a story with no commits is an error', () => {
    const dir = withStory()
    workInProgress(dir)
    const dirty = cpo(dir, ['--json', 'rollback', 'story', 'S2-US-002', '--reason', 'x'])
    expect(dirty.code, dirty.stderr).toBe(0)
    expect(dirty.json.data.setAside).toEqual(['src/recipes.ts'])
    expect(dirty.json.data.untracked).toEqual(['notes.txt'])
    const none = cpo(dir, ['--json', 'rollback', 'story', 'S9-US-001', '--reason', 'x'])
    expect(none.code).toBe(3)
    expect(none.json.error?.code).toBe('STORY_COMMITS_NOT_FOUND')
  })
})

describe('rollback crash', () => {
  // Every failpoint a stage rollback passes; before `journal-done` the operation is pending.
  const pendingAt = OPERATION_FAILPOINTS.filter((p) => p !== 'journal-done')
  for (const point of pendingAt) {
    it(`killed at ${point}: cpo recover loses nothing`, () => {
      const dir = builtProject()
      workInProgress(dir)
      const before = fingerprint(dir)
      const crashed = cpo(dir, ['rollback', 'stage', 'S2', '--reason', 'x'], { CPO_FAULT: point })
      expect(crashed.signal).toBe('SIGKILL')
      if (point !== 'lock-taken' && point !== 'before-snapshot') {
        const refused = cpo(dir, ['--json', 'rollback', 'stage', 'S2', '--reason', 'x'])
        expect(refused.json.error?.code).toBe('RECOVERY_PENDING')
      }
      const recovered = cpo(dir, ['--json', 'recover'])
      expect(recovered.code, recovered.stderr).toBe(0)
      expect(fingerprint(dir)).toEqual(before)
      // And the rollback then runs normally.
      const again = cpo(dir, ['--json', 'rollback', 'stage', 'S2', '--reason', 'x'])
      expect(again.code, again.stderr).toBe(0)
      expect(everything(dir).journal).toMatch(/"command":"rollback stage"/)
    })
  }

  it('killed at journal-done: the rollback is complete, and undo gives back everything', () => {
    const dir = builtProject()
    workInProgress(dir)
    const before = fingerprint(dir)
    const crashed = cpo(dir, ['rollback', 'stage', 'S2', '--reason', 'x'], {
      CPO_FAULT: 'journal-done',
    })
    expect(crashed.signal).toBe('SIGKILL')
    expect(subject(dir)).toBe('rollback(stage-2): x')
    expect(status(dir)).toBe('')
    const undo = cpo(dir, ['--json', 'undo'])
    expect(undo.code, undo.stderr).toBe(0)
    expect(fingerprint(dir)).toEqual(before)
  })
})
