import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { commitAll, cpo, sh, writeFiles } from '../helpers/repo.js'
import { builtProject, read, rev, status, subject, workInProgress } from './build.js'

const RECORD_FILES = ['cpo-progress.md', 'master-project.json']

/** S2 under way: two story commits touching several files, then uncommitted and untracked work. */
function midStage(): string {
  const dir = builtProject()
  writeFiles(dir, {
    'src/recipes.ts': 'export const recipes = ["soup", "salad"]\n',
    'src/recipes/list.ts': 'export const list = () => []\n',
    'src/app.ts': 'export const app = 2\n',
    'README.md': '# pantry\n\nNow with recipes.\n',
  })
  sh(dir, 'git', 'rm', '-q', 'src/list.ts')
  commitAll(dir, 'feat: US-002 - List recipes')
  workInProgress(dir)
  return dir
}

const reflogCount = (dir: string, ref: string) =>
  sh(dir, 'git', 'reflog', 'show', '--format=%H', ref).trim().split('\n').filter(Boolean).length

/** The files of the two written by the rollback whose content differs from the target's. */
function recordFilesThatDiffer(dir: string, target: string): string[] {
  return RECORD_FILES.filter((f) => sh(dir, 'git', 'show', `${target}:${f}`) !== read(dir, f))
}

/** Clean tree, and an index with fresh stat data: even plumbing that never refreshes agrees. */
function expectFreshAndClean(dir: string): void {
  expect(sh(dir, 'git', 'diff-files', '--name-only')).toBe('')
  expect(status(dir)).toBe('')
  expect(sh(dir, 'git', 'diff', '--cached', '--name-only')).toBe('')
  expect(sh(dir, 'git', 'status', '--porcelain=v1', '--untracked-files=all')).toBe('')
}

