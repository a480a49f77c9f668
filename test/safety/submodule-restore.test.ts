import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { commitAll, cpo, makeRepo, sh } from '../helpers/repo.js'
import { builtProject } from '../rollback/build.js'

const exists = (dir: string, f: string) => fs.existsSync(path.join(dir, f))

/** Adds a real submodule at `sub` (a local repository with one commit) and commits it. */
function addSubmodule(dir: string): void {
  const lib = makeRepo({ 'lib.txt': 'library\n' })
  sh(dir, 'git', '-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', lib, 'sub')
  commitAll(dir, 'add the submodule')
}

/** Work inside the submodule: a commit of its own and an uncommitted file. */
function workInSubmodule(dir: string): void {
  fs.writeFileSync(path.join(dir, 'sub/local.txt'), 'my work in the submodule\n')
  sh(path.join(dir, 'sub'), 'git', 'add', 'local.txt')
  sh(
    path.join(dir, 'sub'),
    'git',
    '-c',
    'user.name=Dev',
    '-c',
    'user.email=d@e',
    'commit',
    '-qm',
    'local',
  )
  fs.writeFileSync(path.join(dir, 'sub/uncommitted.txt'), 'not committed\n')
}

describe('submodules in restores', () => {
  it('restoring a state before the submodule existed keeps its directory with its work, and says so', () => {
    const dir = makeRepo({ 'a.txt': 'a\n' })
    const snap = cpo(dir, ['snapshot', '--json']).json.data.snapshot.id
    addSubmodule(dir)
    workInSubmodule(dir)
    const subHead = sh(path.join(dir, 'sub'), 'git', 'rev-parse', 'HEAD')

    const r = cpo(dir, ['snapshot', 'restore', snap, '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.json.data.kept).toEqual([
      { path: 'sub', reason: 'submodule directory with content, left in place' },
    ])
    expect(r.json.data.removed).toEqual(['.gitmodules'])
    // Never deleted: its checkout, its own commit and its uncommitted file are all there.
    expect(fs.readFileSync(path.join(dir, 'sub/local.txt'), 'utf8')).toBe(
      'my work in the submodule\n',
    )
    expect(exists(dir, 'sub/uncommitted.txt')).toBe(true)
    expect(sh(path.join(dir, 'sub'), 'git', 'rev-parse', 'HEAD')).toBe(subHead)
    // The index and HEAD are the snapshot's: no gitlink any more.
    expect(sh(dir, 'git', 'ls-files', '-s')).not.toContain('sub')
    expect(exists(dir, '.gitmodules')).toBe(false)

    const undo = cpo(dir, ['undo', '--json'])
    expect(undo.code, undo.stderr).toBe(0)
    expect(sh(dir, 'git', 'ls-files', '-s', 'sub')).toMatch(/^160000 /)
    expect(exists(dir, '.gitmodules')).toBe(true)
  })

  it('restoring a file where a submodule with work is now keeps the submodule, and says so', () => {
    const dir = makeRepo({ sub: 'a file called sub\n' })
    const snap = cpo(dir, ['snapshot', '--json']).json.data.snapshot.id
    sh(dir, 'git', 'rm', '-q', 'sub')
    commitAll(dir, 'sub is no file any more')
    addSubmodule(dir)
    workInSubmodule(dir)

    const r = cpo(dir, ['snapshot', 'restore', snap, '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.json.data.kept).toEqual([
      { path: 'sub', reason: 'submodule directory with content, left in place' },
    ])
    expect(r.json.data.written).not.toContain('sub')
    expect(fs.readFileSync(path.join(dir, 'sub/local.txt'), 'utf8')).toBe(
      'my work in the submodule\n',
    )
    expect(exists(dir, 'sub/uncommitted.txt')).toBe(true)
    expect(sh(dir, 'git', 'ls-files', '-s', 'sub')).toMatch(/^100644 /)
  })

  it('an empty submodule directory (not checked out) is removed, as git does', () => {
    const dir = makeRepo({ 'a.txt': 'a\n' })
    const snap = cpo(dir, ['snapshot', '--json']).json.data.snapshot.id
    addSubmodule(dir)
    sh(dir, 'git', 'submodule', 'deinit', '-q', '-f', 'sub')
    expect(fs.readdirSync(path.join(dir, 'sub'))).toEqual([])

    const r = cpo(dir, ['snapshot', 'restore', snap, '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.json.data.kept).toEqual([])
    expect(r.json.data.removed.sort()).toEqual(['.gitmodules', 'sub'])
    expect(exists(dir, 'sub')).toBe(false)
  })

  it('rollback stage to before the submodule: the dry run lists it as kept, the rollback keeps it', () => {
    const dir = builtProject()
    addSubmodule(dir)
    workInSubmodule(dir)

    const dry = cpo(dir, ['--json', 'rollback', 'stage', '--reason', 'undo S2', '--dry-run'])
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.json.data.plan?.kept ?? dry.json.data.kept).toEqual([
      { path: 'sub', reason: 'submodule directory with content, left in place' },
    ])
    const text = cpo(dir, ['rollback', 'stage', '--reason', 'undo S2', '--dry-run'])
    expect(text.stdout).toContain('would be left in place:\n  sub (submodule directory')

    const r = cpo(dir, ['--json', 'rollback', 'stage', '--reason', 'undo S2'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.json.data.kept).toEqual([
      { path: 'sub', reason: 'submodule directory with content, left in place' },
    ])
    expect(fs.readFileSync(path.join(dir, 'sub/local.txt'), 'utf8')).toBe(
      'my work in the submodule\n',
    )
    expect(sh(dir, 'git', 'ls-files', 'sub', '.gitmodules')).toBe('')
  })
})
