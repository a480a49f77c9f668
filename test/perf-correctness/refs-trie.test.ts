import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { openRepo } from '../../src/adapters/repo.js'
import { readRefs } from '../../src/adapters/snapshot/head.js'
import { readRefsTries, refsTrieRootOf } from '../../src/adapters/snapshot/refs-trie-store.js'
import { refsTrieOf } from '../../src/core/refs-trie.js'
import { cpo, fingerprint, makeRepo, sh, tempDir, writeFiles } from '../helpers/repo.js'

/**
 * A snapshot's refs as a trie of git objects (core/refs-trie.ts; README.md, "Files cpo reads and
 * writes"): read back exactly, the ids git would give, and a moved branch writes a few small
 * objects whatever the number of refs.
 */
const rev = (dir: string, ref: string): string => sh(dir, 'git', 'rev-parse', ref).trim()
const feed = (dir: string, args: string[], input: string | Buffer): Buffer =>
  execFileSync('git', args, { cwd: dir, input })
const storedMeta = (dir: string, id: string) =>
  JSON.parse(
    sh(dir, 'git', 'cat-file', 'commit', `refs/cpo/snapshots/${id}`).trim().split('\n').at(-1) ??
      '',
  )
/** `count` lightweight tags on HEAD, in one transaction. */
function tags(dir: string, count: number, prefix = 't'): void {
  const head = rev(dir, 'HEAD')
  const lines = Array.from({ length: count }, (_, i) => `create refs/tags/${prefix}-${i} ${head}\n`)
  feed(dir, ['update-ref', '--stdin'], lines.join(''))
}
/** Every branch and tag, as git lists them. */
const refsOf = (dir: string): string =>
  sh(dir, 'git', 'for-each-ref', '--format=%(objectname) %(refname)', 'refs/heads', 'refs/tags')
