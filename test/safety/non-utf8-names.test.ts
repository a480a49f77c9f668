import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import { describe, expect, it } from 'vitest'
import { decodeBytes } from '../../src/core/path-bytes.js'
import { cpo, fingerprint, makeRepo, sh } from '../helpers/repo.js'
import { builtProject } from '../rollback/build.js'

/** `r\xe9sum\xe9.txt` and `d\xe9/f\xff`: Latin-1 names, not UTF-8, as old tools and archives make them. */
const FILE = Buffer.from('r\xe9sum\xe9.txt', 'latin1')
const DIR = Buffer.from('d\xe9', 'latin1')
const NESTED = Buffer.concat([DIR, Buffer.from('/f\xff', 'latin1')])

const at = (dir: string, name: Buffer) => Buffer.concat([Buffer.from(`${dir}/`), name])
function writeByName(dir: string, name: Buffer, content: string): void {
  const slash = name.lastIndexOf('/')
  if (slash > 0) fs.mkdirSync(at(dir, name.subarray(0, slash)), { recursive: true })
  fs.writeFileSync(at(dir, name), content, 'latin1')
}
/** The names of a tree as git stores them: raw bytes. */
function treeNames(dir: string, rev: string): Buffer[] {
  const raw = execFileSync('git', ['ls-tree', '-r', '-z', '--name-only', rev], { cwd: dir })
  const names: Buffer[] = []
  for (let from = 0, i = raw.indexOf(0); i >= 0; from = i + 1, i = raw.indexOf(0, from)) {
    names.push(raw.subarray(from, i))
  }
  return names
}
const has = (names: Buffer[], name: Buffer) => names.some((n) => n.equals(name))

function ok(dir: string, args: string[]) {
  const r = cpo(dir, ['--json', ...args])
  expect(r.code, `cpo ${args.join(' ')}: ${r.stderr}`).toBe(0)
  return r.json.data
}

describe('file names that are not UTF-8 are bytes, kept exactly', () => {
  it('snapshot, restore and undo bring back the very names and bytes', () => {
    const dir = makeRepo({ 'README.md': '# demo\n' })
    const empty = ok(dir, ['snapshot']).snapshot.id
    writeByName(dir, FILE, 'cv\xff\n')
    writeByName(dir, NESTED, 'nested\n')
    const withNames = fingerprint(dir)
    expect(Object.keys(withNames)).toContain(`tree:${decodeBytes(FILE)}`)
    const snap = ok(dir, ['snapshot']).snapshot
    expect(has(treeNames(dir, snap.commit), FILE)).toBe(true)
    expect(has(treeNames(dir, snap.commit), NESTED)).toBe(true)

    // Back to before they existed: both files really go (not reported gone and left behind).
    ok(dir, ['snapshot', 'restore', empty])
    expect(fs.existsSync(at(dir, FILE))).toBe(false)
    expect(fs.existsSync(at(dir, DIR))).toBe(false)
    sh(dir, 'git', 'gc', '-q', '--prune=now')
    ok(dir, ['undo'])
    expect(fingerprint(dir)).toEqual(withNames)
    expect(fs.readFileSync(at(dir, FILE), 'latin1')).toBe('cv\xff\n')
  })

  it('checkpoint create commits the name as it is, like git add', () => {
    const dir = makeRepo({ 'README.md': '# demo\n' })
    writeByName(dir, FILE, 'cv\n')
    ok(dir, ['checkpoint', 'create', 'with-names'])
    const names = treeNames(dir, 'HEAD')
    expect(has(names, FILE)).toBe(true)
    expect(sh(dir, 'git', 'status', '--porcelain')).toBe('')
  })

  it('rollback stage sets such files aside and commits no renamed copy; undo is exact', () => {
    const dir = builtProject()
    writeByName(dir, FILE, 'uncommitted cv\n')
    const before = fingerprint(dir)
    const d = ok(dir, ['rollback', 'stage', '--reason', 'names'])
    expect(fs.existsSync(at(dir, FILE))).toBe(false)
    // Nothing with a replacement character or the name made it into history.
    const names = treeNames(dir, 'HEAD')
    expect(names.some((n) => n.toString('utf8').includes('\uFFFD') || n.equals(FILE))).toBe(false)
    expect(d.setAside.uncommitted).toContain(decodeBytes(FILE))
    ok(dir, ['undo'])
    expect(fingerprint(dir)).toEqual(before)
  })
})
