import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { addAllTree } from '../helpers/add-all-tree.js'
import { applying, background, inSnapshot, until } from '../helpers/background.js'
import { commitAll, cpo, makeRepo, sh, writeFiles } from '../helpers/repo.js'

/**
 * Snapshots of a work tree with thousands of untracked files (issue 15's `untracked` shape,
 * smaller): the snapshot's trees must be exactly what `git add -A` + `write-tree` of a temp
 * index writes, whatever the files hold, and an untracked file saved after the snapshot must
 * never be taken for the one it captured.
 */

const MANY = 3000

const listing = (dir: string, tree: string) => sh(dir, 'git', 'ls-tree', '-r', '-t', '-z', tree)

function snapshotTrees(dir: string) {
  const r = cpo(dir, ['snapshot', '--json'])
  expect(r.code, r.stderr).toBe(0)
  const id = r.json.data.snapshot.id as string
  const ref = `refs/cpo/snapshots/${id}`
  return {
    id,
    worktree: sh(dir, 'git', 'rev-parse', `${ref}^{tree}`).trim(),
    index: sh(dir, 'git', 'rev-parse', `${ref}^2^{tree}`).trim(),
  }
}

/** Thousands of untracked files in 30 directories, some deeper, with every unusual kind. */
function manyUntracked(dir: string): void {
  for (let i = 0; i < MANY; i++) {
    const d = `gen/batch-${i % 30}${i % 7 === 0 ? '/deep' : ''}`
    writeFiles(dir, { [`${d}/out-${i}.txt`]: `generated ${i}\n`.repeat(1 + (i % 5)) })
  }
  fs.chmodSync(path.join(dir, 'gen/batch-1/out-1.txt'), 0o755)
  fs.chmodSync(path.join(dir, 'gen/batch-2/out-2.txt'), 0o700)
  fs.symlinkSync('out-3.txt', path.join(dir, 'gen/batch-3/link'))
  fs.symlinkSync('../batch-4', path.join(dir, 'gen/batch-5/to-dir'))
  writeFiles(dir, {
    'gen/batch-6/ignored.log': 'ignored\n',
    'gen/batch-7/crlf.txt': 'one\r\ntwo\r\n',
    'gen/batch-8/lf.eol': 'one\ntwo\n',
    'gen/batch-9/filtered.up': 'lower case\n',
    'gen/batch-10/empty.txt': '',
  })
  const latin1 = Buffer.from(`${dir}/gen/batch-11/r\xe9sum\xe9.txt`, 'latin1')
  fs.writeFileSync(latin1, 'cv\n')
}

describe('a snapshot of thousands of untracked files', () => {
  it('holds exactly the trees git add -A + write-tree writes (modes, links, ignored, eol, filters, non-UTF-8 names)', () => {
    const dir = makeRepo({
      'README.md': '# demo\n',
      '.gitignore': '*.log\n',
      '.gitattributes': '*.eol text eol=crlf\n*.up filter=upper\n',
      'src/a.ts': 'a\n',
    })
    sh(dir, 'git', 'config', 'filter.upper.clean', 'tr a-z A-Z')
    sh(dir, 'git', 'config', 'core.autocrlf', 'input')
    const head = sh(dir, 'git', 'rev-parse', 'HEAD^{tree}').trim()
    manyUntracked(dir)
    writeFiles(dir, { 'src/a.ts': 'a changed\n' })
    const expected = addAllTree(dir)
    const trees = snapshotTrees(dir)
    // The converted and filtered files go in as their bytes on disk (raw), as every snapshot
    // stores them (so the trees above them differ); every other entry is byte for byte git's.
    const raw = ['gen/batch-7/crlf.txt', 'gen/batch-8/lf.eol', 'gen/batch-9/filtered.up']
    const strip = (l: string) =>
      l.split('\0').filter((e) => !e.includes(' tree ') && !raw.some((r) => e.endsWith(r)))
    expect(strip(listing(dir, trees.worktree))).toEqual(strip(listing(dir, expected)))
    expect(strip(listing(dir, trees.worktree)).length).toBeGreaterThan(MANY)
    for (const r of raw) {
      expect(sh(dir, 'git', 'cat-file', 'blob', `${trees.worktree}:${r}`)).toBe(
        fs.readFileSync(path.join(dir, r), 'utf8'),
      )
    }
    expect(trees.index).toBe(head)
    expect(listing(dir, trees.worktree)).toContain('100755 blob')
    expect(listing(dir, trees.worktree)).toContain('120000 blob')
    expect(listing(dir, trees.worktree)).not.toContain('ignored.log')
    // The real index is untouched.
    expect(sh(dir, 'git', 'status', '--porcelain', '-uno')).toBe(' M src/a.ts\n')
  })

  it('a snapshot with thousands of untracked files in a plain repository equals the recipe', () => {
    const dir = makeRepo({ 'README.md': '# demo\n', 'src/a.ts': 'a\n' })
    for (let i = 0; i < MANY; i++) {
      writeFiles(dir, { [`gen/batch-${i % 50}/out-${i}.txt`]: `generated ${i}\n` })
    }
    const expected = addAllTree(dir)
    expect(snapshotTrees(dir).worktree).toBe(expected)
  })

  it('an untracked file saved after the snapshot, during a restore that sets it aside, is caught and kept', async () => {
    const dir = makeRepo({ 'a.txt': 'a v1\n' })
    const v1 = snapshotTrees(dir).id
    writeFiles(dir, { 'a.txt': 'a v2\n' })
    commitAll(dir, 'v2')
    for (let i = 0; i < MANY; i++) writeFiles(dir, { [`new/b${i % 20}/u${i}.txt`]: `u ${i}\n` })
    const victim = 'new/b7/u1007.txt'
    const run = background(dir, ['snapshot', 'restore', v1, '--json'], {
      CPO_PAUSE: 'restore-head:3000',
    })
    await until(() => applying(dir))
    // Same size, same second: only the content differs from what the before-snapshot hashed.
    fs.writeFileSync(path.join(dir, victim), 'U 1007\n')
    const r = await run
    expect(r.code, r.stdout + r.stderr).toBe(0)
    const data = r.json.data
    expect(fs.readFileSync(path.join(dir, 'a.txt'), 'utf8')).toBe('a v1\n')
    expect(fs.existsSync(path.join(dir, 'new'))).toBe(false)
    // The before-snapshot holds every untracked file as it was; the edit made meanwhile is in
    // the restore's `during` snapshot, byte for byte.
    expect(inSnapshot(dir, data.before.id, victim)).toBe('u 1007\n')
    expect(inSnapshot(dir, data.before.id, 'new/b3/u2003.txt')).toBe('u 2003\n')
    const during = data.changedDuring.find((d: any) => d.paths.includes(victim))
    expect(during, JSON.stringify(data.changedDuring)).toBeDefined()
    expect(inSnapshot(dir, during.snapshot, victim)).toBe('U 1007\n')
  })
})