/** Loose objects on disk: name → size in bytes. */
function looseObjects(dir: string): Map<string, number> {
  const out = new Map<string, number>()
  const root = path.join(dir, '.git', 'objects')
  for (const fan of fs.readdirSync(root)) {
    if (!/^[0-9a-f]{2}$/.test(fan)) continue
    for (const f of fs.readdirSync(path.join(root, fan))) {
      out.set(fan + f, fs.statSync(path.join(root, fan, f)).size)
    }
  }
  return out
}
function newlyWritten(before: Map<string, number>, after: Map<string, number>): number {
  let bytes = 0
  for (const [name, size] of after) if (!before.has(name)) bytes += size
  return bytes
}
/** git's own check of every object (a hash that does not match its bytes is an error). */
const fsckClean = (dir: string): void => {
  const out = execFileSync('git', ['fsck', '--strict', '--no-dangling', '--full'], {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  expect(out).not.toMatch(/error|warning|mismatch/)
}

describe('refs trie', () => {
  it('round trip: odd names, 6,000 refs; equal refs give an equal root; git agrees on every id', async () => {
    const dir = makeRepo({ 'a.txt': 'a\n' })
    tags(dir, 6000)
    const head = rev(dir, 'HEAD')
    // Names git accepts that are not plain ASCII, one of them not UTF-8 at all.
    feed(
      dir,
      ['update-ref', '--stdin'],
      Buffer.concat([
        Buffer.from(`create refs/tags/ünï-😀 ${head}\n`, 'utf8'),
        Buffer.from('create refs/heads/r', 'latin1'),
        Buffer.from([0xe9]),
        Buffer.from(`sum ${head}\n`, 'latin1'),
      ]),
    )
    const repo = await openRepo(dir)
    const refs = await readRefs(repo)
    expect(Object.keys(refs)).toHaveLength(6003)
    expect(Object.keys(refs).some((n) => n.includes('\udce9'))).toBe(true)
    const { oid, written } = await refsTrieRootOf(repo, refs, 40)
    await written
    expect(sh(dir, 'git', 'cat-file', '-t', oid).trim()).toBe('tree')
    const [back] = [...(await readRefsTries(repo, [oid])).values()]
    expect(back).toEqual(refs)
    // Any order of the same refs: the same root.
    const shuffled = Object.fromEntries(Object.entries(refs).reverse())
    expect(refsTrieOf(shuffled, 40).root).toBe(oid)
    // git hashes the root's bytes to the same id, and finds every object below it sound.
    const body = feed(dir, ['cat-file', 'tree', oid], '')
    expect(feed(dir, ['hash-object', '-t', 'tree', '--stdin'], body).toString().trim()).toBe(oid)
    fsckClean(dir)
    expect(sh(dir, 'git', 'ls-tree', '-r', '--name-only', oid).split('\n').length).toBeGreaterThan(
      16,
    )
  })

  it('a handful of refs is one blob; a sha256 repository gets sha256 ids git agrees with', async () => {
    const dir = tempDir()
    sh(dir, 'git', 'init', '-q', '--object-format=sha256', '-b', 'main')
    sh(
      dir,
      'git',
      '-c',
      'user.name=t',
      '-c',
      'user.email=t@t',
      'commit',
      '-q',
      '--allow-empty',
      '-m',
      'x',
    )
    tags(dir, 3)
    const repo = await openRepo(dir)
    const small = await readRefs(repo)
    const one = await refsTrieRootOf(repo, small, 64)
    await one.written
    expect(one.oid).toMatch(/^[0-9a-f]{64}$/)
    expect(sh(dir, 'git', 'cat-file', '-t', one.oid).trim()).toBe('blob')
    expect(sh(dir, 'git', 'cat-file', 'blob', one.oid)).toBe(
      sh(
        dir,
        'git',
        'for-each-ref',
        '--format=%(objectname) %(refname)',
        'refs/heads',
        'refs/tags',
      ),
    )
    tags(dir, 500, 'more')
    const many = await readRefs(repo)
    const big = await refsTrieRootOf(repo, many, 64)
    await big.written
    expect(sh(dir, 'git', 'cat-file', '-t', big.oid).trim()).toBe('tree')
    expect((await readRefsTries(repo, [big.oid, one.oid])).get(big.oid)).toEqual(many)
    fsckClean(dir)
  })

  for (const count of [300, 6000]) {
    it(`a moved branch writes a few KB of objects with ${count} refs`, () => {
      const dir = makeRepo({ 'a.txt': 'a\n' })
      sh(dir, 'git', 'branch', 'feature')
      sh(dir, 'git', 'commit', '-q', '--allow-empty', '-m', 'second')
      tags(dir, count)
      expect(cpo(dir, ['snapshot', '--json']).code).toBe(0)
      sh(dir, 'git', 'branch', '-f', 'feature', 'main')
      const before = looseObjects(dir)
      const r = cpo(dir, ['snapshot', '--json'])
      expect(r.code, r.stderr).toBe(0)
      const id = r.json.data.snapshot.id
      const bytes = newlyWritten(before, looseObjects(dir))
      // The snapshot's commits and the trie's new leaf and trees: the old single blob of every
      // ref alone was ~20 KB (300 refs) and ~400 KB (6,000 refs) deflated.
      expect(bytes).toBeGreaterThan(0)
      expect(bytes).toBeLessThan(8 * 1024)
      const listed = cpo(dir, ['snapshot', 'list', '--json']).json.data.snapshots
      const snap = listed.find((s: { id: string }) => s.id === id)
      expect(snap.refs['refs/heads/feature']).toBe(rev(dir, 'main'))
      expect(Object.keys(snap.refs)).toHaveLength(count + 2)
      expect(storedMeta(dir, id).v).toBe(2)
    })
  }

  it('recover with 3,000 tags puts back a moved branch, a deleted and an added tag; undo too', () => {
    const dir = makeRepo({ 'a.txt': 'a\n' })
    sh(dir, 'git', 'branch', 'feature')
    sh(dir, 'git', 'commit', '-q', '--allow-empty', '-m', 'second')
    tags(dir, 3000)
    const snapshotted = refsOf(dir)
    // An operation dies right after its before-snapshot recorded every ref.
    const crashed = cpo(dir, ['checkpoint', 'create', 'cp', '-m', 'x'], {
      CPO_FAULT: 'journal-begun',
    })
    expect(crashed.signal).toBe('SIGKILL')
    sh(dir, 'git', 'branch', '-f', 'feature', 'main')
    sh(dir, 'git', 'tag', '-d', 't-1234')
    sh(dir, 'git', 'tag', 'added')
    const changed = refsOf(dir)
    expect(changed).not.toBe(snapshotted)
    // Every branch and tag comes back from the trie, exactly.
    const r = cpo(dir, ['recover', '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(refsOf(dir)).toBe(snapshotted)
    const u = cpo(dir, ['undo', '--yes', '--json'])
    expect(u.code, u.stderr).toBe(0)
    expect(refsOf(dir)).toBe(changed)
  })

  it('reads and restores a version-1 snapshot whose refs are one blob', () => {
    const dir = makeRepo({ 'a.txt': 'a\n' })
    sh(dir, 'git', 'tag', 'old-tag')
    const id = cpo(dir, ['snapshot', '--json']).json.data.snapshot.id
    const ref = `refs/cpo/snapshots/${id}`
    const snapshotted = refsOf(dir)
    // Rewritten the way cpo wrote it before: version 1, `refsBlob` kept by a keep-ref.
    const blob = feed(dir, ['hash-object', '-w', '--stdin'], snapshotted).toString().trim()
    sh(dir, 'git', 'update-ref', `refs/cpo/keep/${blob}`, blob)
    const { refsTrie: _, ...rest } = storedMeta(dir, id)
    const old = { ...rest, v: 1, refsBlob: blob }
    const commit = feed(
      dir,
      [
        'commit-tree',
        rev(dir, `${ref}^{tree}`),
        '-p',
        rev(dir, `${ref}^1`),
        '-p',
        rev(dir, `${ref}^2`),
        '-F',
        '-',
      ],
      `cpo snapshot ${id}: old\n\n${JSON.stringify(old)}\n`,
    )
      .toString()
      .trim()
    sh(dir, 'git', 'update-ref', ref, commit)
    sh(dir, 'git', 'tag', 'new-tag')
    const listed = cpo(dir, ['snapshot', 'list', '--json']).json.data.snapshots
    expect(Object.keys(listed.find((s: { id: string }) => s.id === id).refs).sort()).toEqual([
      'refs/heads/main',
      'refs/tags/old-tag',
    ])
    // A restore from it reads those refs: nothing has moved since, so nothing is to put back,
    // and the branch HEAD is on comes from them.
    sh(dir, 'git', 'commit', '-q', '--allow-empty', '-m', 'later')
    const r = cpo(dir, ['snapshot', 'restore', id, '--yes', '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(rev(dir, 'HEAD')).toBe(rev(dir, 'old-tag'))
    expect(rev(dir, 'main')).toBe(rev(dir, 'old-tag'))
  })

  it('a missing leaf of a large trie is SNAPSHOT_DAMAGED, never "no refs"', () => {
    const dir = makeRepo({ 'a.txt': 'a\n' })
    tags(dir, 2000)
    writeFiles(dir, { 'a.txt': 'b\n' })
    const id = cpo(dir, ['snapshot', '--json']).json.data.snapshot.id
    const root = storedMeta(dir, id).refsTrie as string
    const leaf = sh(dir, 'git', 'ls-tree', '-r', '--format=%(objectname)', root).split(
      '\n',
    )[7] as string
    sh(dir, 'git', 'tag', 'new-tag')
    fs.rmSync(path.join(dir, '.git', 'objects', leaf.slice(0, 2), leaf.slice(2)))
    const before = fingerprint(dir)
    const r = cpo(dir, ['snapshot', 'restore', id, '--yes', '--json'])
    expect(r.json.error?.code).toBe('SNAPSHOT_DAMAGED')
    expect(r.code).toBe(4)
    expect(r.json.error?.hint).toContain(`git cat-file -t ${leaf}`)
    expect(fingerprint(dir)).toEqual(before)
  })
})
