import { describe, expect, it } from 'vitest'
import { copyOf, cpo, sh, writeFiles } from '../helpers/repo.js'
import { fixtureText, ok, prdJson, skillRepo, status, storyCommit } from './skill.js'

describe('stage complete says what it adds and what is not passing', () => {
  it('lists the untracked files it commits and warns about each story not passing', () => {
    const dir = skillRepo(fixtureText('template-after-planning.json'), {
      'prd.json': prdJson(['US-001', 'US-002']),
    })
    ok(dir, ['stage', 'start', 'S1'])
    storyCommit(dir, {
      id: 'S1-US-001',
      prdId: 'US-001',
      message: 'feat(S1-US-001): Scaffold the app',
      files: { 'src/app.ts': 'export const app = 1\n' },
    })
    writeFiles(dir, { 'scratch/todo.txt': 'try again\n', 'debug-output.txt': 'x\n' })
    const copy = copyOf(dir)

    const dry = cpo(dir, ['--json', 'stage', 'complete', 'S1', '--skip-verify', '--dry-run'])
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.json.data.plan.untrackedAdded).toEqual(['debug-output.txt', 'scratch/todo.txt'])
    expect(status(dir)).toBe('?? debug-output.txt\n?? scratch/\n')

    const r = cpo(dir, ['--json', 'stage', 'complete', 'S1', '--skip-verify'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.json.data.untrackedAdded).toEqual(['debug-output.txt', 'scratch/todo.txt'])
    expect(r.json.data.storiesNotPassing).toEqual(['S1-US-002'])
    expect(r.json.data.warnings).toEqual([
      'story S1-US-002 is not passing; stage S1 is marked tested anyway',
    ])
    // They really are in the commit.
    expect(sh(dir, 'git', 'show', '--format=', '--name-only', 'HEAD').split('\n')).toEqual(
      expect.arrayContaining(['debug-output.txt', 'scratch/todo.txt']),
    )

    const text = cpo(copy, ['stage', 'complete', 'S1', '--skip-verify'])
    expect(text.code, text.stderr).toBe(0)
    const out = text.stdout + text.stderr
    expect(out).toContain(
      'untracked files added to the commit:\n  debug-output.txt\n  scratch/todo.txt\n',
    )
    expect(out).toContain(
      'warning: story S1-US-002 is not passing; stage S1 is marked tested anyway',
    )
  })
})
