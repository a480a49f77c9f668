import { describe, expect, it } from 'vitest'
import { commitAll, sh, writeFiles } from '../helpers/repo.js'
import { fixtureText, ok, read, rev, skillRepo } from './skill.js'

const SIDECARS = [
  'git-ref-stage-1.txt',
  'master-project-before-stage-1.json',
  'git-status-stage-1.txt',
]
const sidecars = (dir: string) =>
  Object.fromEntries(SIDECARS.map((f) => [f, read(dir, `.checkpoints/${f}`)]))

describe('sidecars follow the tags', () => {
  it('stage start --force keeps the old sidecars beside the old tag, and undo puts them back', () => {
    const dir = skillRepo(fixtureText('template-after-planning.json'))
    ok(dir, ['stage', 'start', 'S1'])
    const firstTag = rev(dir, 'refs/tags/checkpoint/stage-1-start')
    const first = sidecars(dir)
    expect(first['git-ref-stage-1.txt']).toBe(`${rev(dir, 'checkpoint/stage-1-start^{commit}')}\n`)

    writeFiles(dir, { 'src/app.ts': 'export const app = 1\n', 'wip.txt': 'untracked\n' })
    commitAll(dir, 'feat(S1-US-001): Scaffold the app')
    writeFiles(dir, { 'wip.txt': 'untracked, changed\n' })
    ok(dir, ['stage', 'start', 'S1', '--force'])
    const second = sidecars(dir)
    expect(second['git-ref-stage-1.txt']).not.toBe(first['git-ref-stage-1.txt'])
    expect(second['master-project-before-stage-1.json']).not.toBe(
      first['master-project-before-stage-1.json'],
    )
    // Kept where gc cannot take them: a tree under refs/cpo/, beside the old tag object.
    expect(sh(dir, 'git', 'cat-file', '-t', `refs/cpo/sidecars/${firstTag}`).trim()).toBe('tree')

    ok(dir, ['undo'])
    expect(rev(dir, 'refs/tags/checkpoint/stage-1-start')).toBe(firstTag)
    expect(sidecars(dir)).toEqual(first)
  })
})
