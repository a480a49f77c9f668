import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { cpo, fingerprint, makeRepo, tempDir } from '../helpers/repo.js'
import { allRefs } from './fixtures.js'

describe('verify and restore take the path a user copies from ls', () => {
  it.each(['zstd', 'gzip'] as const)(
    'the archive file itself (%s), the backup directory, and a relative path from inside the store',
    (compression) => {
      const src = makeRepo({ 'README.md': '# app\n', 'master-project.json': '{"stages": []}\n' })
      const store = path.join(tempDir('cpo-store-'), 'store')
      const created = cpo(src, [
        '--json',
        'backup',
        'create',
        '--store',
        store,
        '--compression',
        compression,
      ])
      expect(created.code).toBe(0)
      const { id } = created.json.data
      const name = compression === 'zstd' ? 'archive.tar.zst' : 'archive.tar.gz'
      const archive = path.join(store, id, name)
      expect(fs.existsSync(archive)).toBe(true)
      const elsewhere = tempDir()

      const verified = cpo(elsewhere, ['--json', 'backup', 'verify', archive])
      expect(verified.code).toBe(0)
      expect(verified.json.data).toMatchObject({ id, ok: true })
      expect(cpo(elsewhere, ['--json', 'backup', 'verify', path.join(store, id)]).code).toBe(0)
      expect(cpo(path.join(store, id), ['--json', 'backup', 'verify', name]).code).toBe(0)

      const target = path.join(tempDir(), 'restored')
      const restored = cpo(elsewhere, ['--json', 'restore', archive, target])
      expect(restored.code).toBe(0)
      expect(restored.json.data.id).toBe(id)
      expect(allRefs(target)).toBe(allRefs(src))
      expect(fingerprint(target)['tree:README.md']).toBe(fingerprint(src)['tree:README.md'])
    },
  )

  it('a file that is not part of a backup is a clear error, and nothing is made', () => {
    const src = makeRepo()
    const store = path.join(tempDir('cpo-store-'), 'store')
    const id = cpo(src, ['--json', 'backup', 'create', '--store', store]).json.data.id as string
    const stray = path.join(store, id, 'notes.txt')
    fs.writeFileSync(stray, 'mine\n')
    const parent = tempDir()
    const r = cpo(parent, ['--json', 'restore', stray, path.join(parent, 'r')])
    expect(r.code).toBe(3)
    expect(r.json.error).toMatchObject({
      code: 'BACKUP_NOT_FOUND',
      message: `${stray} is not a backup: give its directory, or its archive.tar.zst, archive.tar.gz, archive.tar or manifest.json`,
      hint: expect.stringContaining('<store>/<id>/archive.tar.zst'),
    })
    expect(fs.readdirSync(parent)).toEqual([])
    const missing = cpo(parent, [
      '--json',
      'backup',
      'verify',
      path.join(store, id, 'archive.tar.gz'),
    ])
    expect(missing.json.error).toMatchObject({ code: 'BACKUP_NOT_FOUND' })
  })
})
