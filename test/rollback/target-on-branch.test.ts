import { describe, expect, it } from 'vitest'
import { commitAll, cpo, fingerprint, makeRepo, sh, writeFiles } from '../helpers/repo.js'
import { ok, pendingProject } from '../perf-correctness/workflow-repo.js'

/*
 * Whether the target is in the branch's history comes from the walk of the commits the rollback
 * discards (src/adapters/rollback-git.ts, `commitsBetween`): the target is an ancestor of HEAD
 * exactly when it is HEAD or a parent of one of them. These cases are where that rule and
 * `git merge-base --is-ancestor` could part: a checkpoint on another branch, one reached only
 * through a merge's second parent, one at HEAD itself.
 */

const rev = (dir: string, r: string) => sh(dir, 'git', 'rev-parse', r).trim()
const isAncestor = (dir: string, a: string, b: string) => {
  try {
    sh(dir, 'git', 'merge-base', '--is-ancestor', a, b)
    return true
  } catch {
    return false
  }
}

function repo(): string {
  const dir = makeRepo({ 'master-project.json': pendingProject(2), 'README.md': '# p\n' })
  ok(dir, ['init'])
  return dir
}

/** A checkpoint `name` on a commit of branch `branch`, then a commit on main after the fork. */
function checkpointOnBranch(branch: string, name: string): string {
  const dir = repo()
  sh(dir, 'git', 'checkout', '-q', '-b', branch)
  writeFiles(dir, { [`${branch}.txt`]: `${branch}\n` })
  commitAll(dir, `feat: ${branch} work`)
  ok(dir, ['checkpoint', 'create', name])
  sh(dir, 'git', 'checkout', '-q', 'main')
  writeFiles(dir, { 'main.txt': 'main\n' })
  commitAll(dir, 'feat: main work')
  return dir
}

const rollbackTo = (dir: string, name: string) =>
  cpo(dir, ['rollback', 'to', name, '--reason', 'test', '--yes', '--json', '--no-install'])

describe('rollback to a checkpoint: in the branch history or refused', () => {
  it('a checkpoint on another branch: TARGET_NOT_ON_BRANCH, nothing changes', () => {
    const dir = checkpointOnBranch('other', 'on-other')
    writeFiles(dir, { 'dirty.txt': 'uncommitted\n' })
    const target = rev(dir, 'checkpoint/on-other^{commit}')
    expect(isAncestor(dir, target, 'HEAD')).toBe(false)
    const head = rev(dir, 'HEAD')
    const before = fingerprint(dir)
    const r = rollbackTo(dir, 'on-other')
    expect(r.code).not.toBe(0)
    expect(r.json.error?.code).toBe('TARGET_NOT_ON_BRANCH')
    expect(r.json.error?.message).toContain('is not in the history of main')
    expect(rev(dir, 'HEAD')).toBe(head)
    expect(fingerprint(dir)).toEqual(before)
  })

  it("a checkpoint reached only through a merge's second parent: rolled back to it", () => {
    const dir = checkpointOnBranch('side', 'on-side')
    sh(dir, 'git', 'merge', '-q', '--no-ff', '-m', 'merge side', 'side')
    writeFiles(dir, { 'after.txt': 'after\n' })
    commitAll(dir, 'feat: after the merge')
    const target = rev(dir, 'checkpoint/on-side^{commit}')
    expect(sh(dir, 'git', 'rev-list', '--first-parent', 'HEAD')).not.toContain(target)
    const r = rollbackTo(dir, 'on-side')
    expect(r.code, r.stderr).toBe(0)
    expect(rev(dir, 'HEAD~1')).toBe(target)
    expect(sh(dir, 'git', 'ls-files')).not.toContain('after.txt')
    expect(sh(dir, 'git', 'ls-files')).toContain('side.txt')
  })

  it('a checkpoint at HEAD: in its history, rolled back with nothing discarded', () => {
    const dir = repo()
    writeFiles(dir, { 'work.txt': 'work\n' })
    commitAll(dir, 'feat: work')
    ok(dir, ['checkpoint', 'create', 'here'])
    const head = rev(dir, 'HEAD')
    const r = rollbackTo(dir, 'here')
    expect(r.code, r.stderr).toBe(0)
    expect(r.json.data.discardedCommits).toEqual([])
    expect(rev(dir, 'HEAD~1')).toBe(head)
  })
})
