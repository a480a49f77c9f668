import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { openRepo } from '../../src/adapters/repo.js'
import { dirStore } from '../../src/adapters/storage/dir.js'
import { createBackup } from '../../src/ops/backup/create.js'
import { findBackup } from '../../src/ops/backup/locate.js'
import { restoreBackup } from '../../src/ops/backup/restore.js'
import { verifyBackup } from '../../src/ops/backup/verify.js'
import { fingerprint, makeRepo, sh, tempDir } from '../helpers/repo.js'
import { allRefs, ENV, headOf, richProject } from './fixtures.js'

async function backupOf(dir: string, compression?: 'zstd' | 'gzip' | 'none') {
  const store = dirStore(path.join(tempDir('cpo-store-'), 'store'))
  const report = await createBackup(await openRepo(dir), store, {
    project: 'demo',
    tags: ['nightly'],
    ...(compression ? { compression } : {}),
  })
  return { store, report }
}

describe('backup create → verify → restore', () => {
  it.each(['zstd', 'gzip', 'none'] as const)(
    'brings back every ref, HEAD, state files and .checkpoints (%s)',
    async (compression) => {
      const src = richProject()
      const before = fingerprint(src)
      const refsBefore = allRefs(src)
      const { store, report } = await backupOf(src, compression)
      expect(fingerprint(src)).toEqual(before)
      expect(allRefs(src)).toBe(refsBefore)
      expect(report.compression).toBe(compression)
      expect(report.env?.redacted).toEqual(['DATABASE_URL', 'STRIPE_SECRET_KEY'])

      const backup = await findBackup(store, report.id)
      expect(backup.status).toBe('complete')
      const check = await verifyBackup(store, backup, { deep: true })
      expect(check.problems).toEqual([])
      expect(check.ok).toBe(true)
      expect((await findBackup(store, report.id)).verifiedAt).not.toBeNull()

      const target = path.join(tempDir(), 'restored')
      const r = await restoreBackup(store, backup, target)
      expect(allRefs(target)).toBe(refsBefore)
      expect(headOf(target)).toEqual(headOf(src))
      expect(sh(target, 'git', 'status', '--porcelain')).toBe(
        sh(src, 'git', 'status', '--porcelain'),
      )
      for (const f of [
        'master-project.json',
        'cpo-progress.md',
        '.checkpoints/stage-1/state.json',
        '.checkpoints/stage-1/db.dump',
        'assets.bin',
      ]) {
        expect(
          fs.readFileSync(path.join(target, f)).equals(fs.readFileSync(path.join(src, f))),
        ).toBe(true)
      }
      expect(fs.statSync(path.join(target, '.checkpoints/empty')).isDirectory()).toBe(true)
      expect(sh(target, 'git', 'stash', 'list')).toContain('wip')
      expect(r.notRestored.map((n) => n.what)).toContain(
        'stash entries older than stash@{0}, if there were any',
      )
      expect(sh(target, 'git', 'notes', 'show', 'feature/stage-2-cart')).toBe('reviewed\n')
      expect(sh(target, 'git', 'cat-file', '-t', 'checkpoint/stage-1').trim()).toBe('tag')

      const template = fs.readFileSync(path.join(target, '.env.redacted'), 'utf8')
      expect(template).toContain('PORT=3000')
      expect(template).not.toContain('s3cr3t-Pa55')
      expect(template).not.toContain('sk_live_51HxYzAbCdEfGhIjKlMnOpQr')
      expect(fs.existsSync(path.join(target, '.env'))).toBe(false)
      expect(r.notRestored.map((n) => n.what).join('\n')).toContain(
        'DATABASE_URL, STRIPE_SECRET_KEY',
      )
      // Sidecars stay ignored in the restored project, as checkpoints keep them.
      expect(sh(target, 'git', 'status', '--porcelain', '--ignored')).toContain('!! .checkpoints/')
      expect(fs.readdirSync(target).filter((n) => n.startsWith('.cpo-restore'))).toEqual([])
      expect(ENV).toContain('s3cr3t')
    },
  )

  it('restores a detached HEAD as detached at the same commit', async () => {
    const src = makeRepo({ 'a.txt': 'a\n' })
    sh(src, 'git', 'commit', '-q', '--allow-empty', '-m', 'second')
    sh(src, 'git', 'checkout', '-q', '--detach', 'HEAD~1')
    const { store, report } = await backupOf(src)
    expect(report.head.symref).toBeNull()
    const target = path.join(tempDir(), 'r')
    await restoreBackup(store, await findBackup(store, report.id), target)
    expect(headOf(target)).toEqual({ symref: 'HEAD', commit: headOf(src).commit })
    expect(allRefs(target)).toBe(allRefs(src))
  })

  it('refuses an unborn repository with a clear error and leaves no backup behind', async () => {
    const src = makeRepo({})
    const store = dirStore(path.join(tempDir('cpo-store-'), 'store'))
    await expect(createBackup(await openRepo(src), store, { project: 'x' })).rejects.toMatchObject({
      code: 'BACKUP_EMPTY_REPOSITORY',
      message: expect.stringContaining('no commits yet'),
    })
    expect(await store.list()).toEqual([])
  })

  it('refuses a non-empty target unless forced, and never one that holds a repository', async () => {
    const src = makeRepo()
    const { store, report } = await backupOf(src)
    const backup = await findBackup(store, report.id)
    const target = tempDir()
    fs.writeFileSync(path.join(target, 'keep.txt'), 'mine\n')
    await expect(restoreBackup(store, backup, target)).rejects.toMatchObject({
      code: 'TARGET_NOT_EMPTY',
    })
    await restoreBackup(store, backup, target, { force: true })
    expect(fs.readFileSync(path.join(target, 'keep.txt'), 'utf8')).toBe('mine\n')
    expect(fs.readFileSync(path.join(target, 'README.md'), 'utf8')).toBe('# demo\n')
    await expect(restoreBackup(store, backup, target, { force: true })).rejects.toMatchObject({
      code: 'TARGET_IS_REPOSITORY',
    })
  })
})
