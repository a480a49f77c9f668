/**
 * Compare before destroy, the last gap (ARCHITECTURE.md §4): between the check of a path and the
 * call that replaces or removes it, an editor can still save. So a restore never destroys a file:
 * it renames it into a quarantine directory under .git/cpo/tmp/ (atomic: a later save creates a
 * new file at the path), checks the moved copy against the snapshot the plan came from (a copy
 * that differs goes into a `during` snapshot), and writes only where nothing stands (a file saved
 * at the path meanwhile is left in place and reported).
 *
 * A save "in the gap" is made deterministic here in two ways: through a file handle opened before
 * the restore and written while the restore is held right after the move (the bytes land in the
 * moved copy, as they would for any save racing the rename), and by creating the file at its path
 * while the restore is held before it writes.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { applying, background, inSnapshot, journal, until } from '../helpers/background.js'
import { blobId, snapshotBlobs } from '../helpers/lost-writes.mjs'
import { dirOnOtherFileSystem } from '../helpers/other-fs.js'
import { commitAll, cpo, fingerprint, makeRepo, sh, tempDir, writeFiles } from '../helpers/repo.js'
import { storyDeletingConfig } from '../rollback/build.js'

const read = (dir: string, f: string) => fs.readFileSync(path.join(dir, f), 'utf8')
const exists = (dir: string, f: string) => fs.existsSync(path.join(dir, f))

/** Quarantine directories a restore made under `<git dir>/cpo/tmp`. */
function asideDirs(gitDir: string): string[] {
  const tmp = path.join(gitDir, 'cpo/tmp')
  return fs.existsSync(tmp) ? fs.readdirSync(tmp).filter((n) => n.startsWith('aside-')) : []
}

/**
 * A snapshot of a.txt v1 and old.txt, then a commit that edits a.txt, deletes old.txt and adds
 * added.txt: restoring the snapshot overwrites a.txt, removes added.txt and writes old.txt.
 */
function scenario(init?: (dir: string) => void): { dir: string; snap: string } {
  const dir = init ? tempDir() : makeRepo({ 'a.txt': 'a v1\n', 'old.txt': 'old\n' })
  if (init) {
    init(dir)
    writeFiles(dir, { 'a.txt': 'a v1\n', 'old.txt': 'old\n' })
    commitAll(dir, 'initial')
  }
  const snap = cpo(dir, ['snapshot', '-m', 'v1', '--json']).json.data.snapshot.id
  writeFiles(dir, { 'a.txt': 'a v2\n', 'added.txt': 'added\n' })
  fs.rmSync(path.join(dir, 'old.txt'))
  commitAll(dir, 'v2')
  return { dir, snap }
}

/** Saves `text` through a handle opened earlier: the bytes go to that file wherever it now is. */
function saveThrough(fd: number, text: string): void {
  fs.ftruncateSync(fd, 0)
  fs.writeSync(fd, text, 0)
  fs.closeSync(fd)
}

