import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { cpo, sh, tempDir, writeFiles } from '../helpers/repo.js'

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/projects')

function projectFolder(): string {
  const dir = tempDir()
  writeFiles(dir, {
    'master-project.json': fs.readFileSync(
      path.join(FIXTURES, 'template-after-planning.json'),
      'utf8',
    ),
    'README.md': '# pantry\n',
    '.gitignore': 'node_modules/\n',
    'node_modules/left-pad/index.js': 'ignored\n',
    '.checkpoints/master-project-before-stage-1.json': '{}\n',
  })
  return dir
}

const identity = {
  GIT_AUTHOR_NAME: 'Dev',
  GIT_AUTHOR_EMAIL: 'dev@example.com',
  GIT_COMMITTER_NAME: 'Dev',
  GIT_COMMITTER_EMAIL: 'dev@example.com',
}

describe('cpo init --git', () => {
  it('in a folder that is not a repository: git init on main, files committed, tagged', () => {
    const dir = projectFolder()
    const r = cpo(dir, ['--json', 'init', '--git'], identity)
    expect(r.code, r.stderr).toBe(0)
    expect(sh(dir, 'git', 'symbolic-ref', 'HEAD').trim()).toBe('refs/heads/main')
    expect(sh(dir, 'git', 'rev-list', '--count', 'HEAD').trim()).toBe('1')
    const files = sh(dir, 'git', 'ls-tree', '-r', '--name-only', 'HEAD').trim().split('\n')
    expect(files.sort()).toEqual(['.gitignore', 'README.md', 'master-project.json'])
    const head = sh(dir, 'git', 'rev-parse', 'HEAD').trim()
    expect(sh(dir, 'git', 'rev-parse', 'checkpoint/project-initialized^{commit}').trim()).toBe(head)
    expect(r.json.data.gitInitialized).toEqual({ branch: 'main', commit: head })
    expect(r.json.data.initialized).toMatchObject({ commit: head, created: true })
    expect(sh(dir, 'git', 'status', '--porcelain')).toBe('')
    // The sidecar stays on disk, ignored.
    expect(fs.existsSync(path.join(dir, '.checkpoints/master-project-before-stage-1.json'))).toBe(
      true,
    )
    // Running it again is plain `cpo init`: nothing new.
    const again = cpo(dir, ['--json', 'init', '--git'], identity)
    expect(again.code, again.stderr).toBe(0)
    expect(again.json.data.gitInitialized).toBeNull()
    expect(sh(dir, 'git', 'rev-list', '--count', 'HEAD').trim()).toBe('1')
  })

  it('without --git: the error says `cpo init --git`, and no repository appears', () => {
    const dir = projectFolder()
    const r = cpo(dir, ['--json', 'init'])
    expect(r.code).toBe(3)
    expect(r.json.error?.code).toBe('NOT_A_REPOSITORY')
    expect(r.json.error?.hint).toContain('cpo init --git')
    expect(fs.existsSync(path.join(dir, '.git'))).toBe(false)
  })
})
