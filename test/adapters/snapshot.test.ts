import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  captureSnapshot,
  createSnapshot,
  getSnapshot,
  openRepo,
  restoreSnapshotOperation,
  undoOperation,
} from '../../src/index.js'
import { commitAll, fingerprint, makeRepo, sh, writeFiles } from '../helpers/repo.js'

/** What `git write-tree` makes of the real index right now, without changing it. */
function realIndexTree(dir: string): string {
  const copy = path.join(dir, '.git', 'index-copy-for-test')
  if (fs.existsSync(path.join(dir, '.git', 'index'))) {
    fs.copyFileSync(path.join(dir, '.git', 'index'), copy)
  } else fs.rmSync(copy, { force: true })
  try {
    return sh(dir, 'env', `GIT_INDEX_FILE=${copy}`, 'git', 'write-tree').trim()
  } finally {
    fs.rmSync(copy, { force: true })
  }
}

const capture = async (dir: string) =>
  captureSnapshot(await openRepo(dir), { kind: 'manual', message: 'test' })

describe('snapshot capture', () => {
  it('records the index tree git would write, whether or not anything is staged', async () => {
    const dir = makeRepo({ 'a.txt': 'a\n', 'd/b.txt': 'b\n' })
    // Nothing staged: the index tree is HEAD's tree, taken without writing it.
    writeFiles(dir, { 'a.txt': 'edited\n', 'new.txt': 'new\n' })
    let snap = await capture(dir)
    expect(snap.indexTree).toBe(sh(dir, 'git', 'rev-parse', 'HEAD^{tree}').trim())
    expect(snap.indexTree).toBe(realIndexTree(dir))
    // An intent-to-add entry is not staged content: write-tree leaves it out too.
    sh(dir, 'git', 'add', '-N', 'new.txt')
    snap = await capture(dir)
    expect(snap.indexTree).toBe(realIndexTree(dir))
    expect(sh(dir, 'git', 'ls-tree', '-r', '--name-only', snap.worktreeTree)).toContain('new.txt')
    // Staged changes: the tree of the index, not of HEAD.
    sh(dir, 'git', 'add', 'a.txt')
    sh(dir, 'git', 'rm', '-q', '--cached', 'd/b.txt')
    snap = await capture(dir)
    expect(snap.indexTree).toBe(realIndexTree(dir))
    expect(snap.indexTree).not.toBe(sh(dir, 'git', 'rev-parse', 'HEAD^{tree}').trim())
    expect(snap.dirty).toEqual(['a.txt', 'd/b.txt', 'new.txt'])
    // No index file at all: every tracked file counts as staged for deletion.
    fs.rmSync(path.join(dir, '.git', 'index'))
    snap = await capture(dir)
    expect(snap.indexTree).toBe(realIndexTree(dir))
  })

  it('captures a directory replaced by a symlink to a directory with the same file names', async () => {
    const dir = makeRepo({ 'dir/c.txt': 'tracked\n', 'real/c.txt': 'other\n', 'x.txt': 'x\n' })
    fs.rmSync(path.join(dir, 'dir'), { recursive: true })
    fs.symlinkSync('real', path.join(dir, 'dir'))
    writeFiles(dir, { 'x.txt': 'changed\n' })
    const at = fingerprint(dir)
    const repo = await openRepo(dir)
    const { snapshot } = await createSnapshot(repo)
    const tree = sh(dir, 'git', 'ls-tree', '-r', snapshot.worktreeTree)
    expect(tree).toMatch(/^120000 blob \w+\tdir$/m)
    expect(tree).not.toContain('dir/c.txt')

    fs.rmSync(path.join(dir, 'dir'))
    writeFiles(dir, { 'dir/c.txt': 'tracked\n', 'x.txt': 'later\n' })
    const later = fingerprint(dir)
    await restoreSnapshotOperation(repo, snapshot.id)
    expect(fingerprint(dir)).toEqual(at)
    await undoOperation(repo, undefined)
    expect(fingerprint(dir)).toEqual(later)
  })
})

