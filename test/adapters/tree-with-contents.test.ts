import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { treeWithContents, treeWithWorkTreeFiles } from '../../src/adapters/direct-commit.js'
import { openRepo } from '../../src/adapters/repo.js'
import { traced } from '../helpers/git-trace.js'
import { makeRepo, sh, tempDir } from '../helpers/repo.js'

/*
 * The state file and the progress log a rollback or a stage start commits are hashed in-process
 * when nothing can convert them on the way in (no attributes that may apply, no core.autocrlf,
 * a plain object store), else by `git hash-object --path`. Either way the blob must be the one
 * git stores for those bytes at that path, and the tree git's.
 */

const contents = {
  'master-project.json': '{\r\n  "stages": []\r\n}\r\n',
  'docs/cpo-progress.md': '# progress\n\n- a line\n',
}

/** The blob `git hash-object -w --path=<file>` makes of `text` in `dir`. */
function gitBlob(dir: string, file: string, text: string): string {
  const input = path.join(tempDir(), 'input')
  fs.writeFileSync(input, text)
  return sh(dir, 'sh', '-c', `git hash-object -w --path='${file}' --stdin < '${input}'`).trim()
}

/** The tree with `contents`, each blob and whether a git process hashed them. */
async function built(dir: string, scan?: { indexNamesAttributes: boolean }) {
  const repo = await openRepo(dir)
  const head = sh(dir, 'git', 'rev-parse', 'HEAD^{tree}').trim()
  const blobs = new Map<string, string>()
  const { value: tree, argvs } = await traced(() =>
    treeWithContents(repo, head, contents, blobs, scan),
  )
  return { tree, blobs, byGit: argvs.some((a) => a.includes('hash-object')) }
}

/** What `tree` holds at `file`. */
const blobAt = (dir: string, tree: string, file: string) =>
  sh(dir, 'git', 'rev-parse', `${tree}:${file}`).trim()

describe('treeWithContents', () => {
  it('nothing converts the files: hashed in-process, the blobs git makes, fsck-clean', async () => {
    const dir = makeRepo({ 'README.md': '# p\n' })
    const { tree, blobs, byGit } = await built(dir, { indexNamesAttributes: false })
    expect(byGit).toBe(false)
    for (const [file, text] of Object.entries(contents)) {
      expect(blobs.get(file)).toBe(gitBlob(dir, file, text))
      expect(blobAt(dir, tree, file)).toBe(blobs.get(file))
      expect(sh(dir, 'git', 'cat-file', 'blob', blobAt(dir, tree, file))).toBe(text)
    }
    expect(blobAt(dir, tree, 'README.md')).toBe(
      sh(dir, 'git', 'rev-parse', 'HEAD:README.md').trim(),
    )
    sh(dir, 'git', 'fsck', '--strict', '--no-dangling')
  })

  it('core.autocrlf: git converts the line endings, and so the blob is git’s', async () => {
    const dir = makeRepo({ 'README.md': '# p\n' })
    sh(dir, 'git', 'config', 'core.autocrlf', 'true')
    const { blobs, byGit } = await built(dir, { indexNamesAttributes: false })
    expect(byGit).toBe(true)
    const json = contents['master-project.json']
    expect(blobs.get('master-project.json')).toBe(gitBlob(dir, 'master-project.json', json))
    expect(sh(dir, 'git', 'cat-file', 'blob', blobs.get('master-project.json') as string)).toBe(
      json.replaceAll('\r\n', '\n'),
    )
  })

  it('a clean filter in .gitattributes on the way: git filters the file', async () => {
    const dir = makeRepo({ 'README.md': '# p\n' })
    sh(dir, 'git', 'config', 'filter.upper.clean', 'tr a-z A-Z')
    fs.mkdirSync(path.join(dir, 'docs'))
    fs.writeFileSync(path.join(dir, 'docs/.gitattributes'), '*.md filter=upper\n')
    const { blobs, byGit } = await built(dir, { indexNamesAttributes: false })
    expect(byGit).toBe(true)
    const md = blobs.get('docs/cpo-progress.md') as string
    expect(sh(dir, 'git', 'cat-file', 'blob', md)).toBe('# PROGRESS\n\n- A LINE\n')
    expect(md).toBe(gitBlob(dir, 'docs/cpo-progress.md', contents['docs/cpo-progress.md']))
  })

  it('the index may name a .gitattributes (or nobody said): git hashes', async () => {
    const dir = makeRepo({ 'README.md': '# p\n' })
    expect((await built(dir, { indexNamesAttributes: true })).byGit).toBe(true)
    expect((await built(dir)).byGit).toBe(true)
  })
})

describe('treeWithWorkTreeFiles', () => {
  it('files on disk, nothing converts them: in-process, git’s blobs and modes', async () => {
    const dir = makeRepo({ 'README.md': '# p\n', 'bin/run.sh': 'echo 1\n' })
    fs.writeFileSync(path.join(dir, 'README.md'), '# p, edited\r\n')
    fs.writeFileSync(path.join(dir, 'bin/run.sh'), 'echo 2\n')
    fs.chmodSync(path.join(dir, 'bin/run.sh'), 0o755)
    const repo = await openRepo(dir)
    const head = sh(dir, 'git', 'rev-parse', 'HEAD^{tree}').trim()
    const { value: tree, argvs } = await traced(() =>
      treeWithWorkTreeFiles(repo, head, ['README.md', 'bin/run.sh'], {
        indexNamesAttributes: false,
      }),
    )
    expect(argvs.some((a) => a.includes('hash-object'))).toBe(false)
    sh(dir, 'git', 'add', '-A')
    expect(tree).toBe(sh(dir, 'git', 'write-tree').trim())
    sh(dir, 'git', 'fsck', '--strict', '--no-dangling')
  })
})
