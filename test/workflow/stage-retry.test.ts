import { describe, expect, it } from 'vitest'
import { cpo, fingerprint, sh } from '../helpers/repo.js'
import { fixtureText, ok, rev, skillRepo, state, storyCommit, subject } from './skill.js'

const tagObject = (dir: string) => rev(dir, 'refs/tags/checkpoint/stage-1-start')

describe('retrying a stage', () => {
  it('starts a rolled-back stage again without --force, moving the tag and keeping the old one', () => {
    const dir = skillRepo(fixtureText('template-after-planning.json'), {
      'prd.json': `${JSON.stringify({ userStories: [{ id: 'US-001', passes: false, completedAt: null }] }, null, 2)}\n`,
    })
    ok(dir, ['stage', 'start', 'S1'])
    const firstTag = tagObject(dir)
    storyCommit(dir, {
      id: 'S1-US-001',
      prdId: 'US-001',
      message: 'feat(S1-US-001): Scaffold the app',
      files: { 'src/app.ts': 'export const app = 1\n' },
    })
    ok(dir, ['rollback', 'stage', 'S1', '--reason', 'wrong approach'])
    expect(state(dir).stages[0].status).toBe('pending')

    const again = cpo(dir, ['--json', 'stage', 'start', 'S1'])
    expect(again.code, again.stderr).toBe(0)
    const d = again.json.data
    expect(d.restart).toBe('retry')
    expect(d.replacesTag).toBe(firstTag)
    // The old tag object is kept where `checkpoint delete` keeps one, under the operation's id.
    expect(rev(dir, `refs/cpo/deleted-tags/${d.opId}/stage-1-start`)).toBe(firstTag)
    // The tag now marks the state before the retry: the rollback commit, checkpointed.
    expect(rev(dir, 'checkpoint/stage-1-start^{commit}')).toBe(rev(dir, 'HEAD^'))
    expect(subject(dir, 'HEAD^^')).toBe('rollback(stage-1): wrong approach')
    expect(subject(dir)).toBe('chore(stage-1): start Project setup')
    expect(state(dir).stages[0].status).toBe('in_progress')
    const text = cpo(dir, ['stage', 'start', 'S2', '--ignore-deps', '--dry-run'])
    expect(text.code).toBe(0)
  })

  it('a stage in progress or done needs --force; dependencies need --ignore-deps, not --force', () => {
    const dir = skillRepo(fixtureText('template-after-planning.json'))
    ok(dir, ['stage', 'start', 'S1'])
    const before = fingerprint(dir)
    const refused = cpo(dir, ['--json', 'stage', 'start', 'S1'])
    expect(refused.code).toBe(4)
    expect(refused.json.error?.code).toBe('CHECKPOINT_EXISTS')
    expect(refused.json.error?.message).toBe(
      'checkpoint stage-1-start already exists and stage S1 is in_progress',
    )
    expect(refused.json.error?.hint).toContain('`cpo stage start S1 --force`')
    expect(fingerprint(dir)).toEqual(before)

    const forced = ok(dir, ['--json', 'stage', 'start', 'S1', '--force'])
    expect(JSON.parse(forced.stdout).data.restart).toBe('force')

    const deps = cpo(dir, ['--json', 'stage', 'start', 'S2', '--force'])
    expect(deps.json.error?.code).toBe('DEPENDENCIES_NOT_DONE')
    expect(deps.json.error?.hint).toContain('`cpo stage start S2 --ignore-deps`')
    const ignoring = ok(dir, ['--json', 'stage', 'start', 'S2', '--ignore-deps'])
    expect(JSON.parse(ignoring.stdout).data.unmetDependencies).toEqual(['S1'])
    expect(sh(dir, 'git', 'tag', '-l', 'checkpoint/stage-*').split('\n').filter(Boolean)).toEqual([
      'checkpoint/stage-1-start',
      'checkpoint/stage-2-start',
    ])
  })
})
