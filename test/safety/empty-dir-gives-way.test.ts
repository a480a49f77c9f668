import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { cpo, makeRepo } from '../helpers/repo.js'

function snapshotId(dir: string): string {
  const r = cpo(dir, ['--json', 'snapshot', '-m', 'before the directory'])
  expect(r.code).toBe(0)
  return r.json.data.snapshot.id
}

// An empty directory is in no snapshot (git keeps no empty trees) and holds no byte: where a
// restore puts back a file or a symlink, it gives way instead of keeping the restore from
// writing (found by the random-operation property test).
describe('an empty directory where a restore writes a file', () => {
  it('a symlink comes back where empty directories stand; undo leaves no symlink', () => {
    const dir = makeRepo({ 'a.txt': 'a\n' })
    expect(cpo(dir, ['init']).code).toBe(0)
    fs.symlinkSync('a.txt', path.join(dir, 'link'))
    const id = snapshotId(dir)
    fs.rmSync(path.join(dir, 'link'))
    fs.mkdirSync(path.join(dir, 'link', 'sub', 'deeper'), { recursive: true })

    const r = cpo(dir, ['--json', 'snapshot', 'restore', id, '--yes'])
    expect(r.code).toBe(0)
    expect(fs.lstatSync(path.join(dir, 'link')).isSymbolicLink()).toBe(true)
    expect(fs.readlinkSync(path.join(dir, 'link'))).toBe('a.txt')

    expect(cpo(dir, ['--json', 'undo']).code).toBe(0)
    expect(fs.existsSync(path.join(dir, 'link'))).toBe(false)
  })

  it('a file comes back with its bytes; a directory holding a file loses nothing', () => {
    const dir = makeRepo({ 'a.txt': 'a\n' })
    expect(cpo(dir, ['init']).code).toBe(0)
    fs.writeFileSync(path.join(dir, 'notes'), 'my notes\n')
    fs.writeFileSync(path.join(dir, 'other'), 'other notes\n')
    const id = snapshotId(dir)
    fs.rmSync(path.join(dir, 'notes'))
    fs.mkdirSync(path.join(dir, 'notes', 'empty'), { recursive: true })

    const r = cpo(dir, ['--json', 'snapshot', 'restore', id, '--yes'])
    expect(r.code).toBe(0)
    expect(fs.readFileSync(path.join(dir, 'notes'), 'utf8')).toBe('my notes\n')

    // `other` became a directory with a file in it: that file is work, the restore must not
    // lose it (it is captured by the before-snapshot and removed, or it stays).
    fs.rmSync(path.join(dir, 'other'))
    fs.mkdirSync(path.join(dir, 'other'))
    fs.writeFileSync(path.join(dir, 'other', 'inside.txt'), 'inside\n')
    const again = cpo(dir, ['--json', 'snapshot', 'restore', id, '--yes'])
    expect(again.code).toBe(0)
    expect(fs.readFileSync(path.join(dir, 'other'), 'utf8')).toBe('other notes\n')
    expect(cpo(dir, ['--json', 'undo']).code).toBe(0)
    expect(fs.readFileSync(path.join(dir, 'other', 'inside.txt'), 'utf8')).toBe('inside\n')
  })
})
