import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  cleanMessage,
  treeWithContents,
  treeWithWorkTreeFiles,
} from '../../src/adapters/direct-commit.js'
import { openRepo } from '../../src/index.js'
import { makeRepo, sh, writeFiles } from '../helpers/repo.js'

/** The tree `git add -A` makes of the work tree, computed in a copy of the repository. */
function treeByGit(dir: string, files: Record<string, string>): string {
  const copy = `${dir}-copy`
  fs.cpSync(dir, copy, { recursive: true })
  try {
    writeFiles(copy, files)
    sh(copy, 'git', 'add', '-A')
    return sh(copy, 'git', 'write-tree').trim()
  } finally {
    fs.rmSync(copy, { recursive: true, force: true })
  }
}

describe('trees written from known files', () => {
  const start = {
    'README.md': '# demo\n',
    'dir/sub/run.sh': '#!/bin/sh\necho old\n',
    'dir/keep.txt': 'keep\n',
  }
  const changes = {
    'dir/sub/run.sh': '#!/bin/sh\necho new\n', // nested, executable: keeps its mode
    'dir/new/c.txt': 'a directory the tree did not have\n',
    'top.txt': 'a new top-level file\n',
  }

  it('treeWithContents equals what git add makes of the same files', async () => {
    const dir = makeRepo(start)
    fs.chmodSync(path.join(dir, 'dir/sub/run.sh'), 0o755)
    sh(dir, 'git', 'add', '-A')
    sh(dir, 'git', 'commit', '-q', '-m', 'exec bit')
    const expected = treeByGit(dir, changes)
    const repo = await openRepo(dir)
    const head = sh(dir, 'git', 'rev-parse', 'HEAD^{tree}').trim()
    expect(await treeWithContents(repo, head, changes)).toBe(expected)
    // Nothing in the work tree or index changed.
    expect(sh(dir, 'git', 'status', '--porcelain')).toBe('')
  })

  it('treeWithWorkTreeFiles hashes the files as they are on disk', async () => {
    const dir = makeRepo(start)
    const expected = treeByGit(dir, changes)
    writeFiles(dir, changes)
    const repo = await openRepo(dir)
    const head = sh(dir, 'git', 'rev-parse', 'HEAD^{tree}').trim()
    expect(await treeWithWorkTreeFiles(repo, head, Object.keys(changes))).toBe(expected)
  })
})

describe('cleanMessage', () => {
  it('keeps what git commit -F keeps by default', () => {
    expect(cleanMessage('\n\nsubject  \n\n\n\nbody line\t\n\n')).toBe('subject\n\nbody line\n')
    expect(cleanMessage('one line')).toBe('one line\n')
    // Comment lines stay: with -F and no editor, git's default cleanup is `whitespace`.
    expect(cleanMessage('# not a comment\n')).toBe('# not a comment\n')
  })

  it('matches git commit on the same message', () => {
    const dir = makeRepo()
    const message = '  \nsubject with trailing space   \n\n\n# hash line\nbody\t \n\n'
    sh(dir, 'git', 'commit', '-q', '--allow-empty', '-m', message)
    const body = sh(dir, 'git', 'cat-file', 'commit', 'HEAD').split('\n\n').slice(1).join('\n\n')
    expect(cleanMessage(message)).toBe(body)
  })
})
