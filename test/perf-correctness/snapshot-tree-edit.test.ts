import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { addAllTree } from '../helpers/add-all-tree.js'
import { cpoTraced } from '../helpers/git-trace.js'
import { commitAll, cpo, makeRepo, sh, writeFiles } from '../helpers/repo.js'

/** Runs cpo with a trace of every git process; returns the JSON result and their argvs. */
function traced(dir: string, args: string[]): { json: any; argvs: string[][] } {
  const { r, argvs } = cpoTraced(dir, [...args, '--json'])
  expect(r.code, r.stderr).toBe(0)
  return { json: r.json, argvs }
}
const ran = (argvs: string[][], sub: string) => argvs.filter((a) => a[1] === sub).length

/** `git ls-tree -r -t` of a tree: every entry with mode, type and id, by path. */
const listing = (dir: string, tree: string) => sh(dir, 'git', 'ls-tree', '-r', '-t', '-z', tree)

function snapshotTrees(dir: string) {
  const { json, argvs } = traced(dir, ['snapshot'])
  const ref = `refs/cpo/snapshots/${json.data.snapshot.id}`
  return {
    worktree: sh(dir, 'git', 'rev-parse', `${ref}^{tree}`).trim(),
    index: sh(dir, 'git', 'rev-parse', `${ref}^2^{tree}`).trim(),
    argvs,
  }
}

/** A repository with nested directories, a symlink, an executable and a submodule. */
function project(): string {
  const lib = makeRepo({ 'lib.txt': 'library\n' })
  const dir = makeRepo({
    'README.md': '# demo\n',
    'src/a.ts': 'a\n',
    'src/deep/b.ts': 'b\n',
    'src/deep/c.ts': 'c\n',
    'only/one.txt': 'alone\n',
    'dir/x.txt': 'x\n',
    'run.sh': 'echo run\n',
    'docs/guide.md': 'guide\n',
  })
  fs.symlinkSync('src/a.ts', path.join(dir, 'link'))
  sh(dir, 'git', '-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', lib, 'sub')
  commitAll(dir, 'links and a submodule')
  return dir
}

