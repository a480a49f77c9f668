import fs from 'node:fs'
import { describe, expect, it } from 'vitest'
import { openRepo } from '../../src/adapters/repo.js'
import { addTempWorktree } from '../../src/adapters/temp-worktree.js'
import { commitAll, makeRepo, sh } from '../helpers/repo.js'

// diagnose measures its build and test checks at a checkpoint side by side, each in a temporary
// work tree: two `git worktree add` at once made one fail ("failed to read
// .git/worktrees/<name>/commondir") and diagnose exit 6.
describe('temporary work trees made side by side', () => {
  it('twelve at once in one repository all come up at the commit, and all go away', async () => {
    const dir = makeRepo({ 'a.txt': 'a\n' })
    const head = commitAll(dir, 'second')
    const repo = await openRepo(dir)
    for (let round = 0; round < 3; round++) {
      const made = await Promise.all(
        Array.from({ length: 12 }, () => addTempWorktree(repo, head, 'test')),
      )
      for (const wt of made) {
        expect(sh(wt.path, 'git', 'rev-parse', 'HEAD').trim()).toBe(head)
        expect(fs.readFileSync(`${wt.path}/a.txt`, 'utf8')).toBe('a\n')
      }
      await Promise.all(made.map((wt) => wt.remove()))
      for (const wt of made) expect(fs.existsSync(wt.path)).toBe(false)
    }
    expect(sh(dir, 'git', 'worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1)
  })
})
