import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { cpo, fingerprint, makeRepo, sh, tempDir, writeFiles } from '../helpers/repo.js'
import { allRefs, richProject } from './fixtures.js'

// These run the built CLI (dist/): `node scripts/build.mjs` first.
beforeAll(() => {
  if (!fs.existsSync(path.resolve(import.meta.dirname, '../../dist/cli.js'))) {
    throw new Error('build first: node scripts/build.mjs')
  }
})

const storeEnv = () => ({ CPO_BACKUP_STORE: path.join(tempDir('cpo-store-'), 'store') })

describe('cpo backup / cpo restore (CLI)', () => {
  it('create, list, verify --deep and restore with --json, the source untouched', () => {
    const src = richProject()
    const env = storeEnv()
    const before = fingerprint(src)
    const created = cpo(
      src,
      ['--json', 'backup', 'create', '--tag', 'nightly', '--tag', 'pre-deploy'],
      env,
    )
    expect(created.code).toBe(0)
    expect(created.stderr).toBe('')
    const id = created.json.data.id as string
    expect(created.json.data.env.redacted).toEqual(['DATABASE_URL', 'STRIPE_SECRET_KEY'])
    expect(fingerprint(src)).toEqual(before)

    const listed = cpo(src, ['--json', 'backup', 'list'], env)
    expect(listed.json.data.backups).toEqual([
      expect.objectContaining({
        id,
        status: 'complete',
        tags: ['nightly', 'pre-deploy'],
        verifiedAt: null,
      }),
    ])
    const verified = cpo(src, ['--json', 'backup', 'verify', id.slice(0, 15), '--deep'], env)
    expect(verified.code).toBe(0)
    expect(verified.json.data).toMatchObject({ id, ok: true, deep: true, problems: [] })
    expect(cpo(src, ['--json', 'backup', 'list'], env).json.data.backups[0].verifiedDeep).toBe(true)

    const target = path.join(tempDir(), 'restored')
    const restored = cpo(tempDir(), ['--json', 'restore', id, target], env)
    expect(restored.code).toBe(0)
    expect(restored.json.data.files).toContain('master-project.json')
    expect(allRefs(target)).toBe(allRefs(src))

    const again = cpo(tempDir(), ['--json', 'restore', id, target], env)
    expect(again.code).toBe(4)
    expect(again.json.error?.code).toBe('TARGET_IS_REPOSITORY')
  })

  it('restores from a backup directory path without a store', () => {
    const src = makeRepo()
    const env = storeEnv()
    const id = cpo(src, ['--json', 'backup', 'create'], env).json.data.id as string
    const target = path.join(tempDir(), 'r')
    const r = cpo(tempDir(), ['restore', path.join(env.CPO_BACKUP_STORE, id), target])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`restored backup ${id}`)
    expect(fs.readFileSync(path.join(target, 'README.md'), 'utf8')).toBe('# demo\n')
  })

  it.each(['backup-streaming', 'backup-archive-written'])(
    'a create killed at %s is listed as incomplete, never as complete',
    (fault) => {
      const src = makeRepo()
      const env = storeEnv()
      const killed = cpo(src, ['backup', 'create'], { ...env, CPO_FAULT: fault })
      expect(killed.signal).toBe('SIGKILL')
      const list = cpo(src, ['--json', 'backup', 'list'], env)
      expect(list.json.data.backups).toHaveLength(1)
      const [b] = list.json.data.backups
      expect(b.status).toBe('incomplete')
      expect(cpo(src, ['backup', 'list'], env).stdout).toContain('INCOMPLETE')
      const verify = cpo(src, ['--json', 'backup', 'verify', b.id], env)
      expect(verify.code).toBe(5)
      expect(verify.json.error?.code).toBe('BACKUP_INCOMPLETE')
      const restore = cpo(src, ['--json', 'restore', b.id, path.join(tempDir(), 'r')], env)
      expect(restore.json.error?.code).toBe('BACKUP_INCOMPLETE')
      // The next create still works (the dead run's store lock is taken over).
      expect(cpo(src, ['backup', 'create'], env).code).toBe(0)
      const pruned = cpo(src, ['--json', '--yes', 'backup', 'prune', '--keep-last', '5'], env)
      expect(pruned.json.data.removed).toEqual([b.id])
      expect(pruned.json.data.remove[0].reasons).toEqual(['incomplete'])
    },
  )

  it('exit codes: unborn repo, empty policy, unconfirmed prune, damaged backup, s3, --with-db', () => {
    const env = storeEnv()
    const unborn = cpo(makeRepo({}), ['--json', 'backup', 'create'], env)
    expect(unborn.code).toBe(5)
    expect(unborn.json.error).toMatchObject({ code: 'BACKUP_EMPTY_REPOSITORY' })

    const src = makeRepo()
    const id = cpo(src, ['--json', 'backup', 'create', '--compression', 'gzip'], env).json.data.id
    expect(cpo(src, ['--json', 'backup', 'prune'], env).json.error?.code).toBe(
      'RETENTION_EMPTY_POLICY',
    )
    expect(cpo(src, ['backup', 'prune'], env).code).toBe(2)
    cpo(src, ['backup', 'create'], env)
    const unconfirmed = cpo(src, ['--json', 'backup', 'prune', '--keep-last', '1'], env)
    expect(unconfirmed.code).toBe(2)
    expect(unconfirmed.json.error?.code).toBe('CONFIRMATION_REQUIRED')
    expect(cpo(src, ['--json', 'backup', 'list'], env).json.data.backups).toHaveLength(2)

    expect(cpo(src, ['--json', 'backup', 'pin', id], env).json.data).toMatchObject({
      pinned: true,
      changed: true,
    })
    const dry = cpo(src, ['--json', 'backup', 'prune', '--keep-last', '1', '--dry-run'], env)
    expect(dry.json.data.remove).toEqual([])
    expect(dry.json.data.keep.find((k: { id: string }) => k.id === id).reasons).toEqual(['pinned'])
    expect(cpo(src, ['--json', 'backup', 'unpin', id], env).json.data.pinned).toBe(false)

    const archive = path.join(env.CPO_BACKUP_STORE, id, 'archive.tar.gz')
    fs.appendFileSync(archive, 'x')
    const damaged = cpo(src, ['--json', 'backup', 'verify', id], env)
    expect(damaged.code).toBe(5)
    expect(damaged.json.error?.code).toBe('BACKUP_DAMAGED')
    expect(damaged.json.error?.message).toContain('archive.tar.gz is')

    // s3:// is a store now (test/backup/s3.test.ts); other schemes are refused.
    const gs = cpo(src, ['--json', 'backup', 'list', '--store', 'gs://bucket/x'])
    expect(gs.code).toBe(2)
    expect(gs.json.error?.code).toBe('STORE_NOT_SUPPORTED')
    // --with-db without a database configured says what is missing.
    expect(cpo(src, ['--json', 'backup', 'create', '--with-db'], env).json.error?.code).toBe(
      'DB_NOT_CONFIGURED',
    )
    expect(cpo(src, ['--json', 'backup', 'verify', 'nope'], env).code).toBe(3)
  })

  it('uses XDG_DATA_HOME/cpo/backups/<project>-<root commit> by default', () => {
    const xdg = tempDir()
    const src = makeRepo({ 'master-project.json': '{"project":{"name":"My Shop!"}}\n' })
    const r = cpo(src, ['--json', 'backup', 'create'], { XDG_DATA_HOME: xdg, CPO_BACKUP_STORE: '' })
    expect(r.code).toBe(0)
    const root = sh(src, 'git', 'rev-list', '--max-parents=0', 'HEAD').trim().slice(0, 12)
    expect(r.json.data.store).toBe(path.join(xdg, 'cpo', 'backups', `My-Shop-${root}`))
    expect(r.json.data.project).toBe('My Shop!')
  })

  it('restore --from-git checks out the default branch (or the named checkpoint on a new branch)', () => {
    const origin = makeRepo({ 'master-project.json': '{"project":{"name":"remote"}}\n' })
    sh(origin, 'git', 'tag', '-a', 'checkpoint/stage-1', '-m', 'one')
    writeFiles(origin, { 'b.txt': 'b\n' })
    sh(origin, 'git', 'add', '-A')
    sh(origin, 'git', 'commit', '-q', '-m', 'two')
    sh(origin, 'git', 'tag', '-a', 'checkpoint/stage-2', '-m', 'two')
    sh(origin, 'git', 'commit', '-q', '--allow-empty', '-m', 'after')
    sh(origin, 'git', 'update-ref', 'refs/cpo/snapshots/x', 'HEAD')
    // Tag dates have one-second resolution: date stage-1 a day earlier so "newest" is clear.
    execFileSync('git', ['tag', '-f', '-a', 'checkpoint/stage-1', '-m', 'one', 'HEAD~2'], {
      cwd: origin,
      env: { ...process.env, GIT_COMMITTER_DATE: '2020-01-01T00:00:00Z' },
    })

    const newest = path.join(tempDir(), 'newest')
    const n = cpo(tempDir(), ['--json', 'restore', '--from-git', origin, newest])
    expect(n.code).toBe(0)
    expect(n.json.data.newestCheckpoint.name).toBe('stage-2')
    expect(n.json.data.sinceNewest).toEqual({ ahead: 1, notOnDefault: 0 })
    expect(n.json.data.branch).toBe('main')
    expect(sh(newest, 'git', 'rev-parse', 'HEAD').trim()).toBe(
      sh(origin, 'git', 'rev-parse', 'main').trim(),
    )
    expect(fs.readFileSync(path.join(newest, 'b.txt'), 'utf8')).toBe('b\n')

    const target = path.join(tempDir(), 'fromgit')
    const r = cpo(tempDir(), [
      '--json',
      'restore',
      '--from-git',
      origin,
      target,
      '--checkpoint',
      'stage-1',
    ])
    expect(r.code).toBe(0)
    expect(r.json.data.branch).toBe('restored/stage-1')
    expect(sh(target, 'git', 'rev-parse', 'HEAD').trim()).toBe(
      sh(origin, 'git', 'rev-parse', 'checkpoint/stage-1^{commit}').trim(),
    )
    expect(sh(target, 'git', 'for-each-ref', 'refs/cpo')).toContain('refs/cpo/snapshots/x')
    expect(r.json.data.status.project.name).toBe('remote')

    const missing = cpo(tempDir(), [
      '--json',
      'restore',
      '--from-git',
      origin,
      path.join(tempDir(), 'y'),
      '--checkpoint',
      'nope',
    ])
    expect(missing.code).toBe(3)
    expect(missing.json.error?.code).toBe('CHECKPOINT_NOT_FOUND')
  })
})
