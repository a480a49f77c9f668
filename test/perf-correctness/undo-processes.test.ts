import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { openRepo } from '../../src/adapters/repo.js'
import { diffTrees, diffTreesMany } from '../../src/adapters/snapshot/restore.js'
import { cpoTraced } from '../helpers/git-trace.js'
import {
  commitAll,
  copyOf,
  cpo,
  fingerprint,
  isKept,
  keep,
  makeRepo,
  sh,
  writeFiles,
} from '../helpers/repo.js'

/**
 * How many git processes `cpo undo` and `cpo snapshot restore` start (GIT_TRACE2_EVENT), and that
 * the fewer processes still give back exactly the snapshot's files, index and refs. Counts for
 * the repository and work below (before → after this change): `snapshot restore` 28 → 25 (the
 * target's refs blob is not read when it holds the refs the scan found; HEAD's branch is read
 * from the HEAD file; the work-tree, unstaged and index diffs in one `diff-tree --stdin`),
 * `undo` of that restore 33 → 26 (both snapshots read with one for-each-ref and no refs-blob
 * read, three diff-trees in one, the sidecar check takes the refs from the transaction instead
 * of a for-each-ref).
 */
function traced(dir: string, args: string[]): { json: any; argvs: string[][] } {
  const { r, argvs } = cpoTraced(dir, [...args, '--json'])
  expect(r.code, r.stderr).toBe(0)
  return { json: r.json, argvs }
}

const files: Record<string, string> = {}
for (let i = 0; i < 30; i++) files[`src/f${i}.txt`] = `file ${i}\n`

/** A repository with a tag and a second branch, snapshot A of its clean state, built once. */
let built: { dir: string; id: string; clean: Record<string, string> } | undefined
const fixture = () => {
  if (!isKept(built?.dir)) built = build()
  return built as { dir: string; id: string; clean: Record<string, string> }
}
const build = () => {
  const dir = keep(makeRepo(files))
  sh(dir, 'git', 'tag', 'v1')
  sh(dir, 'git', 'branch', 'feature')
  const r = cpo(dir, ['snapshot', '-m', 'A', '--json'])
  expect(r.code, r.stderr).toBe(0)
  return { dir, id: r.json.data.snapshot.id as string, clean: fingerprint(dir) }
}

/** Uncommitted work on top of A: edits, a deletion, a staged edit, an untracked file. */
function withWork(): { dir: string; work: Record<string, string> } {
  const dir = copyOf(fixture().dir)
  writeFiles(dir, { 'src/f1.txt': 'edited\n', 'src/new.txt': 'untracked\n' })
  fs.rmSync(path.join(dir, 'src/f2.txt'))
  writeFiles(dir, { 'src/f3.txt': 'staged\n' })
  sh(dir, 'git', 'add', 'src/f3.txt')
  return { dir, work: fingerprint(dir) }
}

describe('undo and snapshot restore start few git processes and stay exact', () => {
  it('snapshot restore: at most 25 git processes, and files, index and refs are the snapshot', () => {
    const { dir } = withWork()
    const { argvs } = traced(dir, ['snapshot', 'restore', fixture().id])
    expect(fingerprint(dir)).toEqual(fixture().clean)
    expect(argvs.length, argvs.map((a) => a.slice(1, 3).join(' ')).join('\n')).toBeLessThanOrEqual(
      25,
    )
    // No refs-blob read: the target's refs are the ones the scan found.
    expect(argvs.filter((a) => a[1] === 'cat-file').length).toBeLessThanOrEqual(1)
    expect(argvs.some((a) => a[1] === 'symbolic-ref')).toBe(false)
  })

  it('undo of that restore: at most 26 git processes, and the work comes back byte for byte', () => {
    const { dir, work } = withWork()
    const restore = cpo(dir, ['snapshot', 'restore', fixture().id])
    expect(restore.code, restore.stderr).toBe(0)
    const { argvs } = traced(dir, ['undo'])
    expect(fingerprint(dir)).toEqual(work)
    expect(sh(dir, 'git', 'diff', '--cached', '--name-only')).toBe('src/f3.txt\n')
    expect(argvs.length, argvs.map((a) => a.slice(1, 3).join(' ')).join('\n')).toBeLessThanOrEqual(
      26,
    )
    const snapshotReads = argvs.filter(
      (a) => a[1] === 'for-each-ref' && a.some((x) => x.startsWith('refs/cpo/snapshots/')),
    )
    expect(snapshotReads.length).toBe(1)
  })

  it('refs that differ from the scan are read from the snapshot: branch and HEAD go back exactly', () => {
    // The snapshot is on `feature` while main has moved on since: its refs blob is not the
    // refs the scan finds, so it must be read, and the restore must move HEAD to `feature`.
    const dir = copyOf(fixture().dir)
    sh(dir, 'git', 'switch', '-q', 'feature')
    writeFiles(dir, { 'src/feature.txt': 'feature work\n' })
    commitAll(dir, 'feature work')
    const taken = cpo(dir, ['snapshot', '-m', 'on feature', '--json'])
    expect(taken.code, taken.stderr).toBe(0)
    const onFeature = fingerprint(dir)
    sh(dir, 'git', 'switch', '-q', 'main')
    writeFiles(dir, { 'src/main.txt': 'main work\n' })
    commitAll(dir, 'main work')
    sh(dir, 'git', 'tag', 'v2')
    writeFiles(dir, { 'src/f5.txt': 'uncommitted\n' })
    const before = fingerprint(dir)
    traced(dir, ['snapshot', 'restore', taken.json.data.snapshot.id])
    // A snapshot restore moves HEAD and its branch only: main and both tags stay where they are.
    expect(fingerprint(dir)).toEqual({ ...onFeature, refs: before.refs })
    const undo = cpo(dir, ['undo'])
    expect(undo.code, undo.stderr).toBe(0)
    expect(fingerprint(dir)).toEqual(before)
  })
})

describe('diffTreesMany', () => {
  it('gives each pair what diffTrees gives it, with names that look like its headers', async () => {
    const dir = makeRepo({ 'a.txt': 'a\n', 'sub/b.txt': 'b\n' })
    const tree = () => sh(dir, 'git', 'rev-parse', 'HEAD^{tree}').trim()
    const t1 = tree()
    // A name that is two object ids and a newline, and one with spaces and a tab.
    const tricky = `${t1} ${t1}\nx`
    writeFiles(dir, { [tricky]: 'tricky\n', 'with space\tand tab': 'w\n', 'a.txt': 'A\n' })
    fs.rmSync(path.join(dir, 'sub/b.txt'))
    commitAll(dir, 'second')
    const t2 = tree()
    writeFiles(dir, { 'c.txt': 'c\n' })
    commitAll(dir, 'third')
    const t3 = tree()
    const repo = await openRepo(dir)
    const pairs: Array<[string, string]> = [
      [t1, t2],
      [t2, t2],
      [t2, t1],
      [t1, t2],
      [t2, t3],
      [t1, t3],
    ]
    const many = await diffTreesMany(repo, pairs)
    const one = await Promise.all(pairs.map(([a, b]) => diffTrees(repo, a, b)))
    expect(many).toEqual(one)
    expect(many[0]?.map((c) => `${c.status} ${c.path}`).sort()).toEqual(
      ['M a.txt', 'D sub/b.txt', `A ${tricky}`, 'A with space\tand tab'].sort(),
    )
    expect(many[1]).toEqual([])
  })
})