/** The held saves reached the moved copies: they are in one `during` snapshot, after gc. */
function expectCaptured(
  dir: string,
  data: any,
  saved: Record<string, string>,
  oplog = path.join(dir, '.git/cpo/oplog.jsonl'),
): void {
  const paths = Object.keys(saved).sort()
  const round = data.changedDuring.find((r: any) => r.paths.join() === paths.join())
  expect(round, JSON.stringify(data.changedDuring)).toBeDefined()
  sh(dir, 'git', 'gc', '-q', '--prune=now')
  for (const [file, text] of Object.entries(saved)) {
    expect(inSnapshot(dir, round.snapshot, file)).toBe(text)
  }
  const done = fs
    .readFileSync(oplog, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .findLast((e) => e.type === 'done')
  expect(done?.changedDuring).toContainEqual(round)
}

describe('move aside, then check', () => {
  it('a save that reaches a file after it was checked is captured from the moved copy', async () => {
    const { dir, snap } = scenario()
    const a = fs.openSync(path.join(dir, 'a.txt'), 'r+')
    const added = fs.openSync(path.join(dir, 'added.txt'), 'r+')
    const run = background(dir, ['snapshot', 'restore', snap, '--json'], {
      CPO_PAUSE: 'restore-aside:3000',
    })
    await until(() => asideDirs(path.join(dir, '.git')).length > 0, 8000)
    saveThrough(a, 'a saved into the moved copy\n')
    saveThrough(added, 'added saved into the moved copy\n')
    const r = await run
    expect(r.code, r.stderr).toBe(0)
    // The restore is exact…
    expect(read(dir, 'a.txt')).toBe('a v1\n')
    expect(read(dir, 'old.txt')).toBe('old\n')
    expect(exists(dir, 'added.txt')).toBe(false)
    expect(sh(dir, 'git', 'status', '--porcelain')).toBe('')
    // …the saves are kept, and the quarantine is gone.
    expectCaptured(dir, r.json.data, {
      'a.txt': 'a saved into the moved copy\n',
      'added.txt': 'added saved into the moved copy\n',
    })
    expect(asideDirs(path.join(dir, '.git'))).toEqual([])
  })

  it('a file saved where the restore writes, after the old one was moved aside, stays on disk', async () => {
    const { dir, snap } = scenario()
    const run = background(dir, ['snapshot', 'restore', snap, '--json'], {
      CPO_PAUSE: 'restore-aside:3000',
    })
    await until(() => asideDirs(path.join(dir, '.git')).length > 0 && !exists(dir, 'a.txt'), 8000)
    writeFiles(dir, { 'a.txt': 'a saved after the move\n' })
    const r = await run
    expect(r.code, r.stderr).toBe(0)
    expect(read(dir, 'a.txt')).toBe('a saved after the move\n')
    expect(r.json.data.written).not.toContain('a.txt')
    expect(r.json.data.kept.map((k: any) => k.path)).toEqual(['a.txt'])
    expect(r.json.data.kept[0].reason).toMatch(/saved while cpo restored/)
    // The index holds what the restore put there; git sees the newer file as a change.
    expect(sh(dir, 'git', 'show', ':a.txt')).toBe('a v1\n')
    expect(sh(dir, 'git', 'status', '--porcelain')).toBe(' M a.txt\n')
  })

  it('files created where the restore writes and removes, once it cleared them, stay on disk', async () => {
    const { dir, snap } = scenario()
    // Held after the paths are cleared and before anything is written (in every version of the
    // restore: added.txt is gone once the removals are done).
    const run = background(dir, ['snapshot', 'restore', snap, '--json'], {
      CPO_PAUSE: 'restore-deletions:3000',
    })
    await until(() => applying(dir) && !exists(dir, 'added.txt'), 8000)
    writeFiles(dir, {
      'old.txt': 'old, created while the restore ran\n',
      'added.txt': 'added, created again while the restore ran\n',
    })
    const r = await run
    expect(r.code, r.stderr).toBe(0)
    expect(read(dir, 'old.txt')).toBe('old, created while the restore ran\n')
    expect(read(dir, 'added.txt')).toBe('added, created again while the restore ran\n')
    expect(r.json.data.kept.map((k: any) => k.path)).toEqual(['old.txt'])
    expect(sh(dir, 'git', 'show', ':old.txt')).toBe('old\n')
    expect(sh(dir, 'git', 'status', '--porcelain')).toBe(' M old.txt\n?? added.txt\n')
  })

  it('a raw file (line endings git would convert) is not written over a file saved meanwhile', async () => {
    const dir = makeRepo({ 'keep.txt': 'keep\n' })
    sh(dir, 'git', 'config', 'core.autocrlf', 'true')
    writeFiles(dir, { 'run.sh': '#!/bin/sh\necho lf only\n' })
    const snap = cpo(dir, ['snapshot', '--json']).json.data.snapshot.id
    fs.rmSync(path.join(dir, 'run.sh'))
    writeFiles(dir, { 'gone.txt': 'removed by the restore\n' })
    commitAll(dir, 'gone.txt')
    const run = background(dir, ['snapshot', 'restore', snap, '--json'], {
      CPO_PAUSE: 'restore-deletions:3000',
    })
    // Held after the removal, before it writes: nothing stood at run.sh when it checked.
    await until(() => applying(dir) && !exists(dir, 'gone.txt'), 8000)
    writeFiles(dir, { 'run.sh': 'saved while the restore ran\n' })
    const r = await run
    expect(r.code, r.stderr).toBe(0)
    expect(read(dir, 'run.sh')).toBe('saved while the restore ran\n')
    expect(r.json.data.kept.map((k: any) => k.path)).toEqual(['run.sh'])
  })

  it('snapshot restore --paths: a save into the moved copy is captured', async () => {
    const { dir, snap } = scenario()
    const a = fs.openSync(path.join(dir, 'a.txt'), 'r+')
    const run = background(dir, ['snapshot', 'restore', snap, '--paths', 'a.txt', '--json'], {
      CPO_PAUSE: 'restore-aside:3000',
    })
    await until(() => asideDirs(path.join(dir, '.git')).length > 0, 8000)
    saveThrough(a, 'a saved into the moved copy\n')
    const r = await run
    expect(r.code, r.stderr).toBe(0)
    expect(read(dir, 'a.txt')).toBe('a v1\n')
    expectCaptured(dir, r.json.data, { 'a.txt': 'a saved into the moved copy\n' })
  })

  it('.git on another file system: files are moved aside beside themselves, and nothing is left', async () => {
    const gitDir = dirOnOtherFileSystem('cpo-gitdir-')
    if (!gitDir) throw new Error('this test needs a second file system beside os.tmpdir()')
    try {
      expect(fs.statSync(gitDir).dev).not.toBe(fs.statSync(os.tmpdir()).dev)
      const { dir, snap } = scenario((d) => {
        sh(d, 'git', 'init', '-q', '-b', 'main', `--separate-git-dir=${gitDir}/repo`)
        for (const [k, v] of Object.entries({
          'user.email': 'dev@example.com',
          'user.name': 'Dev',
          'gc.auto': '0',
          'core.autocrlf': 'false',
        }))
          sh(d, 'git', 'config', k, v)
      })
      const a = fs.openSync(path.join(dir, 'a.txt'), 'r+')
      const run = background(dir, ['snapshot', 'restore', snap, '--json'], {
        CPO_PAUSE: 'restore-aside:3000',
      })
      // The copies wait beside the files, on the work tree's file system.
      const beside = () => fs.readdirSync(dir).filter((n) => n.startsWith('.cpo-aside-'))
      await until(() => asideDirs(`${gitDir}/repo`).length > 0 && beside().length === 2, 8000)
      saveThrough(a, 'a saved into the moved copy\n')
      const r = await run
      expect(r.code, r.stderr).toBe(0)
      expect(read(dir, 'a.txt')).toBe('a v1\n')
      expect(exists(dir, 'added.txt')).toBe(false)
      expect(fs.readdirSync(dir).sort()).toEqual(['.git', 'a.txt', 'old.txt'])
      expectCaptured(
        dir,
        r.json.data,
        { 'a.txt': 'a saved into the moved copy\n' },
        `${gitDir}/repo/cpo/oplog.jsonl`,
      )
    } finally {
      fs.rmSync(gitDir, { recursive: true, force: true })
    }
  })
})

/**
 * `cpo recover` after a crash in the move, with a save into a.txt's moved copy: the state before
 * the restore is back, the save is reported and held in a snapshot, no quarantine is left.
 */
function recoveredWithSave(dir: string, before: ReturnType<typeof fingerprint>) {
  const recovered = cpo(dir, ['recover', '--json'])
  expect(recovered.code, recovered.stderr).toBe(0)
  expect(fingerprint(dir)).toEqual(before)
  const [round] = recovered.json.data.changedDuring
  expect(round.paths).toEqual(['a.txt'])
  expect(inSnapshot(dir, round.snapshot, 'a.txt')).toBe('a saved after the crash\n')
  expect(asideDirs(path.join(dir, '.git'))).toEqual([])
  return round
}

describe('a crash right after the move', () => {
  it('recover puts every moved file back, and a save into a moved copy is kept in a snapshot', () => {
    const { dir, snap } = scenario()
    writeFiles(dir, { 'notes.txt': 'untracked notes\n' })
    const before = fingerprint(dir)
    const a = fs.openSync(path.join(dir, 'a.txt'), 'r+')
    const crashed = cpo(dir, ['snapshot', 'restore', snap], { CPO_FAULT: 'restore-aside' })
    expect(crashed.signal).toBe('SIGKILL')
    expect(exists(dir, 'a.txt')).toBe(false)
    // The editor that still has a.txt open saves after the crash: into the moved copy.
    saveThrough(a, 'a saved after the crash\n')
    const round = recoveredWithSave(dir, before)
    // Journaled with the recover, in a snapshot that gc keeps.
    expect(journal(dir).at(-1)).toMatchObject({ type: 'done', changedDuring: [round] })
    sh(dir, 'git', 'gc', '-q', '--prune=now')
    expect(inSnapshot(dir, round.snapshot, 'a.txt')).toBe('a saved after the crash\n')
    expect(snapshotBlobs(dir).ids.has(blobId(Buffer.from('a saved after the crash\n')))).toBe(true)
  })
})

/** The quarantine a crashed restore left, with its manifest. */
function leftQuarantine(dir: string): { q: string; manifest: any } {
  const [name] = asideDirs(path.join(dir, '.git'))
  const q = path.join(dir, '.git/cpo/tmp', name ?? '')
  return { q, manifest: JSON.parse(read(q, 'manifest.json')) }
}

describe('a crash right after the move, many files', () => {
  it('recover puts back files moved into several subdirectories of the quarantine', () => {
    const files = Object.fromEntries(
      Array.from({ length: 150 }, (_, i) => [`gen/f-${i}.txt`, `generated ${i}\n`]),
    )
    const { dir, snap } = scenario()
    writeFiles(dir, files)
    const before = fingerprint(dir)
    const crashed = cpo(dir, ['snapshot', 'restore', snap], { CPO_FAULT: 'restore-aside' })
    expect(crashed.signal).toBe('SIGKILL')
    const { q, manifest } = leftQuarantine(dir)
    expect(manifest.entries.length).toBeGreaterThan(150)
    // Entry i sits in subdirectory floor(i / bucket): three of them for 150 untracked files.
    const subdirs = fs.readdirSync(q).filter((n) => n !== 'manifest.json')
    expect(subdirs.length).toBe(Math.ceil(manifest.entries.length / manifest.bucket))
    expect(exists(dir, 'gen/f-149.txt')).toBe(false)
    const recovered = cpo(dir, ['recover', '--json'])
    expect(recovered.code, recovered.stderr).toBe(0)
    expect(fingerprint(dir)).toEqual(before)
    expect(asideDirs(path.join(dir, '.git'))).toEqual([])
  })

  it('a quarantine laid out without subdirectories (an earlier version) is recovered too', () => {
    const { dir, snap } = scenario()
    writeFiles(dir, { 'notes.txt': 'untracked notes\n' })
    const before = fingerprint(dir)
    const a = fs.openSync(path.join(dir, 'a.txt'), 'r+')
    expect(cpo(dir, ['snapshot', 'restore', snap], { CPO_FAULT: 'restore-aside' }).signal).toBe(
      'SIGKILL',
    )
    // Rewritten as before subdirectories: entry i at <q>/<i>, no `bucket` in the manifest.
    const { q, manifest } = leftQuarantine(dir)
    manifest.entries.forEach((_: unknown, i: number) => {
      const at = path.join(q, String(Math.floor(i / manifest.bucket)), String(i))
      if (fs.existsSync(at)) fs.renameSync(at, path.join(q, `${i}.moved`))
    })
    for (const n of fs.readdirSync(q)) {
      if (fs.statSync(path.join(q, n)).isDirectory()) fs.rmdirSync(path.join(q, n))
    }
    for (const n of fs.readdirSync(q).filter((n) => n.endsWith('.moved'))) {
      fs.renameSync(path.join(q, n), path.join(q, n.replace('.moved', '')))
    }
    delete manifest.bucket
    fs.writeFileSync(path.join(q, 'manifest.json'), JSON.stringify(manifest))
    saveThrough(a, 'a saved after the crash\n')
    recoveredWithSave(dir, before)
  })
})

describe('a quarantine whose manifest cpo cannot read', () => {
  it('is left as it is, copies and all: nothing in it is removed unchecked', () => {
    const { dir, snap } = scenario()
    expect(cpo(dir, ['snapshot', 'restore', snap], { CPO_FAULT: 'restore-aside' }).signal).toBe(
      'SIGKILL',
    )
    const { q, manifest } = leftQuarantine(dir)
    const copies = () => fs.readdirSync(path.join(q, '0')).sort()
    const moved = copies()
    expect(moved.length).toBeGreaterThan(0)
    fs.writeFileSync(path.join(q, 'manifest.json'), JSON.stringify({ ...manifest, bucket: 1.5 }))
    cpo(dir, ['recover', '--json'])
    expect(asideDirs(path.join(dir, '.git'))).toEqual([path.basename(q)])
    expect(copies()).toEqual(moved)
  })
})

describe('an operation that records its result without a scan', () => {
  it('rollback story: a file saved where it writes stays, and the after-snapshot holds it', async () => {
    const dir = storyDeletingConfig()
    // Reverting the story brings config.local back and removes src/list-recipes.ts.
    const run = background(dir, ['--json', 'rollback', 'story', 'S2-US-002', '--reason', 'x'], {
      CPO_PAUSE: 'restore-aside:3000',
    })
    await until(
      () => asideDirs(path.join(dir, '.git')).length > 0 && !exists(dir, 'src/list-recipes.ts'),
      8000,
    )
    writeFiles(dir, { 'config.local': 'db=mine, saved while the rollback ran\n' })
    const r = await run
    expect(r.code, r.stderr).toBe(0)
    expect(read(dir, 'config.local')).toBe('db=mine, saved while the rollback ran\n')
    expect(sh(dir, 'git', 'show', 'HEAD:config.local')).toBe('db=localhost\n')
    expect(sh(dir, 'git', 'status', '--porcelain')).toBe(' M config.local\n')
    const after = JSON.parse(
      fs.readFileSync(path.join(dir, '.git/cpo/oplog.jsonl'), 'utf8').trim().split('\n').at(-1) ??
        '',
    ).after
    expect(inSnapshot(dir, after, 'config.local')).toBe('db=mine, saved while the rollback ran\n')
  })
})