describe('rollback leaves the index fresh', () => {
  it('reset mode: tree is the target plus the record files, index stat data fresh', () => {
    const dir = midStage()
    const target = rev(dir, 'checkpoint/stage-2-start^{commit}')
    const headBefore = rev(dir, 'HEAD')
    const reflogBefore = reflogCount(dir, 'refs/heads/main')

    const r = cpo(dir, ['rollback', 'stage', '2', '--reason', 'r', '--yes', '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.json.data).toMatchObject({
      mode: 'reset',
      revertCommit: null,
      commit: rev(dir, 'HEAD'),
    })
    expect(r.json.data.setAside.uncommitted).toEqual(['notes.txt', 'src/recipes.ts'])

    expectFreshAndClean(dir)
    expect(rev(dir, 'HEAD^')).toBe(target)
    expect(subject(dir)).toBe('rollback(stage-2): r')
    const changed = sh(dir, 'git', 'diff', '--name-only', target, 'HEAD').trim().split('\n')
    expect(changed).toEqual(recordFilesThatDiffer(dir, target))
    expect(changed).toContain('cpo-progress.md')
    // Outside the two record files, HEAD's tree is the target's entry for entry.
    const strip = (r: string) =>
      sh(dir, 'git', 'ls-tree', '-r', r)
        .split('\n')
        .filter((l) => !RECORD_FILES.some((f) => l.endsWith(`\t${f}`)))
    expect(strip('HEAD')).toEqual(strip(target))
    // The work of the stage is gone from disk, the ignored file is untouched.
    expect(fs.existsSync(path.join(dir, 'src/recipes/list.ts'))).toBe(false)
    expect(fs.existsSync(path.join(dir, 'notes.txt'))).toBe(false)
    expect(read(dir, 'src/list.ts')).toBe('export const list = []\n')
    expect(read(dir, 'debug.log')).toBe('ignored, never touched\n')

    // The branch moved, and its reflog says so.
    expect(reflogCount(dir, 'refs/heads/main')).toBeGreaterThan(reflogBefore)
    expect(sh(dir, 'git', 'reflog', 'show', '-1', '--format=%H', 'refs/heads/main').trim()).toBe(
      rev(dir, 'HEAD'),
    )
    expect(rev(dir, 'HEAD')).not.toBe(headBefore)
    const reason = (ref: string) =>
      sh(dir, 'git', 'reflog', 'show', '-1', '--format=%gs', ref).trim()
    expect(reason('refs/heads/main')).toBe('rollback(stage-2): r')
    expect(reason('HEAD')).toBe('rollback(stage-2): r')
    // Undo moves the branch back, and says who did.
    const undo = cpo(dir, ['undo', r.json.data.opId, '--json'])
    expect(undo.code, undo.stderr).toBe(0)
    expect(rev(dir, 'HEAD')).toBe(headBefore)
    expect(reason('refs/heads/main')).toBe(`cpo: undo ${r.json.data.opId} (rollback stage)`)
  })

  it('revert mode: a revert commit with the target tree on the old HEAD, index fresh', () => {
    const dir = midStage()
    const target = rev(dir, 'checkpoint/stage-2-start^{commit}')
    const headBefore = rev(dir, 'HEAD')
    const reflogBefore = reflogCount(dir, 'refs/heads/main')

    const r = cpo(dir, [
      'rollback',
      'stage',
      '2',
      '--mode',
      'revert',
      '--reason',
      'r',
      '--yes',
      '--json',
    ])
    expect(r.code, r.stderr).toBe(0)
    expect(r.json.data).toMatchObject({
      mode: 'revert',
      revertCommit: rev(dir, 'HEAD~1'),
      commit: rev(dir, 'HEAD'),
    })

    expectFreshAndClean(dir)
    expect(rev(dir, 'HEAD~2')).toBe(headBefore)
    expect(rev(dir, 'HEAD~1^{tree}')).toBe(rev(dir, `${target}^{tree}`))
    expect(subject(dir, 'HEAD~1')).toBe(
      'revert: back to checkpoint/stage-2-start (rollback stage-2)',
    )
    expect(subject(dir)).toBe('rollback(stage-2): r')
    const changed = sh(dir, 'git', 'diff', '--name-only', target, 'HEAD').trim().split('\n')
    expect(changed).toEqual(recordFilesThatDiffer(dir, target))
    expect(changed).toContain('cpo-progress.md')
    expect(read(dir, 'debug.log')).toBe('ignored, never touched\n')

    expect(reflogCount(dir, 'refs/heads/main')).toBeGreaterThan(reflogBefore)
    expect(sh(dir, 'git', 'reflog', 'show', '-1', '--format=%H', 'refs/heads/main').trim()).toBe(
      rev(dir, 'HEAD'),
    )
  })

  it('an intent-to-add file (git add -N) is set aside like other work; undo brings the entry back', () => {
    const dir = midStage()
    writeFiles(dir, { 'src/planned.ts': 'export const planned = true\n' })
    sh(dir, 'git', 'add', '-N', 'src/planned.ts')
    const indexBefore = sh(dir, 'git', 'ls-files', '-s')
    const statusBefore = sh(dir, 'git', 'status', '--porcelain=v1', '--untracked-files=all')
    expect(statusBefore).toContain(' A src/planned.ts')

    const r = cpo(dir, ['rollback', 'stage', '2', '--reason', 'r', '--yes', '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.json.data.setAside.uncommitted).toContain('src/planned.ts')
    expect(fs.existsSync(path.join(dir, 'src/planned.ts'))).toBe(false)
    expectFreshAndClean(dir)

    const undo = cpo(dir, ['undo', r.json.data.opId, '--json'])
    expect(undo.code, undo.stderr).toBe(0)
    expect(sh(dir, 'git', 'ls-files', '-s')).toBe(indexBefore)
    expect(sh(dir, 'git', 'status', '--porcelain=v1', '--untracked-files=all')).toBe(statusBefore)
  })
})
