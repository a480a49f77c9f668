import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { openRepo } from '../../src/adapters/repo.js'
import { dirStore } from '../../src/adapters/storage/dir.js'
import { createBackup } from '../../src/ops/backup/create.js'
import { findBackup } from '../../src/ops/backup/locate.js'
import { restoreBackup } from '../../src/ops/backup/restore.js'
import { verifyBackup } from '../../src/ops/backup/verify.js'
import { makeRepo, sh, tempDir, writeFiles } from '../helpers/repo.js'

async function setup(compression: 'zstd' | 'none') {
  const src = makeRepo({
    'README.md': '# demo\n',
    'master-project.json': '{"project":{"name":"t"}}\n',
  })
  writeFiles(src, { 'cpo-progress.md': '# progress\n', '.checkpoints/s1/state.json': '{}\n' })
  const root = path.join(tempDir('cpo-store-'), 'store')
  const store = dirStore(root)
  const { id, archive } = await createBackup(await openRepo(src), store, {
    project: 't',
    compression,
  })
  return { store, id, dir: path.join(root, id), archiveFile: path.join(root, id, archive.name) }
}

/** Replaces the stored archive and makes the manifest's archive checksum match it again. */
function plantArchive(dir: string, tarFile: string): void {
  const manifestFile = path.join(dir, 'manifest.json')
  const m = JSON.parse(fs.readFileSync(manifestFile, 'utf8'))
  fs.rmSync(path.join(dir, m.archive.name))
  const bytes = fs.readFileSync(tarFile)
  fs.writeFileSync(path.join(dir, 'archive.tar'), bytes)
  m.compression = 'none'
  m.archive = {
    name: 'archive.tar',
    size: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  }
  fs.writeFileSync(manifestFile, `${JSON.stringify(m, null, 2)}\n`)
}

async function problemsOf(store: ReturnType<typeof dirStore>, id: string) {
  const r = await verifyBackup(store, await findBackup(store, id))
  expect(r.ok).toBe(false)
  return r.problems
}

async function expectRestoreRefused(
  store: ReturnType<typeof dirStore>,
  id: string,
  message: RegExp,
) {
  const parent = tempDir()
  const target = path.join(parent, 'restored')
  await expect(restoreBackup(store, await findBackup(store, id), target)).rejects.toMatchObject({
    code: 'BACKUP_DAMAGED',
    message: expect.stringMatching(message),
  })
  // Nothing was left behind, inside or beside the target.
  expect(fs.readdirSync(parent)).toEqual([])
}

