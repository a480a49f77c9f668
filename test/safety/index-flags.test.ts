import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { copyIndex } from '../../src/adapters/snapshot/index-file.js'
import { sh, tempDir, writeFiles } from '../helpers/repo.js'

/** Every on-disk index format git writes: the cheap walk must read each one right. */
const FORMATS: Array<{ name: string; init: string[]; version?: string }> = [
  { name: 'version 2', init: [] },
  { name: 'version 4 (prefix-compressed names)', init: [], version: '4' },
  { name: 'SHA-256, version 2', init: ['--object-format=sha256'] },
  { name: 'SHA-256, version 4', init: ['--object-format=sha256'], version: '4' },
]

/**
 * Buffer sizes for the chunked walk: 1 byte and odd sizes put every field, name and extension
 * across a chunk's edge somewhere; 1 MiB is what cpo uses (the whole index in one chunk here).
 */
const CHUNKS = [1, 7, 64, 999, 1 << 20]

function indexedRepo(init: string[], version?: string): string {
  const dir = tempDir()
  sh(dir, 'git', 'init', '-q', ...init)
  const files: Record<string, string> = {}
  for (let i = 0; i < 40; i++) files[`d${i % 7}/file-${'x'.repeat(i * 3)}.txt`] = `${i}\n`
  writeFiles(dir, { ...files, 'd1/intent.txt': 'x\n', 'd2/not.gitattributes': 'x\n' })
  sh(dir, 'git', 'add', '-A', '--', ':!d1/intent.txt')
  // A name longer than the 12 bits of an entry's length field (no file needed for an entry).
  const oid = sh(dir, 'git', 'hash-object', '-w', 'd0/file-.txt').trim()
  const long = `${'deep/'.repeat(900)}end.txt`
  sh(dir, 'git', 'update-index', '--add', '--cacheinfo', `100644,${oid},${long}`)
  sh(dir, 'git', 'add', '-N', 'd1/intent.txt') // extended flags: the index becomes version 3
  if (version) sh(dir, 'git', 'update-index', '--index-version', version)
  return dir
}

/** copyIndex at every chunk size: each copy is byte for byte the index, and all agree. */
function scanned(dir: string): { mayHide: boolean; namesAttributes: boolean } {
  const from = path.join(dir, '.git/index')
  const answers = CHUNKS.map((chunk, i) => {
    const to = path.join(dir, `.git/index-copy-${i}`)
    const copied = copyIndex(from, to, chunk)
    if (!copied) throw new Error('no index')
    expect(fs.readFileSync(to).equals(fs.readFileSync(from))).toBe(true)
    const [a, b] = [fs.statSync(from), fs.statSync(to)]
    expect(Math.abs(b.mtimeMs - Math.floor(a.mtimeMs))).toBeLessThan(0.01)
    expect(copied.stamp).toEqual({ size: a.size, mtimeMs: a.mtimeMs, ino: a.ino })
    // As git writes an index: a checkpoint may make the copy the real index.
    expect(b.mode & 0o777).toBe(0o666 & ~process.umask())
    fs.rmSync(to)
    return { mayHide: copied.mayHide, namesAttributes: copied.namesAttributes }
  })
  for (const a of answers) expect(a).toEqual(answers[0])
  return answers[0] as { mayHide: boolean; namesAttributes: boolean }
}

const hidden = (dir: string) => scanned(dir).mayHide

describe('reading index flags and names while copying the index, without a git process', () => {
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

    it(`${name}: tells an index that holds a .gitattributes`, () => {
      const dir = indexedRepo(init, version)
      // v4 names are prefix-compressed: such an index always may.
      expect(scanned(dir).namesAttributes).toBe(version === '4')
      writeFiles(dir, { 'd3/.gitattributes': '*.txt text\n' })
      sh(dir, 'git', 'add', 'd3/.gitattributes')
      expect(scanned(dir).namesAttributes).toBe(true)
      sh(dir, 'git', 'rm', '-q', '--cached', 'd3/.gitattributes')
      writeFiles(dir, { '.gitattributes': '*.txt text\n' })
      sh(dir, 'git', 'add', '.gitattributes')
      expect(scanned(dir).namesAttributes).toBe(true)
    })
  }

  it('answers "maybe" for a split index, whose entries live in another file', () => {
    const dir = indexedRepo([])
    sh(dir, 'git', 'update-index', '--split-index')
    expect(scanned(dir)).toEqual({ mayHide: true, namesAttributes: true })
  })

  it('answers "maybe" for bytes that are no index, and copies them as they are', () => {
    const dir = indexedRepo([])
    const index = path.join(dir, '.git/index')
    const bytes = fs.readFileSync(index)
    bytes.writeUInt32BE(0xffff, 8) // more entries than the file holds
    fs.writeFileSync(index, bytes)
    expect(scanned(dir)).toEqual({ mayHide: true, namesAttributes: true })
    fs.writeFileSync(index, 'not an index')
    expect(scanned(dir)).toEqual({ mayHide: true, namesAttributes: true })
  })

  it('an empty index hides nothing; a missing one is no copy', () => {
    const dir = tempDir()
    sh(dir, 'git', 'init', '-q')
    writeFiles(dir, { a: 'a\n' })
    sh(dir, 'git', 'add', 'a')
    sh(dir, 'git', 'rm', '-q', '--cached', 'a')
    expect(scanned(dir)).toEqual({ mayHide: false, namesAttributes: false })
    fs.writeFileSync(path.join(dir, '.git/index'), '')
    expect(scanned(dir)).toEqual({ mayHide: false, namesAttributes: false })
    fs.rmSync(path.join(dir, '.git/index'))
    expect(copyIndex(path.join(dir, '.git/index'), path.join(dir, 'copy'))).toBeUndefined()
    expect(fs.existsSync(path.join(dir, 'copy'))).toBe(false)
  })
})
