import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { indexStatsOf } from '../../src/adapters/snapshot/stat-data.js'
import { decodeBytes } from '../../src/core/path-bytes.js'
import { sh, tempDir, writeFiles } from '../helpers/repo.js'

/**
 * The stat data compare-before-destroy trusts, read from an index in chunks (stat-data.ts,
 * ARCHITECTURE.md §32): for every path it must give exactly what git's own `ls-files --debug`
 * shows of that entry, and nothing for an entry that cannot vouch for a file on disk.
 */

const CHUNKS = [1, 13, 100, 4096, 1 << 20]

interface Expected {
  mode: string
  oid: string
  stage: string
  ctimeNs: bigint
  mtimeNs: bigint
  dev: number
  ino: number
  size: number
}

/** Every entry as git prints it (`ls-files -s --debug -z`: names as bytes). */
function gitEntries(dir: string): Map<string, Expected[]> {
  const out = execFileSync('git', ['ls-files', '-s', '--debug', '-z'], { cwd: dir })
  const entries = new Map<string, Expected[]>()
  // Each record: `<mode> <oid> <stage>\t<path>\0` then the debug lines up to the next record.
  let at = 0
  while (at < out.length) {
    const nul = out.indexOf(0, at)
    const head = out.subarray(at, nul)
    const tab = head.indexOf(9)
    const [mode = '', oid = '', stage = ''] = head.subarray(0, tab).toString().split(' ')
    const name = decodeBytes(head.subarray(tab + 1))
    const debugEnd = recordEnd(out, nul + 1)
    const debug = out.subarray(nul + 1, debugEnd).toString()
    const num = (key: string) => debug.match(new RegExp(`${key}: (\\d+)(?::(\\d+))?`)) ?? []
    const time = (key: string) => {
      const [, s = '0', ns = '0'] = num(key)
      return BigInt(s) * 1_000_000_000n + BigInt(ns)
    }
    const list = entries.get(name) ?? []
    list.push({
      mode,
      oid,
      stage,
      ctimeNs: time('ctime'),
      mtimeNs: time('mtime'),
      dev: Number(num('dev')[1]),
      ino: Number(num('ino')[1]),
      size: Number(num('size')[1]),
    })
    entries.set(name, list)
    at = debugEnd
  }
  return entries
}

/** The debug lines end before the next `<mode> <oid> ` record (or at the end). */
function recordEnd(out: Buffer, from: number): number {
  const text = out.subarray(from).toString('latin1')
  const m = /\n(?=\d{6} [0-9a-f]{40,64} \d\t)/.exec(text)
  return m ? from + m.index + 1 : out.length
}

function repoWithEveryKind(init: string[]): string {
  const dir = tempDir()
  sh(dir, 'git', 'init', '-q', ...init)
  const files: Record<string, string> = {}
  for (let i = 0; i < 300; i++) files[`d${i % 9}/${'n'.repeat(i % 37)}f${i}.txt`] = `${i}\n`
  writeFiles(dir, { ...files, 'hidden/assumed.txt': 'a\n', 'hidden/skipped.txt': 's\n' })
  writeFiles(dir, { 'intent.txt': 'i\n', 'run.sh': '#!/bin/sh\n' })
  fs.chmodSync(path.join(dir, 'run.sh'), 0o755)
  fs.symlinkSync('d0/f0.txt', path.join(dir, 'link'))
  // A name that is not UTF-8 (bytes r\xe9sum\xe9.txt).
  fs.writeFileSync(Buffer.from(`${dir}/r\xe9sum\xe9.txt`, 'latin1'), 'cv\n')
  sh(dir, 'git', 'add', '-A', '--', ':!intent.txt')
  sh(dir, 'git', 'add', '-N', 'intent.txt')
  sh(dir, 'git', 'update-index', '--assume-unchanged', 'hidden/assumed.txt')
  sh(dir, 'git', 'update-index', '--skip-worktree', 'hidden/skipped.txt')
  const oid = sh(dir, 'git', 'hash-object', '-w', 'd0/f0.txt').trim()
  // A name longer than an entry's 12-bit length field, and a conflicted path (stages 1–3).
  sh(dir, 'git', 'update-index', '--add', '--cacheinfo', `100644,${oid},${'deep/'.repeat(900)}x`)
  const conflict = [1, 2, 3].map((n) => `100644 ${oid} ${n}\tconflict.txt`).join('\n')
  execFileSync('git', ['update-index', '--index-info'], { cwd: dir, input: `${conflict}\n` })
  return dir
}

describe('stat data of the touched paths, read from the index in chunks', () => {
  for (const init of [[], ['--object-format=sha256']]) {
    it(`${init.length ? 'SHA-256' : 'SHA-1'}: every path gets what git holds, at every chunk size`, () => {
      const dir = repoWithEveryKind(init)
      const git = gitEntries(dir)
      const hashBytes = init.length ? 32 : 20
      const asked = [...git.keys(), 'absent.txt', 'd0/zzz', '', 'd0']
      // What can vouch: stage 0, a regular file, no hiding or intent-to-add bit.
      const unvouched = new Set([
        'hidden/assumed.txt',
        'hidden/skipped.txt',
        'intent.txt',
        'link',
        'conflict.txt',
      ])
      const expected = new Map<string, object>()
      for (const [name, [e, ...more]] of git) {
        if (!e || more.length > 0 || unvouched.has(name)) continue
        expected.set(name, { ...e, stage: undefined })
      }
      expect(expected.size).toBeGreaterThan(300)
      expect([...expected.keys()]).toContain('r\udce9sum\udce9.txt')
      expect([...expected.keys()].some((k) => k.length > 4096)).toBe(true)
      expect(expected.get('run.sh')).toMatchObject({ mode: '100755' })
      const fd = fs.openSync(path.join(dir, '.git/index'), 'r')
      try {
        for (const chunk of CHUNKS) {
          const got = indexStatsOf(fd, hashBytes, [...asked].reverse(), chunk)
          expect(got, `chunk ${chunk}`).toBeDefined()
          const plain = new Map([...(got ?? [])].map(([k, v]) => [k, { ...v, stage: undefined }]))
          expect(plain).toEqual(expected)
        }
        // A few paths: the rest are not looked up.
        const some = ['d0/f0.txt', 'absent.txt', 'run.sh']
        const got = indexStatsOf(fd, hashBytes, some, 64)
        expect([...(got?.keys() ?? [])].sort()).toEqual(['d0/f0.txt', 'run.sh'])
      } finally {
        fs.closeSync(fd)
      }
    })
  }

  it('a version 4 or split index gives none (its files are then compared by content)', () => {
    for (const setup of [['--index-version', '4'], ['--split-index']]) {
      const dir = repoWithEveryKind([])
      sh(dir, 'git', 'update-index', ...setup)
      const fd = fs.openSync(path.join(dir, '.git/index'), 'r')
      try {
        expect(indexStatsOf(fd, 20, ['d0/f0.txt'], 100)).toBeUndefined()
      } finally {
        fs.closeSync(fd)
      }
    }
  })
})