describe('a tampered backup is detected, named, and never restored', () => {
  it('one flipped byte in a compressed archive', async () => {
    const { store, id, archiveFile } = await setup('zstd')
    const bytes = fs.readFileSync(archiveFile)
    const at = Math.floor(bytes.length / 2)
    bytes[at] = (bytes[at] ?? 0) ^ 0x01
    fs.writeFileSync(archiveFile, bytes)
    const problems = await problemsOf(store, id)
    expect(problems[0]).toMatchObject({
      code: 'ARCHIVE_CHECKSUM_MISMATCH',
      message: expect.stringContaining('archive.tar.zst does not match its sha256'),
    })
    await expectRestoreRefused(store, id, /archive\.tar\.zst does not match its sha256/)
  })

  it('one flipped byte inside an entry names the entry', async () => {
    const { store, id, dir, archiveFile } = await setup('none')
    const bytes = fs.readFileSync(archiveFile)
    // The bundle is the first entry: its content starts after the 512-byte header.
    bytes[512 + 40] = (bytes[512 + 40] ?? 0) ^ 0x01
    const tampered = path.join(tempDir(), 'x.tar')
    fs.writeFileSync(tampered, bytes)
    plantArchive(dir, tampered)
    const problems = await problemsOf(store, id)
    expect(problems).toEqual([
      expect.objectContaining({ code: 'ENTRY_CHECKSUM_MISMATCH', entry: 'repo.bundle' }),
    ])
    await expectRestoreRefused(store, id, /entry "repo.bundle" does not match its sha256/)
  })

  it('a truncated archive', async () => {
    const { store, id, archiveFile } = await setup('zstd')
    const bytes = fs.readFileSync(archiveFile)
    fs.writeFileSync(archiveFile, bytes.subarray(0, Math.floor(bytes.length / 2)))
    const problems = await problemsOf(store, id)
    expect(problems.map((p) => p.code)).toContain('ARCHIVE_SIZE_MISMATCH')
    expect(problems.map((p) => p.code)).toContain('ARCHIVE_UNREADABLE')
    expect(problems[0]?.message).toMatch(/truncated or altered/)
    await expectRestoreRefused(store, id, /archive\.tar\.zst is \d+ bytes, the manifest says \d+/)
  })

  it('a missing entry', async () => {
    const { store, id, dir, archiveFile } = await setup('none')
    const copy = path.join(tempDir(), 'x.tar')
    fs.copyFileSync(archiveFile, copy)
    sh(path.dirname(copy), 'tar', '--delete', '-f', copy, 'files/cpo-progress.md')
    plantArchive(dir, copy)
    const problems = await problemsOf(store, id)
    expect(problems).toEqual([
      expect.objectContaining({ code: 'ENTRY_MISSING', entry: 'files/cpo-progress.md' }),
    ])
    await expectRestoreRefused(
      store,
      id,
      /"files\/cpo-progress.md" is in the manifest but not in the archive/,
    )
  })

  it('a missing bundle', async () => {
    const { store, id, dir, archiveFile } = await setup('none')
    const copy = path.join(tempDir(), 'x.tar')
    fs.copyFileSync(archiveFile, copy)
    sh(path.dirname(copy), 'tar', '--delete', '-f', copy, 'repo.bundle')
    plantArchive(dir, copy)
    const problems = await problemsOf(store, id)
    expect(problems).toContainEqual(
      expect.objectContaining({ code: 'ENTRY_MISSING', entry: 'repo.bundle' }),
    )
    await expectRestoreRefused(store, id, /"repo.bundle" is in the manifest but not in the archive/)
  })

  it("another project's manifest beside this archive", async () => {
    const mine = await setup('zstd')
    const other = await setup('zstd')
    fs.copyFileSync(path.join(other.dir, 'manifest.json'), path.join(mine.dir, 'manifest.json'))
    // The manifest names the other backup's archive; make this one answer to that name.
    const otherName = JSON.parse(fs.readFileSync(path.join(other.dir, 'manifest.json'), 'utf8'))
      .archive.name
    if (path.join(mine.dir, otherName) !== mine.archiveFile) {
      fs.renameSync(mine.archiveFile, path.join(mine.dir, otherName))
    }
    // The two archives differ in content and usually (not always) in size: either is caught.
    const problems = await problemsOf(mine.store, mine.id)
    expect(problems[0]?.code).toMatch(/^ARCHIVE_(SIZE|CHECKSUM)_MISMATCH$/)
    await expectRestoreRefused(
      mine.store,
      mine.id,
      /does not match its sha256|the manifest says \d+ \(truncated or altered\)/,
    )
  })

  it('an archive with a ../ entry writes nothing outside the target', async () => {
    const { store, id, dir } = await setup('none')
    const work = tempDir()
    fs.mkdirSync(path.join(work, 'a'))
    fs.writeFileSync(path.join(work, 'evil.txt'), 'pwned\n')
    const evil = path.join(work, 'evil.tar')
    sh(path.join(work, 'a'), 'tar', '-cPf', evil, '../evil.txt')
    plantArchive(dir, evil)
    const problems = await problemsOf(store, id)
    expect(problems[0]).toMatchObject({
      code: 'ENTRY_UNSAFE_PATH',
      entry: '../evil.txt',
      message: 'entry "../evil.txt" refused: path escapes the target (..)',
    })
    await expectRestoreRefused(
      store,
      id,
      /entry "\.\.\/evil\.txt" refused: path escapes the target/,
    )
  })

  it('an archive with a symlink entry is refused and no link is created', async () => {
    const { store, id, dir } = await setup('none')
    const work = tempDir()
    fs.mkdirSync(path.join(work, 'files'))
    fs.symlinkSync('/etc/passwd', path.join(work, 'files', 'cpo-progress.md'))
    const evil = path.join(work, 'evil.tar')
    sh(work, 'tar', '-cf', evil, 'files/cpo-progress.md')
    plantArchive(dir, evil)
    const problems = await problemsOf(store, id)
    expect(problems[0]).toMatchObject({
      code: 'ENTRY_NOT_ALLOWED',
      entry: 'files/cpo-progress.md',
      message: expect.stringContaining('is a symbolic link → "/etc/passwd"'),
    })
    await expectRestoreRefused(store, id, /symbolic link/)
  })
})
