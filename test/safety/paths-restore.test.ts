import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { openRepo, restoreSnapshotOperation } from '../../src/index.js'
import { commitAll, cpo, fingerprint, makeRepo, writeFiles } from '../helpers/repo.js'

const read = (dir: string, f: string) => fs.readFileSync(path.join(dir, f), 'utf8')

describe('snapshot restore --paths', () => {
  it('refuses when the path is now a directory holding ignored files, naming them; nothing changes', () => {
    const dir = makeRepo({ config: 'config as a file\n', '.gitignore': '.env\nnode_modules/\n' })
    const snap = cpo(dir, ['snapshot', '--json']).json.data.snapshot.id
    fs.rmSync(path.join(dir, 'config'))
    writeFiles(dir, {
      'config/app.json': '{}\n',
      'config/.env': 'SECRET=1\n',
      'config/node_modules/x/index.js': 'module.exports = 1\n',
    })
    commitAll(dir, 'config becomes a directory')
    const before = fingerprint(dir)

    const r = cpo(dir, ['snapshot', 'restore', snap, '--paths', 'config', '--json'])
    expect(r.code).toBe(4)
    expect(r.json.error?.code).toBe('UNCAPTURED_FILES_IN_THE_WAY')
    expect(r.json.error?.message).toContain('config/.env')
    expect(r.json.error?.message).toContain('config/node_modules/x/index.js')
    expect(r.json.error?.hint).toMatch(/Move these files out of the way/)
    expect(fingerprint(dir)).toEqual(before)
  })

  it('refuses when an ignored file stands where the snapshot needs a directory', () => {
    const dir = makeRepo({ 'data/seed.json': '[1]\n' })
    const snap = cpo(dir, ['snapshot', '--json']).json.data.snapshot.id
    fs.rmSync(path.join(dir, 'data'), { recursive: true })
    writeFiles(dir, { data: 'an ignored file now\n', '.gitignore': '/data\n' })
    commitAll(dir, 'data is generated now')
    const before = fingerprint(dir)

    const r = cpo(dir, ['snapshot', 'restore', snap, '--paths', 'data/seed.json', '--json'])
    expect(r.json.error?.code).toBe('UNCAPTURED_FILES_IN_THE_WAY')
    expect(r.json.error?.message).toContain('data')
    expect(fingerprint(dir)).toEqual(before)
  })

  it('a directory of tracked files where the snapshot has a file is replaced (they are in the before-snapshot)', () => {
    const dir = makeRepo({ config: 'config as a file\n' })
    const snap = cpo(dir, ['snapshot', '--json']).json.data.snapshot.id
    fs.rmSync(path.join(dir, 'config'))
    writeFiles(dir, { 'config/app.json': '{}\n' })
    commitAll(dir, 'config becomes a directory')
    const r = cpo(dir, ['snapshot', 'restore', snap, '--paths', 'config', '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(read(dir, 'config')).toBe('config as a file\n')
    expect(r.json.data.changedDuring).toEqual([])
  })

  for (const spelling of ['.', './']) {
    it(`"${spelling}" means the whole tree`, () => {
      const dir = makeRepo({ 'a.txt': 'a\n', 'src/b.ts': 'b\n' })
      const snap = cpo(dir, ['snapshot', '--json']).json.data.snapshot.id
      writeFiles(dir, { 'a.txt': 'changed\n', 'src/b.ts': 'changed\n', 'new.txt': 'new\n' })
      const r = cpo(dir, ['snapshot', 'restore', snap, '--paths', spelling, '--json'])
      expect(r.code, r.stderr).toBe(0)
      expect(r.json.data.written.sort()).toEqual(['a.txt', 'src/b.ts'])
      expect(read(dir, 'a.txt')).toBe('a\n')
      expect(read(dir, 'src/b.ts')).toBe('b\n')
      // Paths mode writes; it removes nothing.
      expect(read(dir, 'new.txt')).toBe('new\n')
    })
  }

  it('"." from a subdirectory means that directory; the library takes "./src/" too', async () => {
    const dir = makeRepo({ 'a.txt': 'a\n', 'src/b.ts': 'b\n' })
    const snap = cpo(dir, ['snapshot', '--json']).json.data.snapshot.id
    writeFiles(dir, { 'a.txt': 'changed\n', 'src/b.ts': 'changed\n' })
    const r = cpo(path.join(dir, 'src'), ['snapshot', 'restore', snap, '--paths', '.', '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.json.data.written).toEqual(['src/b.ts'])
    expect(read(dir, 'a.txt')).toBe('changed\n')
    writeFiles(dir, { 'src/b.ts': 'changed again\n' })
    const report = await restoreSnapshotOperation(await openRepo(dir), snap, { paths: ['./src/'] })
    expect(report.written).toEqual(['src/b.ts'])
    expect(read(dir, 'src/b.ts')).toBe('b\n')
  })
})