describe('a snapshot builds its trees from the index tree plus the changed paths', () => {
  it('nested new directories, deletions, a mode change, symlinks, a file for a directory: the tree git add -A writes, no index rewritten', () => {
    const dir = project()
    writeFiles(dir, {
      'src/deep/b.ts': 'b changed\n',
      'new/nested/deeper/n.txt': 'new\n',
      'new/top.txt': 'top\n',
      'src/deep/more/m.txt': 'more\n',
      'docs/guide.md': 'staged\n',
    })
    sh(dir, 'git', 'add', 'docs/guide.md')
    writeFiles(dir, { 'docs/guide.md': 'staged, then changed again\n' })
    fs.rmSync(path.join(dir, 'src/deep/c.ts'))
    fs.rmSync(path.join(dir, 'only/one.txt')) // its directory goes with it
    fs.rmSync(path.join(dir, 'dir'), { recursive: true })
    fs.writeFileSync(path.join(dir, 'dir'), 'a file where a directory was\n')
    fs.chmodSync(path.join(dir, 'run.sh'), 0o755)
    fs.rmSync(path.join(dir, 'link'))
    fs.symlinkSync('README.md', path.join(dir, 'link'))
    fs.symlinkSync('../src', path.join(dir, 'new/to-src'))
    writeFiles(dir, { 'later.txt': 'intent\n' })
    sh(dir, 'git', 'add', '-N', 'later.txt')
    const indexTree = sh(dir, 'git', 'write-tree').trim()
    const expected = addAllTree(dir)

    const shot = snapshotTrees(dir)
    expect(listing(dir, shot.worktree)).toBe(listing(dir, expected))
    expect(shot.worktree).toBe(expected)
    expect(shot.index).toBe(indexTree)
    // The index side writes its tree from a copy; the work tree's is built, not written.
    expect(ran(shot.argvs, 'update-index')).toBe(0)
    expect(ran(shot.argvs, 'write-tree')).toBe(1)
    // The real index is untouched.
    expect(sh(dir, 'git', 'write-tree').trim()).toBe(indexTree)
  })

  it('only deletions, down to an empty top: still the tree git writes', () => {
    const dir = makeRepo({ 'a/b/c.txt': 'c\n', 'd.txt': 'd\n' })
    fs.rmSync(path.join(dir, 'a'), { recursive: true })
    fs.rmSync(path.join(dir, 'd.txt'))
    const shot = snapshotTrees(dir)
    expect(shot.worktree).toBe(addAllTree(dir))
    expect(shot.worktree).toBe(sh(dir, 'git', 'mktree').trim())
    expect(ran(shot.argvs, 'update-index')).toBe(0)
  })

  it('core.fileMode=false: an exec bit on disk changes nothing, a new file is 100644', () => {
    const dir = makeRepo({ 'tool.sh': 'echo\n', 'plain.txt': 'p\n' })
    sh(dir, 'git', 'update-index', '--chmod=+x', 'tool.sh')
    commitAll(dir, 'tool is executable')
    sh(dir, 'git', 'config', 'core.fileMode', 'false')
    fs.chmodSync(path.join(dir, 'tool.sh'), 0o644)
    writeFiles(dir, { 'tool.sh': 'echo changed\n', 'plain.txt': 'changed\n', 'new.sh': 'n\n' })
    fs.chmodSync(path.join(dir, 'plain.txt'), 0o755)
    fs.chmodSync(path.join(dir, 'new.sh'), 0o755)
    const shot = snapshotTrees(dir)
    expect(listing(dir, shot.worktree)).toBe(listing(dir, addAllTree(dir)))
    expect(ran(shot.argvs, 'update-index')).toBe(0)
  })

  it('a tracked file below what is now a symlinked directory counts as deleted, as git counts it', () => {
    const dir = makeRepo({ 'real/f.txt': 'f\n', 'moved/f.txt': 'other\n' })
    fs.rmSync(path.join(dir, 'moved'), { recursive: true })
    fs.symlinkSync('real', path.join(dir, 'moved'))
    const shot = snapshotTrees(dir)
    expect(listing(dir, shot.worktree)).toBe(listing(dir, addAllTree(dir)))
    expect(ran(shot.argvs, 'update-index')).toBe(0)
  })

  it('names that are not UTF-8 or hold spaces, in new and old directories', () => {
    const dir = makeRepo({ 'old dir/keep.txt': 'k\n' })
    const odd = Buffer.from('old dir/r\xe9sum\xe9.txt', 'latin1')
    fs.writeFileSync(Buffer.concat([Buffer.from(`${dir}/`), odd]), 'latin-1 name\n')
    fs.mkdirSync(Buffer.from(`${dir}/n\xe9w`, 'latin1'))
    fs.writeFileSync(Buffer.from(`${dir}/n\xe9w/f.txt`, 'latin1'), 'in an odd directory\n')
    writeFiles(dir, { 'old dir/keep.txt': 'changed\n' })
    const shot = snapshotTrees(dir)
    expect(shot.worktree).toBe(addAllTree(dir))
    expect(ran(shot.argvs, 'update-index')).toBe(0)
  })

  it('a submodule that moved on, and a directory where a tracked file was', () => {
    const dir = project()
    sh(path.join(dir, 'sub'), 'git', 'commit', '-q', '--allow-empty', '-m', 'moved on')
    fs.rmSync(path.join(dir, 'README.md'))
    writeFiles(dir, { 'README.md/inside.txt': 'a directory now\n', 'src/a.ts': 'a2\n' })
    const shot = snapshotTrees(dir)
    expect(listing(dir, shot.worktree)).toBe(listing(dir, addAllTree(dir)))
    expect(sh(dir, 'git', 'rev-parse', `${shot.worktree}:sub`)).toBe(
      sh(path.join(dir, 'sub'), 'git', 'rev-parse', 'HEAD'),
    )
    expect(ran(shot.argvs, 'update-index')).toBe(0)
  })

  it('a submodule directory emptied of its repository keeps its entry, as git add -A does', () => {
    const dir = project()
    const before = sh(dir, 'git', 'rev-parse', 'HEAD:sub')
    fs.rmSync(path.join(dir, 'sub/.git'), { recursive: true })
    writeFiles(dir, { 'src/a.ts': 'a3\n' })
    const shot = snapshotTrees(dir)
    expect(listing(dir, shot.worktree)).toBe(listing(dir, addAllTree(dir)))
    expect(sh(dir, 'git', 'rev-parse', `${shot.worktree}:sub`)).toBe(before)
    expect(ran(shot.argvs, 'update-index')).toBe(0)
  })

  it('a file that git converts goes in raw; everything else as git add -A stores it', () => {
    const dir = makeRepo({ 'a.txt': 'a\n', 'keep/k.txt': 'k\n' })
    writeFiles(dir, { '.gitattributes': '*.crlf text eol=crlf\n' })
    commitAll(dir, 'attributes')
    writeFiles(dir, { 'w.crlf': 'one\r\ntwo\r\n', 'keep/k.txt': 'k2\n', 'keep/new.txt': 'new\n' })
    const shot = snapshotTrees(dir)
    const raw = sh(dir, 'git', 'hash-object', '--no-filters', 'w.crlf').trim()
    expect(sh(dir, 'git', 'rev-parse', `${shot.worktree}:w.crlf`).trim()).toBe(raw)
    const addAll = addAllTree(dir)
    for (const file of ['a.txt', '.gitattributes', 'keep/k.txt', 'keep/new.txt']) {
      expect(sh(dir, 'git', 'rev-parse', `${shot.worktree}:${file}`)).toBe(
        sh(dir, 'git', 'rev-parse', `${addAll}:${file}`),
      )
    }
    expect(ran(shot.argvs, 'update-index')).toBe(0)
  })
})

describe('a checkpoint commits the built tree and makes the scratch index the real one', () => {
  it('checkpoint create: HEAD holds what add -A would commit, the index matches it with fresh stat data, one index write', () => {
    const dir = project()
    expect(cpo(dir, ['init', '--json']).code).toBe(0)
    commitAll(dir, 'cpo init')
    writeFiles(dir, { 'src/deep/b.ts': 'b changed\n', 'new/nested/n.txt': 'new\n' })
    fs.rmSync(path.join(dir, 'src/deep/c.ts'))
    fs.chmodSync(path.join(dir, 'run.sh'), 0o755)
    const expected = addAllTree(dir)
    const { argvs } = traced(dir, ['checkpoint', 'create', 'mid-story'])
    expect(sh(dir, 'git', 'rev-parse', 'HEAD^{tree}').trim()).toBe(expected)
    expect(sh(dir, 'git', 'status', '--porcelain=v1', '--untracked-files=all')).toBe('')
    expect(sh(dir, 'git', 'diff', '--cached', '--name-only', 'HEAD')).toBe('')
    // No tree is written from an index: the scratch index only takes the changes.
    expect(ran(argvs, 'write-tree')).toBe(0)
    expect(ran(argvs, 'update-index')).toBeGreaterThan(0)
  })
})
