import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { cpo, makeRepo, sh, tempDir, writeFiles } from '../helpers/repo.js'
import { projectJson } from './project.js'

describe('a linked work tree (git worktree add)', () => {
  it('ignores .checkpoints/ in the shared info/exclude and commits checkpoints on its own branch', () => {
    const main = makeRepo({ 'master-project.json': projectJson(), 'README.md': '# pantry\n' })
    const linked = path.join(tempDir(), 'wt')
    sh(main, 'git', 'worktree', 'add', '-q', '-b', 'feature/stage-1', linked)
    fs.mkdirSync(path.join(linked, 'src'))
    // Run from a subdirectory: the repository is found from there.
    const init = cpo(path.join(linked, 'src'), ['--json', 'init'])
    expect(init.code, init.stderr).toBe(0)
    const exclude = fs.readFileSync(path.join(main, '.git', 'info', 'exclude'), 'utf8')
    expect(exclude.split('\n')).toContain('/.checkpoints/')

    writeFiles(linked, { 'src/app.ts': 'app\n' })
    const start = cpo(linked, ['--json', 'stage', 'start', 'S1'])
    expect(start.code, start.stderr).toBe(0)
    expect(sh(linked, 'git', 'rev-parse', '--abbrev-ref', 'HEAD').trim()).toBe('feature/stage-1')
    expect(sh(linked, 'git', 'show', '--format=', '--name-only', 'HEAD^').trim()).toBe('src/app.ts')
    expect(sh(linked, 'git', 'show', '--format=', '--name-only', 'HEAD').trim()).toBe(
      'master-project.json',
    )
    // The sidecars exist in the linked tree and are ignored there; the tree is clean.
    expect(fs.existsSync(path.join(linked, '.checkpoints', 'git-ref-stage-1.txt'))).toBe(true)
    expect(sh(linked, 'git', 'status', '--porcelain')).toBe('')
    // The main work tree did not move.
    expect(sh(main, 'git', 'rev-parse', '--abbrev-ref', 'HEAD').trim()).toBe('main')
    expect(sh(main, 'git', 'status', '--porcelain')).toBe('')
  })
})
