import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { cpoTraced } from '../helpers/git-trace.js'
import { commitAll, makeRepo, sh, tempDir, writeFiles } from '../helpers/repo.js'

/** Every loose object file under `objects` (path relative to it), and stray temp files. */
function looseFiles(objects: string): { objects: string[]; temps: string[] } {
  const out = { objects: [] as string[], temps: [] as string[] }
  for (const fan of fs.readdirSync(objects)) {
    if (!/^[0-9a-f]{2}$/.test(fan)) continue
    for (const name of fs.readdirSync(path.join(objects, fan))) {
      if (name.startsWith('tmp_')) out.temps.push(`${fan}/${name}`)
      else out.objects.push(`${fan}/${name}`)
    }
  }
  return out
}

/** Snapshots `dir` with a trace; returns the new loose objects and the git processes run. */
function snapshotWithObjects(dir: string, objects: string, env: Record<string, string> = {}) {
  const before = new Set(looseFiles(objects).objects)
  const { r, argvs } = cpoTraced(dir, ['snapshot', '--json'], env)
  expect(r.code, r.stderr).toBe(0)
  const after = looseFiles(objects)
  const id = r.json.data.snapshot.id as string
  return {
    tree: execFileSync('git', ['rev-parse', `refs/cpo/snapshots/${id}^{tree}`], {
      cwd: dir,
      env: { ...process.env, ...env },
      encoding: 'utf8',
    }).trim(),
    added: after.objects.filter((o) => !before.has(o)),
    temps: after.temps,
    commit: execFileSync('git', ['rev-parse', `refs/cpo/snapshots/${id}`], {
      cwd: dir,
      env: { ...process.env, ...env },
      encoding: 'utf8',
    }).trim(),
    hashTrees: argvs.filter((a) => a[1] === 'hash-object' && a.includes('tree')).length,
    hashObjects: argvs.filter((a) => a[1] === 'hash-object').length,
    commitTrees: argvs.filter((a) => a[1] === 'commit-tree').length,
  }
}

/**
 * Each new tree object, as git reads it: its type, and the id `git mktree` gives its listing
 * (mktree writes the tree git itself would write for those entries).
 */
function checkTrees(dir: string, ids: string[]): string[] {
  const trees = ids.filter((id) => sh(dir, 'git', 'cat-file', '-t', id).trim() === 'tree')
  for (const id of trees) {
    const listing = execFileSync('git', ['ls-tree', '-z', id], { cwd: dir })
    const again = execFileSync('git', ['mktree', '-z', '--missing'], { cwd: dir, input: listing })
    expect(again.toString().trim()).toBe(id)
  }
  return trees
}

/**
 * The commit `git commit-tree` writes for the same tree, parents, identity, date and message:
 * the id must be the one cpo wrote.
 */
function recommit(dir: string, commit: string): string {
  const text = sh(dir, 'git', 'cat-file', 'commit', commit)
  const [head = '', ...rest] = text.split('\n\n')
  const lines = head.split('\n')
  const tree = (lines[0] as string).slice(5)
  const parents = lines.filter((l) => l.startsWith('parent ')).flatMap((l) => ['-p', l.slice(7)])
  const seconds = (lines.find((l) => l.startsWith('author ')) as string).split(' ').at(-2)
  const date = `@${seconds} +0000`
  return execFileSync('git', ['commit-tree', '--no-gpg-sign', tree, ...parents, '-F', '-'], {
    cwd: dir,
    input: rest.join('\n\n'),
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'cpo',
      GIT_AUTHOR_EMAIL: 'cpo@localhost',
      GIT_COMMITTER_NAME: 'cpo',
      GIT_COMMITTER_EMAIL: 'cpo@localhost',
      GIT_AUTHOR_DATE: date,
      GIT_COMMITTER_DATE: date,
    },
  }).trim()
}

/** Nested new directories, a changed file deep down, a deletion: several trees to write. */
function change(dir: string): void {
  writeFiles(dir, {
    'src/deep/b.ts': 'b changed\n',
    'new/nested/deeper/n.txt': 'new\n',
    'new/top.txt': 'top\n',
  })
  fs.rmSync(path.join(dir, 'src/a.ts'))
  fs.symlinkSync('../README.md', path.join(dir, 'new/readme-link'))
}

