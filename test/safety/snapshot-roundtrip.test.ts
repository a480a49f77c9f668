import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  createSnapshot,
  openRepo,
  restoreSnapshotOperation,
  undoOperation,
} from '../../src/index.js'
import { commitAll, fingerprint, makeRepo, sh, writeFiles } from '../helpers/repo.js'

const WEIRD = [
  'name with spaces.txt',
  'ünï/файл ☃.txt',
  'line\nbreak.txt',
  '-dash.txt',
  'tab\there.md',
]

function seed(): string {
  const dir = makeRepo({
    'a.txt': 'alpha\n',
    'src/deep/nested/b.ts': 'export const b = 1\n',
    'run.sh': '#!/bin/sh\necho hi\n',
    '.gitignore': '*.log\nignored/\n',
    ...Object.fromEntries(WEIRD.map((n, i) => [n, `weird ${i}\n`])),
  })
  fs.chmodSync(path.join(dir, 'run.sh'), 0o755)
  fs.symlinkSync('a.txt', path.join(dir, 'link-to-a'))
  commitAll(dir, 'seed')
  return dir
}

/** A little of everything a snapshot must capture. */
function editA(dir: string): void {
  writeFiles(dir, { 'a.txt': 'alpha staged\n' })
  sh(dir, 'git', 'add', 'a.txt')
  writeFiles(dir, {
    'a.txt': 'alpha staged then edited\n',
    'untracked/new file.txt': 'new\n',
    'staged-only.txt': 'only in index\n',
    [WEIRD[2] as string]: 'edited weird\n',
    'debug.log': 'ignored one\n',
    'ignored/cache.bin': 'ignored two\n',
  })
  sh(dir, 'git', 'add', 'staged-only.txt')
  fs.rmSync(path.join(dir, 'src/deep/nested/b.ts'))
  fs.chmodSync(path.join(dir, WEIRD[0] as string), 0o755)
  fs.rmSync(path.join(dir, 'link-to-a'))
  fs.symlinkSync('run.sh', path.join(dir, 'link-to-a'))
}

/** Different edits, a commit (HEAD moves) and a type change, after the snapshot. */
function editB(dir: string): void {
  writeFiles(dir, { 'a.txt': 'completely different\n', 'later.txt': 'later\n' })
  fs.rmSync(path.join(dir, 'run.sh'))
  fs.rmSync(path.join(dir, 'untracked'), { recursive: true })
  writeFiles(dir, { untracked: 'now a file\n' })
  commitAll(dir, 'work after the snapshot')
  writeFiles(dir, { 'debug.log': 'ignored, changed later\n', 'after.txt': 'untracked later\n' })
  fs.chmodSync(path.join(dir, WEIRD[0] as string), 0o644)
}

const withoutIgnored = (fp: Record<string, string>) =>
  Object.fromEntries(
    Object.entries(fp).filter(([k]) => k !== 'tree:debug.log' && !k.startsWith('tree:ignored/')),
  )

