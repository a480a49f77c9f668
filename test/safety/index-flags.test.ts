import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { mayHaveHiddenEntries } from '../../src/adapters/snapshot/index-flags.js'
import { sh, tempDir, writeFiles } from '../helpers/repo.js'

/** Every on-disk index format git writes: the cheap walk must read each one right. */
const FORMATS: Array<{ name: string; init: string[]; version?: string }> = [
  { name: 'version 2', init: [] },
  { name: 'version 4 (prefix-compressed names)', init: [], version: '4' },
  { name: 'SHA-256, version 2', init: ['--object-format=sha256'] },
  { name: 'SHA-256, version 4', init: ['--object-format=sha256'], version: '4' },
]

function indexedRepo(init: string[], version?: string): string {
  const dir = tempDir()
  sh(dir, 'git', 'init', '-q', ...init)
  const files: Record<string, string> = {}
  for (let i = 0; i < 40; i++) files[`d${i % 7}/file-${'x'.repeat(i * 3)}.txt`] = `${i}\n`
  writeFiles(dir, { ...files, 'd1/intent.txt': 'x\n' })
  sh(dir, 'git', 'add', '-A', '--', ':!d1/intent.txt')
  // A name longer than the 12 bits of an entry's length field (no file needed for an entry).
  const oid = sh(dir, 'git', 'hash-object', '-w', 'd0/file-.txt').trim()
  const long = `${'deep/'.repeat(900)}end.txt`
  sh(dir, 'git', 'update-index', '--add', '--cacheinfo', `100644,${oid},${long}`)
  sh(dir, 'git', 'add', '-N', 'd1/intent.txt') // extended flags: the index becomes version 3
  if (version) sh(dir, 'git', 'update-index', '--index-version', version)
  return dir
}

const hidden = (dir: string) => mayHaveHiddenEntries(fs.readFileSync(path.join(dir, '.git/index')))

describe('reading index flags without a git process', () => {
  for (const { name, init, version } of FORMATS) {
    it(`${name}: finds assume-unchanged and skip-worktree entries, and says so only then`, () => {
      const dir = indexedRepo(init, version)
      expect(hidden(dir)).toBe(false)
      sh(dir, 'git', 'update-index', '--assume-unchanged', 'd1/file-xxx.txt')
      expect(sh(dir, 'git', 'ls-files', '-v', 'd1/file-xxx.txt')).toMatch(/^h /)
      expect(hidden(dir)).toBe(true)
      sh(dir, 'git', 'update-index', '--no-assume-unchanged', 'd1/file-xxx.txt')
      expect(hidden(dir)).toBe(false)
      sh(dir, 'git', 'update-index', '--skip-worktree', 'd6/file-xxxxxxxxxxxxxxxxxx.txt')
      expect(hidden(dir)).toBe(true)
    })
  }

  it('answers "maybe" for a split index, whose entries live in another file', () => {
    const dir = indexedRepo([])
    sh(dir, 'git', 'update-index', '--split-index')
    expect(hidden(dir)).toBe(true)
  })

  it('an empty index hides nothing; a missing one neither', () => {
    const dir = tempDir()
    sh(dir, 'git', 'init', '-q')
    writeFiles(dir, { a: 'a\n' })
    sh(dir, 'git', 'add', 'a')
    sh(dir, 'git', 'rm', '-q', '--cached', 'a')
    expect(hidden(dir)).toBe(false)
    expect(mayHaveHiddenEntries(Buffer.alloc(0))).toBe(false)
  })
})