const FILES = { 'README.md': '# demo\n', 'src/a.ts': 'a\n', 'src/deep/b.ts': 'b\n' }

const idOf = (file: string) => file.replace('/', '')

describe('snapshot objects written in-process as loose objects', () => {
  it('are the trees, blobs and commits git writes: fsck --strict clean, mktree and commit-tree agree, read-only files, no temp file left, no hash-object or commit-tree', () => {
    const dir = makeRepo(FILES)
    change(dir)
    const objects = path.join(dir, '.git/objects')
    const shot = snapshotWithObjects(dir, objects)
    expect(shot.hashObjects).toBe(0)
    expect(shot.commitTrees).toBe(0)
    expect(shot.temps).toEqual([])
    expect(recommit(dir, shot.commit)).toBe(shot.commit)
    expect(recommit(dir, `${shot.commit}^2`)).toBe(
      sh(dir, 'git', 'rev-parse', `${shot.commit}^2`).trim(),
    )
    const trees = checkTrees(dir, shot.added.map(idOf))
    // The top, src, src/deep, new, new/nested, new/nested/deeper.
    expect(trees).toContain(shot.tree)
    expect(trees.length).toBeGreaterThanOrEqual(6)
    sh(dir, 'git', 'fsck', '--strict', '--no-dangling')
    const umask = process.umask()
    for (const file of shot.added) {
      expect(fs.statSync(path.join(objects, file)).mode & 0o777).toBe(0o444 & ~umask)
    }
    // The tree is what git add -A + write-tree makes of the work tree.
    sh(dir, 'git', 'add', '-A')
    expect(sh(dir, 'git', 'write-tree').trim()).toBe(shot.tree)
  })

  it('a tree already stored is freshened, not written again', () => {
    const dir = makeRepo(FILES)
    change(dir)
    const objects = path.join(dir, '.git/objects')
    const first = snapshotWithObjects(dir, objects)
    const file = path.join(objects, first.tree.slice(0, 2), first.tree.slice(2))
    const old = new Date('2020-01-01T00:00:00Z')
    fs.utimesSync(file, old, old)
    const second = snapshotWithObjects(dir, objects)
    expect(second.tree).toBe(first.tree)
    expect(second.added.filter((f) => idOf(f) === first.tree)).toEqual([])
    expect(fs.statSync(file).mtimeMs).toBeGreaterThan(old.getTime())
  })

  it('a file over 1 MiB goes to git hash-object, the small ones do not', () => {
    const dir = makeRepo(FILES)
    change(dir)
    const big = Buffer.alloc((1 << 20) + 10, 'x')
    fs.writeFileSync(path.join(dir, 'new/big.bin'), big)
    const shot = snapshotWithObjects(dir, path.join(dir, '.git/objects'))
    expect(shot.hashObjects).toBe(1)
    sh(dir, 'git', 'add', '-A')
    expect(sh(dir, 'git', 'write-tree').trim()).toBe(shot.tree)
    sh(dir, 'git', 'fsck', '--strict', '--no-dangling')
  })

  it('directories read from loose trees, and through cat-file once they are packed: the same tree', () => {
    const loose = makeRepo(FILES)
    change(loose)
    const packed = makeRepo(FILES)
    sh(packed, 'git', 'gc', '-q')
    change(packed)
    const read = (dir: string) => {
      const { r, argvs } = cpoTraced(dir, ['snapshot', '--json'])
      expect(r.code, r.stderr).toBe(0)
      const tree = sh(
        dir,
        'git',
        'rev-parse',
        `refs/cpo/snapshots/${r.json.data.snapshot.id}^{tree}`,
      )
      return { tree: tree.trim(), catFiles: argvs.filter((a) => a[1] === 'cat-file').length }
    }
    const a = read(loose)
    const b = read(packed)
    expect(a.catFiles).toBe(0)
    expect(b.catFiles).toBe(1)
    expect(a.tree).toBe(b.tree)
    sh(packed, 'git', 'add', '-A')
    expect(sh(packed, 'git', 'write-tree').trim()).toBe(b.tree)
  })

  it('a sha256 repository', () => {
    const dir = tempDir()
    sh(dir, 'git', 'init', '-q', '-b', 'main', '--object-format=sha256')
    sh(dir, 'git', 'config', 'user.email', 'dev@example.com')
    sh(dir, 'git', 'config', 'user.name', 'Dev')
    writeFiles(dir, FILES)
    commitAll(dir, 'initial')
    change(dir)
    const shot = snapshotWithObjects(dir, path.join(dir, '.git/objects'))
    expect(shot.tree).toHaveLength(64)
    expect(shot.hashObjects).toBe(0)
    expect(recommit(dir, shot.commit)).toBe(shot.commit)
    const trees = checkTrees(dir, shot.added.map(idOf))
    expect(trees).toContain(shot.tree)
    sh(dir, 'git', 'fsck', '--strict', '--no-dangling')
    sh(dir, 'git', 'add', '-A')
    expect(sh(dir, 'git', 'write-tree').trim()).toBe(shot.tree)
  })

  it('a linked worktree writes into the common objects directory', () => {
    const main = makeRepo(FILES)
    const wt = path.join(tempDir(), 'wt')
    sh(main, 'git', 'worktree', 'add', '-q', '-b', 'side', wt)
    change(wt)
    const objects = path.join(main, '.git/objects')
    const shot = snapshotWithObjects(wt, objects)
    expect(shot.hashTrees).toBe(0)
    expect(checkTrees(wt, shot.added.map(idOf))).toContain(shot.tree)
    expect(fs.existsSync(path.join(main, '.git/worktrees/wt/objects'))).toBe(false)
    sh(main, 'git', 'fsck', '--strict', '--no-dangling')
    sh(wt, 'git', 'add', '-A')
    expect(sh(wt, 'git', 'write-tree').trim()).toBe(shot.tree)
  })

  it('GIT_OBJECT_DIRECTORY is honoured (alternates read the repository’s own objects)', () => {
    const dir = makeRepo(FILES)
    change(dir)
    const elsewhere = path.join(tempDir(), 'objects')
    fs.mkdirSync(elsewhere)
    const env = {
      GIT_OBJECT_DIRECTORY: elsewhere,
      GIT_ALTERNATE_OBJECT_DIRECTORIES: path.join(dir, '.git/objects'),
    }
    const shot = snapshotWithObjects(dir, elsewhere, env)
    expect(shot.hashTrees).toBe(0)
    expect(shot.added.map(idOf)).toContain(shot.tree)
    expect(
      fs.existsSync(path.join(dir, '.git/objects', shot.tree.slice(0, 2), shot.tree.slice(2))),
    ).toBe(false)
    const type = execFileSync('git', ['cat-file', '-t', shot.tree], {
      cwd: dir,
      env: { ...process.env, ...env },
      encoding: 'utf8',
    })
    expect(type.trim()).toBe('tree')
  })

  it('core.sharedRepository and an fsync setting leave the write to git', () => {
    for (const [key, value] of [
      ['core.sharedRepository', 'group'],
      ['core.fsync', 'loose-object'],
    ] as const) {
      const dir = makeRepo(FILES)
      sh(dir, 'git', 'config', key, value)
      change(dir)
      const shot = snapshotWithObjects(dir, path.join(dir, '.git/objects'))
      expect(shot.hashTrees).toBe(1)
      expect(shot.commitTrees).toBe(2)
      expect(checkTrees(dir, shot.added.map(idOf))).toContain(shot.tree)
      if (key === 'core.sharedRepository') {
        const file = path.join(dir, '.git/objects', shot.tree.slice(0, 2), shot.tree.slice(2))
        expect(fs.statSync(file).mode & 0o040).toBe(0o040) // git made it group-readable
      }
      sh(dir, 'git', 'fsck', '--strict', '--no-dangling')
    }
  })
})