describe('snapshot restore', () => {
  it('leaves no rewritten file looking modified to git plumbing when its content matches the index', async () => {
    const dir = makeRepo({ 'a.txt': 'a\n', 'b.txt': 'b\n', 'c.txt': 'c\n' })
    writeFiles(dir, { 'b.txt': 'b unstaged\n' })
    const repo = await openRepo(dir)
    const { snapshot } = await createSnapshot(repo)
    // Later: a.txt rewritten (same as index in the snapshot), b.txt rewritten, c.txt staged.
    writeFiles(dir, { 'a.txt': 'a later\n', 'b.txt': 'b later\n', 'c.txt': 'c staged\n' })
    sh(dir, 'git', 'add', 'c.txt')
    await restoreSnapshotOperation(repo, snapshot.id)
    // diff-files trusts cached stat data; a fresh refresh shows what is really modified.
    const plumbing = sh(dir, 'git', 'diff-files', '--name-only')
    sh(dir, 'git', 'update-index', '-q', '--refresh')
    expect(plumbing).toBe(sh(dir, 'git', 'diff-files', '--name-only'))
    expect(plumbing).toBe('b.txt\n')
    expect(sh(dir, 'git', 'diff', '--cached', '--name-only')).toBe('')
  })

  it('refuses to replace an ignored file that stands where the snapshot has a directory', async () => {
    const dir = makeRepo({ 'build/x': 'x\n' })
    const repo = await openRepo(dir)
    const { snapshot } = await createSnapshot(repo)
    sh(dir, 'git', 'rm', '-r', '-q', '--cached', 'build')
    writeFiles(dir, { '.gitignore': 'build\n' })
    commitAll(dir, 'build output is ignored now')
    fs.rmSync(path.join(dir, 'build'), { recursive: true })
    writeFiles(dir, { build: 'precious, ignored, in no snapshot\n' })
    const before = fingerprint(dir)
    await expect(restoreSnapshotOperation(repo, snapshot.id)).rejects.toMatchObject({
      code: 'UNCAPTURED_FILES_IN_THE_WAY',
      details: ['build'],
    })
    expect(fingerprint(dir)).toEqual(before)
  })

  it('restores many chosen files (listed from the whole tree) with their modes', async () => {
    const files = Object.fromEntries(
      Array.from({ length: 600 }, (_, i) => [`many/f${i}.txt`, `${i}\n`]),
    )
    const dir = makeRepo({ ...files, 'run.sh': '#!/bin/sh\n' })
    fs.chmodSync(path.join(dir, 'run.sh'), 0o755)
    commitAll(dir, 'exec bit')
    const repo = await openRepo(dir)
    const { snapshot } = await createSnapshot(repo)
    const at = fingerprint(dir)
    fs.rmSync(path.join(dir, 'many'), { recursive: true })
    fs.chmodSync(path.join(dir, 'run.sh'), 0o644)
    const report = await restoreSnapshotOperation(repo, snapshot.id, { paths: ['many', 'run.sh'] })
    expect(report.written).toHaveLength(601)
    expect(fingerprint(dir)).toEqual(at)
  })

  it('finds snapshots by unique prefix and reports ambiguous ones', async () => {
    const dir = makeRepo()
    const repo = await openRepo(dir)
    const first = await captureSnapshot(repo, {
      kind: 'manual',
      message: 'one',
      now: new Date('2026-01-02T03:04:05.006Z'),
    })
    const second = await captureSnapshot(repo, {
      kind: 'manual',
      message: 'two',
      now: new Date('2026-01-02T03:04:59.000Z'),
    })
    expect((await getSnapshot(repo, first.id)).commit).toBe(first.commit)
    expect((await getSnapshot(repo, '20260102-030405')).id).toBe(first.id)
    expect((await getSnapshot(repo, '20260102-030459')).message).toBe('two')
    await expect(getSnapshot(repo, '20260102-0304')).rejects.toMatchObject({
      code: 'AMBIGUOUS_SNAPSHOT_ID',
    })
    await expect(getSnapshot(repo, '20260102-1')).rejects.toMatchObject({
      code: 'SNAPSHOT_NOT_FOUND',
    })
    expect(second.id.startsWith('20260102-030459-000-')).toBe(true)
  })
})
