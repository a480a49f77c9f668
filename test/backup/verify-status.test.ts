import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { cpo, makeRepo, tempDir } from '../helpers/repo.js'

const storeEnv = () => ({ CPO_BACKUP_STORE: path.join(tempDir('cpo-store-'), 'store') })

describe('backup list shows what the last verify found', () => {
  it('DAMAGED after a failed verify, complete again once a verify passes after a repair', () => {
    const src = makeRepo({ 'README.md': '# app\n', 'master-project.json': '{"stages": []}\n' })
    const env = storeEnv()
    const created = cpo(src, ['--json', 'backup', 'create', '--compression', 'gzip'], env)
    const id = created.json.data.id as string
    const archive = path.join(env.CPO_BACKUP_STORE, id, 'archive.tar.gz')
    const good = fs.readFileSync(archive)
    const bad = Buffer.from(good)
    bad[bad.length >> 1] = (bad[bad.length >> 1] ?? 0) ^ 0xff
    fs.writeFileSync(archive, bad)

    const failed = cpo(src, ['--json', 'backup', 'verify', id], env)
    expect(failed.code).toBe(5)
    expect(failed.json.error?.code).toBe('BACKUP_DAMAGED')
    // Recorded beside the backup, in its metadata, as written by one atomic replace.
    const meta = JSON.parse(
      fs.readFileSync(path.join(env.CPO_BACKUP_STORE, id, 'meta.json'), 'utf8'),
    )
    expect(meta.lastVerify).toMatchObject({
      ok: false,
      problems: expect.arrayContaining([expect.stringContaining('sha256')]),
    })
    expect(fs.readdirSync(path.join(env.CPO_BACKUP_STORE, id)).sort()).toEqual([
      'archive.tar.gz',
      'manifest.json',
      'meta.json',
    ])

    const listed = cpo(src, ['--json', 'backup', 'list'], env).json.data.backups
    expect(listed).toEqual([
      expect.objectContaining({
        id,
        status: 'damaged',
        problem: expect.stringContaining('archive.tar.gz does not match its sha256'),
      }),
    ])
    const text = cpo(src, ['backup', 'list'], env).stdout
    expect(text).toMatch(new RegExp(`${id}\\s+DAMAGED`))
    expect(text).toContain(`${id}: verify at`)
    // Still damaged: restore checks the bytes again and refuses, leaving nothing behind.
    const parent = tempDir()
    const refused = cpo(src, ['--json', 'restore', id, path.join(parent, 'r')], env)
    expect(refused.json.error?.code).toBe('BACKUP_DAMAGED')
    expect(fs.readdirSync(parent)).toEqual([])

    // The repair: the good archive copied back. A verify checks it again and clears the flag.
    fs.writeFileSync(archive, good)
    const passed = cpo(src, ['--json', 'backup', 'verify', id], env)
    expect(passed.code).toBe(0)
    const after = cpo(src, ['--json', 'backup', 'list'], env).json.data.backups
    expect(after).toEqual([
      expect.objectContaining({
        id,
        status: 'complete',
        problem: null,
        verifiedAt: expect.any(String),
      }),
    ])
    expect(cpo(src, ['backup', 'list'], env).stdout).not.toContain('DAMAGED')
  })

  it('prune removes a backup verify found damaged only by the policy a person confirms', () => {
    const src = makeRepo()
    const env = storeEnv()
    const first = cpo(src, ['--json', 'backup', 'create', '--compression', 'none'], env).json.data
    cpo(src, ['backup', 'create'], env)
    fs.appendFileSync(path.join(env.CPO_BACKUP_STORE, first.id, 'archive.tar'), 'x')
    expect(cpo(src, ['backup', 'verify', first.id], env).code).toBe(5)
    const dry = cpo(src, ['--json', 'backup', 'prune', '--keep-last', '5', '--dry-run'], env)
    expect(dry.json.data.remove).toEqual([
      expect.objectContaining({
        id: first.id,
        reasons: [expect.stringMatching(/^damaged: verify at/)],
      }),
    ])
    expect(fs.existsSync(path.join(env.CPO_BACKUP_STORE, first.id, 'archive.tar'))).toBe(true)
  })
})
