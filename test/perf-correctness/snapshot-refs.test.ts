import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { cpo, fingerprint, makeRepo, sh, writeFiles } from '../helpers/repo.js'

const TAGS = 2000

const rev = (dir: string, ref: string): string => sh(dir, 'git', 'rev-parse', ref).trim()
const git = (dir: string, args: string[], input: string): string =>
  execFileSync('git', args, { cwd: dir, input, encoding: 'utf8' })
/** The JSON metadata a snapshot commit's message ends with, as stored. */
const storedMeta = (dir: string, id: string) =>
  JSON.parse(
    sh(dir, 'git', 'cat-file', 'commit', `refs/cpo/snapshots/${id}`).trim().split('\n').at(-1) ??
      '',
  )
/** What git gc does once reflogs have expired: keeps only what refs reach. */
const gc = (dir: string): void => {
  sh(dir, 'git', 'reflog', 'expire', '--expire=now', '--expire-unreachable=now', '--all')
  sh(dir, 'git', 'gc', '-q', '--prune=now')
}
/** `TAGS` lightweight tags on HEAD, in one transaction. */
function manyTags(dir: string): void {
  const head = rev(dir, 'HEAD')
  const lines = Array.from(
    { length: TAGS },
    (_, i) => `create refs/tags/t-${String(i).padStart(4, '0')} ${head}`,
  )
  git(dir, ['update-ref', '--stdin'], `${lines.join('\n')}\n`)
}

describe('snapshot metadata does not grow with the number of refs', () => {
  it('stores the refs once as a trie shared by snapshots with the same refs, kept through gc', () => {
    const dir = makeRepo({ 'app.ts': 'v1\n' })
    manyTags(dir)
    writeFiles(dir, { 'app.ts': 'v2\n' })
    const a = cpo(dir, ['snapshot', '--json']).json.data.snapshot.id
    const b = cpo(dir, ['snapshot', '--json']).json.data.snapshot.id

    // The commit carries no ref list: a few hundred bytes, not 2,000 refs (~120 KB).
    for (const id of [a, b]) {
      const size = Number(sh(dir, 'git', 'cat-file', '-s', `refs/cpo/snapshots/${id}`).trim())
      expect(size).toBeLessThan(4096)
      expect(storedMeta(dir, id).refs).toBeUndefined()
    }
    const blob = storedMeta(dir, a).refsTrie
    expect(storedMeta(dir, a).v).toBe(2)
    expect(blob).toMatch(/^[0-9a-f]{40}$/)
    expect(storedMeta(dir, b).refsTrie).toBe(blob)
    // The trie's leaves list every branch and tag exactly as git does.
    const expected = sh(
      dir,
      'git',
      'for-each-ref',
      '--format=%(objectname) %(refname)',
      'refs/heads',
      'refs/tags',
    )
    const leaves = sh(dir, 'git', 'ls-tree', '-r', '--format=%(objectname)', blob)
      .split('\n')
      .filter(Boolean)
      .map((leaf) => sh(dir, 'git', 'cat-file', 'blob', leaf))
      .join('')
    expect(leaves.split('\n').sort()).toEqual(expected.split('\n').sort())

    // Read back through cpo: every ref is there.
    const listed = cpo(dir, ['snapshot', 'list', '--json']).json.data.snapshots
    const snap = listed.find((s: { id: string }) => s.id === b)
    expect(Object.keys(snap.refs)).toHaveLength(TAGS + 1)
    expect(snap.refs['refs/tags/t-1234']).toBe(rev(dir, 'HEAD'))

    // The blob survives gc (a keep-ref holds it), and an undo that needs the refs finds them.
    writeFiles(dir, { 'app.ts': 'v3\n' })
    expect(cpo(dir, ['checkpoint', 'create', 'cp', '-m', 'x']).code).toBe(0)
    const tagObject = rev(dir, 'refs/tags/checkpoint/cp')
    expect(cpo(dir, ['checkpoint', 'delete', 'cp', '--yes']).code).toBe(0)
    gc(dir)
    sh(dir, 'git', 'cat-file', '-e', blob)
    sh(dir, 'git', 'fsck', '--strict', '--no-dangling')
    expect(cpo(dir, ['undo', '--yes']).code).toBe(0)
    expect(rev(dir, 'refs/tags/checkpoint/cp')).toBe(tagObject)
  })

  it('reads snapshots written with the refs inline beside those with a refs trie', () => {
    const dir = makeRepo({ 'app.ts': 'v1\n' })
    sh(dir, 'git', 'tag', 'old-tag')
    const id = cpo(dir, ['snapshot', '--json']).json.data.snapshot.id
    const ref = `refs/cpo/snapshots/${id}`
    // Rewrite it the way snapshots were written before: version 1, refs inline in the message.
    const meta = storedMeta(dir, id)
    expect(meta.refsTrie).toMatch(/^[0-9a-f]{40}$/)
    const { refsTrie: _, ...rest } = meta
    const old = {
      ...rest,
      v: 1,
      refs: { 'refs/heads/main': rev(dir, 'main'), 'refs/tags/old-tag': rev(dir, 'old-tag') },
    }
    const parents = sh(dir, 'git', 'rev-parse', `${ref}^1`, `${ref}^2`).trim().split('\n')
    const message = `cpo snapshot ${id}: old\n\n${JSON.stringify(old)}\n`
    const commit = git(
      dir,
      [
        'commit-tree',
        rev(dir, `${ref}^{tree}`),
        '-p',
        parents[0] ?? '',
        '-p',
        parents[1] ?? '',
        '-F',
        '-',
      ],
      message,
    ).trim()
    sh(dir, 'git', 'update-ref', ref, commit)

    sh(dir, 'git', 'tag', 'new-tag')
    const newer = cpo(dir, ['snapshot', '--json']).json.data.snapshot.id
    expect(storedMeta(dir, newer).refsTrie).toMatch(/^[0-9a-f]{40}$/)
    const listed = cpo(dir, ['snapshot', 'list', '--json']).json.data.snapshots
    const byId = new Map(listed.map((s: { id: string }) => [s.id, s]))
    expect(Object.keys((byId.get(id) as { refs: object }).refs).sort()).toEqual([
      'refs/heads/main',
      'refs/tags/old-tag',
    ])
    expect(Object.keys((byId.get(newer) as { refs: object }).refs).sort()).toEqual([
      'refs/heads/main',
      'refs/tags/new-tag',
      'refs/tags/old-tag',
    ])
  })

  it('a snapshot whose refs (one small trie leaf) are gone is refused, never read as "no refs"', () => {
    const dir = makeRepo({ 'app.ts': 'v1\n' })
    sh(dir, 'git', 'tag', 'old-tag')
    writeFiles(dir, { 'app.ts': 'v2\n' })
    const id = cpo(dir, ['snapshot', '--json']).json.data.snapshot.id
    const blob = storedMeta(dir, id).refsTrie as string
    sh(dir, 'git', 'tag', 'new-tag')
    // The object store loses the blob (a damaged repository).
    fs.rmSync(path.join(dir, '.git', 'objects', blob.slice(0, 2), blob.slice(2)))
    const before = fingerprint(dir)
    const r = cpo(dir, ['snapshot', 'restore', id, '--yes', '--json'])
    expect(r.json.error?.code).toBe('SNAPSHOT_DAMAGED')
    expect(r.code).toBe(4)
    expect(r.json.error?.hint).toContain(`git cat-file -t ${blob}`)
    // Nothing changed: both tags are still there, the files too.
    expect(fingerprint(dir)).toEqual(before)
  })
})