describe('snapshot and restore', () => {
  it('restores work tree, index, HEAD and branch byte for byte, and undo brings back the rest', async () => {
    const dir = seed()
    editA(dir)
    const atSnapshot = fingerprint(dir)
    const repo = await openRepo(dir)
    const { snapshot } = await createSnapshot(repo, { message: 'before experiments' })
    expect(fingerprint(dir)).toEqual(atSnapshot) // taking a snapshot changes nothing
    expect(snapshot.dirty).toEqual(
      expect.arrayContaining(['a.txt', 'staged-only.txt', 'untracked/new file.txt', 'link-to-a']),
    )

    editB(dir)
    const beforeRestore = fingerprint(dir)
    const report = await restoreSnapshotOperation(repo, snapshot.id)

    const restored = fingerprint(dir)
    expect(withoutIgnored(restored)).toEqual(withoutIgnored(atSnapshot))
    // Ignored files are never touched: they keep what they had just before the restore.
    expect(restored['tree:debug.log']).toBe(beforeRestore['tree:debug.log'])
    expect(restored['tree:ignored/cache.bin']).toBe(atSnapshot['tree:ignored/cache.bin'])
    expect(report.removed).toEqual(expect.arrayContaining(['after.txt', 'later.txt', 'untracked']))

    await undoOperation(repo, undefined)
    expect(fingerprint(dir)).toEqual(beforeRestore)
  })

  it('works on a detached HEAD and returns to it', async () => {
    const dir = seed()
    const first = sh(dir, 'git', 'rev-parse', 'HEAD').trim()
    commitAll(dir, 'second')
    sh(dir, 'git', 'checkout', '-q', '--detach', first)
    writeFiles(dir, { 'x.txt': 'detached work\n' })
    const at = fingerprint(dir)
    const repo = await openRepo(dir)
    const { snapshot } = await createSnapshot(repo)
    expect(snapshot.branch).toBeNull()
    sh(dir, 'git', 'checkout', '-q', 'main')
    fs.rmSync(path.join(dir, 'x.txt'), { force: true })
    await restoreSnapshotOperation(repo, snapshot.id)
    expect(fingerprint(dir)).toEqual(at)
  })

  it('restores chosen paths only, leaving everything else as it is', async () => {
    const dir = seed()
    const repo = await openRepo(dir)
    const { snapshot } = await createSnapshot(repo)
    writeFiles(dir, {
      'a.txt': 'broken\n',
      'src/deep/nested/b.ts': 'broken too\n',
      'keep.txt': 'k\n',
    })
    const head = sh(dir, 'git', 'rev-parse', 'HEAD')
    const report = await restoreSnapshotOperation(repo, snapshot.id, { paths: ['src'] })
    expect(report.written).toEqual(['src/deep/nested/b.ts'])
    expect(fs.readFileSync(path.join(dir, 'src/deep/nested/b.ts'), 'utf8')).toBe(
      'export const b = 1\n',
    )
    expect(fs.readFileSync(path.join(dir, 'a.txt'), 'utf8')).toBe('broken\n')
    expect(fs.readFileSync(path.join(dir, 'keep.txt'), 'utf8')).toBe('k\n')
    expect(sh(dir, 'git', 'rev-parse', 'HEAD')).toBe(head)
  })

  it('reports untracked files above the size cap, keeps them out, and never deletes them', async () => {
    const dir = seed()
    writeFiles(dir, { 'big.bin': 'x'.repeat(4096), 'small.txt': 's\n' })
    const repo = await openRepo(dir)
    process.env.CPO_SNAPSHOT_SIZE_CAP = '1k'
    try {
      const { snapshot } = await createSnapshot(repo)
      expect(snapshot.skipped).toEqual([{ path: 'big.bin', reason: 'too-large', size: 4096 }])
      expect(snapshot.dirty).toEqual(['small.txt'])
      fs.rmSync(path.join(dir, 'small.txt'))
      await restoreSnapshotOperation(repo, snapshot.id)
      expect(fs.readFileSync(path.join(dir, 'big.bin'), 'utf8')).toHaveLength(4096)
      expect(fs.readFileSync(path.join(dir, 'small.txt'), 'utf8')).toBe('s\n')
    } finally {
      delete process.env.CPO_SNAPSHOT_SIZE_CAP
    }
  })

  it('refuses to overwrite an ignored file that stands where the snapshot has a file', async () => {
    const dir = seed()
    writeFiles(dir, { 'notes.log': 'tracked once\n' })
    sh(dir, 'git', 'add', '-f', 'notes.log')
    commitAll(dir, 'track a log')
    const repo = await openRepo(dir)
    const { snapshot } = await createSnapshot(repo)
    sh(dir, 'git', 'rm', '-q', '--cached', 'notes.log')
    commitAll(dir, 'untrack it')
    writeFiles(dir, { 'notes.log': 'precious ignored content\n' })
    const before = fingerprint(dir)
    await expect(restoreSnapshotOperation(repo, snapshot.id)).rejects.toMatchObject({
      code: 'UNCAPTURED_FILES_IN_THE_WAY',
    })
    expect(fingerprint(dir)).toEqual(before)
  })

  it('survives git gc: snapshot objects stay reachable', async () => {
    const dir = seed()
    writeFiles(dir, { 'only-in-snapshot.txt': 'unique content 8c1f\n' })
    const repo = await openRepo(dir)
    const { snapshot } = await createSnapshot(repo)
    fs.rmSync(path.join(dir, 'only-in-snapshot.txt'))
    sh(dir, 'git', 'reflog', 'expire', '--expire=now', '--all')
    sh(dir, 'git', 'gc', '-q', '--prune=now')
    await restoreSnapshotOperation(repo, snapshot.id)
    expect(fs.readFileSync(path.join(dir, 'only-in-snapshot.txt'), 'utf8')).toBe(
      'unique content 8c1f\n',
    )
  })
})

describe('restoring chosen paths', () => {
  it('refuses to overwrite an ignored file at one of those paths, and changes nothing', async () => {
    const dir = seed()
    writeFiles(dir, { 'build.log': 'once tracked\n' })
    sh(dir, 'git', 'add', '-f', 'build.log')
    const repo = await openRepo(dir)
    const { snapshot } = await createSnapshot(repo)
    sh(dir, 'git', 'rm', '-q', '--cached', 'build.log')
    writeFiles(dir, { 'build.log': 'ignored now, and precious\n' })
    const before = fingerprint(dir)
    await expect(
      restoreSnapshotOperation(repo, snapshot.id, { paths: ['build.log'] }),
    ).rejects.toMatchObject({ code: 'UNCAPTURED_FILES_IN_THE_WAY' })
    expect(fingerprint(dir)).toEqual(before)
  })
})
