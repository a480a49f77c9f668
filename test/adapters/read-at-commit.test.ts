import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { readBlobAt } from '../../src/adapters/checkpoint-git.js'
import { readObjects } from '../../src/adapters/object-batch.js'
import { openRepo } from '../../src/adapters/repo.js'
import { readAtCommit, topLevelNames, treeOf } from '../../src/adapters/rollback-git.js'
import { makeRepo, sh, tempDir } from '../helpers/repo.js'

/*
 * A rollback's plan reads its target's tree, top-level names and state file through one
 * `cat-file --batch` (`readAtCommit`). It must give what the three processes it replaced give
 * (`rev-parse <commit>^{tree}`, `ls-tree --name-only`, `cat-file blob <commit>:<file>`): for a
 * file that is there, missing, a directory, a symlink, a submodule, a path with spaces or a
 * newline, names that are not UTF-8, and in a SHA-256 repository.
 */

async function apart(dir: string, commit: string, file: string) {
  const repo = await openRepo(dir)
  const [tree, topNames, text] = await Promise.all([
    treeOf(repo, commit),
    topLevelNames(repo, commit),
    readBlobAt(repo, commit, file),
  ])
  return { tree, topNames, text }
}

function oddTree(dir: string): string {
  const name = Buffer.from([0x6e, 0xe9, 0x2e, 0x74, 0x78, 0x74]) // "n\xe9.txt", not UTF-8
  fs.writeFileSync(Buffer.concat([Buffer.from(`${dir}/`), name]), 'latin-1 name\n')
  fs.mkdirSync(path.join(dir, 'a dir'))
  fs.writeFileSync(path.join(dir, 'a dir', 'state file.json'), '{"stages": []}\n')
  fs.writeFileSync(path.join(dir, 'nl\nname.json'), '{"newline": true}\n')
  fs.mkdirSync(path.join(dir, 'docs'))
  fs.writeFileSync(path.join(dir, 'docs', 'x.md'), '# x\n')
  fs.symlinkSync('README.md', path.join(dir, 'link.json'))
  const sub = makeRepo({ 'lib.txt': 'lib\n' })
  const subHead = sh(sub, 'git', 'rev-parse', 'HEAD').trim()
  sh(dir, 'git', 'add', '-A')
  sh(dir, 'git', 'update-index', '--add', '--cacheinfo', `160000,${subHead},vendor`)
  sh(dir, 'git', 'commit', '-q', '-m', 'odd names')
  return sh(dir, 'git', 'rev-parse', 'HEAD').trim()
}

const files = [
  'master-project.json',
  'missing.json',
  'docs',
  'link.json',
  'vendor',
  'a dir/state file.json',
  'nl\nname.json',
  'docs/x.md',
]

describe('readAtCommit: one cat-file --batch for the plan’s reads of the target', () => {
  it('gives what the three processes give, for every kind of path', async () => {
    const dir = makeRepo({
      'master-project.json': '{"stages": [{"id": "S1"}]}\n',
      'README.md': 'r\n',
    })
    const commit = oddTree(dir)
    const repo = await openRepo(dir)
    for (const file of files) {
      expect(await readAtCommit(repo, commit, file), file).toEqual(await apart(dir, commit, file))
    }
    const got = await readAtCommit(repo, commit, 'master-project.json')
    expect(got.text).toBe('{"stages": [{"id": "S1"}]}\n')
    expect(got.topNames).toContain('vendor')
    expect(got.topNames).toContain('a dir')
    expect((await readAtCommit(repo, commit, 'docs')).text).toBeUndefined()
  })

  it('in a SHA-256 repository', async () => {
    const dir = tempDir()
    sh(dir, 'git', 'init', '-q', '-b', 'main', '--object-format=sha256')
    fs.writeFileSync(path.join(dir, 'master-project.json'), '{"v": 256}\n')
    fs.writeFileSync(path.join(dir, 'z.txt'), 'z\n')
    execFileSync('git', ['add', '-A'], { cwd: dir })
    execFileSync(
      'git',
      ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'sha256'],
      { cwd: dir },
    )
    const commit = sh(dir, 'git', 'rev-parse', 'HEAD').trim()
    expect(commit).toHaveLength(64)
    const repo = await openRepo(dir)
    const got = await readAtCommit(repo, commit, 'master-project.json')
    expect(got).toEqual(await apart(dir, commit, 'master-project.json'))
    expect(got.topNames).toEqual(['master-project.json', 'z.txt'])
  })

  it('readObjects: found, missing (names with spaces too), in the order asked', async () => {
    const dir = makeRepo({ 'a.txt': 'a\n', 'b c.txt': 'bc\n' })
    const repo = await openRepo(dir)
    const got = await readObjects(repo, [
      'HEAD:b c.txt',
      'HEAD:no such file.txt',
      'HEAD^{tree}',
      'f'.repeat(40),
      'HEAD:a.txt',
    ])
    expect(got.map((o) => o?.type)).toEqual(['blob', undefined, 'tree', undefined, 'blob'])
    expect(got[0]?.body.toString()).toBe('bc\n')
    expect(got[4]?.body.toString()).toBe('a\n')
    expect(got[2]?.oid).toBe(sh(dir, 'git', 'rev-parse', 'HEAD^{tree}').trim())
    await expect(readObjects(repo, ['HEAD:a\nb'])).rejects.toThrow(/newline/)
  })
})
