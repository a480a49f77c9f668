import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { openRepo } from '../../src/adapters/repo.js'
import {
  keepSidecars,
  keptSidecars,
  SIDECAR_KEEP_PREFIX,
} from '../../src/adapters/sidecar-store.js'
import { traced } from '../helpers/git-trace.js'
import { makeRepo, sh, tempDir } from '../helpers/repo.js'

/*
 * A stage start keeps its sidecars as a tree under refs/cpo/sidecars/ (ARCHITECTURE.md §27 for
 * objects written in-process). The tree must be the one `hash-object -w --no-filters` and
 * `mktree` make of the same files — same id, same bytes — whether cpo writes it itself or a
 * config sends the write to git, and `git fsck` must find nothing wrong with it.
 */

const files = {
  'master-project.json': '{\n  "stages": []\n}\n',
  'env.template': 'DATABASE_URL=\nSECRET=\n',
  'B-upper.txt': 'sorts before lower case\n',
  'état.md': 'a name that is not ASCII\n',
  'git-state.json': '{"head": "x"}\n',
  // UTF-16 and UTF-8 order these two the other way round: git's order is the bytes'.
  '\u{1F600}.txt': 'above U+FFFF\n',
  '\uFF5E.txt': 'below U+FFFF\n',
}

/** The tree git itself makes of `files`. */
function gitTree(dir: string): string {
  const lines = Object.entries(files).map(([name, text]) => {
    const blob = path.join(tempDir(), 'blob')
    fs.writeFileSync(blob, text)
    const oid = sh(dir, 'git', 'hash-object', '-w', '--no-filters', blob).trim()
    return `100644 blob ${oid}\t${name}\0`
  })
  const input = path.join(tempDir(), 'mktree')
  fs.writeFileSync(input, lines.join(''))
  return sh(dir, 'sh', '-c', `git mktree -z < '${input}'`).trim()
}

/** keepSidecars traced: the tree kept, and whether git wrote the objects. */
async function kept(dir: string, tag: string) {
  const repo = await openRepo(dir)
  const { argvs } = await traced(() => keepSidecars(repo, tag, files))
  const byGit = argvs.some((a) => a.includes('mktree') || a.includes('hash-object'))
  return { tree: sh(dir, 'git', 'rev-parse', `${SIDECAR_KEEP_PREFIX}${tag}`).trim(), byGit }
}

describe('keepSidecars', () => {
  it('written in-process: the tree git makes, readable back, and fsck-clean', async () => {
    const dir = makeRepo({ 'README.md': '# p\n' })
    const tag = sh(dir, 'git', 'rev-parse', 'HEAD').trim()
    const { tree, byGit } = await kept(dir, tag)
    expect(byGit).toBe(false)
    expect(tree).toBe(gitTree(makeRepo({ 'README.md': '# p\n' })))
    expect(sh(dir, 'git', 'cat-file', '-t', tree).trim()).toBe('tree')
    sh(dir, 'git', 'fsck', '--strict', '--no-dangling')
    expect(await keptSidecars(await openRepo(dir), tag)).toEqual(files)
  })

  it('with core.sharedRepository set (git writes the objects): the same tree', async () => {
    const dir = makeRepo({ 'README.md': '# p\n' })
    sh(dir, 'git', 'config', 'core.sharedRepository', 'group')
    const tag = sh(dir, 'git', 'rev-parse', 'HEAD').trim()
    const { tree, byGit } = await kept(dir, tag)
    expect(byGit).toBe(true)
    expect(tree).toBe(gitTree(makeRepo({ 'README.md': '# p\n' })))
    // git wrote them: a shared repository's objects are group-writable directories.
    const fan = path.join(dir, '.git', 'objects', tree.slice(0, 2))
    expect(fs.statSync(fan).mode & 0o020).toBe(0o020)
    expect(await keptSidecars(await openRepo(dir), tag)).toEqual(files)
  })
})
