import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { commitAll, cpo, fingerprint, makeRepo, tempDir } from '../helpers/repo.js'

const mounts: string[] = []
afterEach(() => {
  for (const m of mounts.splice(0)) execFileSync('umount', [m])
})

/** A real full disk: a 64 KiB tmpfs (mounting needs root, which CI and these machines have). */
function tinyDisk(): string {
  const dir = tempDir('cpo-full-')
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir])
  mounts.push(dir)
  return dir
}

describe('backup to a full disk', () => {
  it.skipIf(process.getuid?.() !== 0)(
    'fails with a clear error, lists nothing as complete, and leaves the project untouched',
    () => {
      const repo = makeRepo({ 'README.md': '# app\n' })
      fs.writeFileSync(path.join(repo, 'data.bin'), randomBytes(300 * 1024))
      commitAll(repo, 'incompressible data')
      const before = fingerprint(repo)
      const store = tinyDisk()

      const r = cpo(repo, ['backup', 'create', '--store', store, '--json'])
      expect(r.code).toBe(6)
      expect(r.json.error?.code).toBe('STORE_WRITE_FAILED')
      expect(r.json.error?.message).toContain('no space left on the device')

      const list = cpo(repo, ['backup', 'list', '--store', store, '--json'])
      expect(list.code).toBe(0)
      const complete = list.json.data.backups.filter(
        (b: { status: string }) => b.status === 'complete',
      )
      expect(complete).toEqual([])
      expect(fingerprint(repo)).toEqual(before)
    },
  )
})
