import fs from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { unchangedByStat } from '../../src/adapters/snapshot/stat-data.js'
import { applying, background, inSnapshot, until } from '../helpers/background.js'
import { commitAll, copyOf, cpo, keep, makeRepo, sh, tempDir, writeFiles } from '../helpers/repo.js'

/**
 * Compare before destroy by stat first (ARCHITECTURE.md §4): a restore reads a file it is about
 * to overwrite or remove only when its lstat does not vouch for it. Every case here is a file
 * whose bytes changed while its size (and, where a tool can, its mtime) stayed the same: stat
 * alone must not be fooled, and what was saved must end up in a snapshot. CPO_TRACE_READS lists
 * the files whose content the restore read, to show which ones stat vouched for.
 */

/** A round mtime, which utimes can put back exactly (to the nanosecond). */
const OLD = 1_700_000_000
const UNTRACKED = 40

let fixture: string
let snap: string

beforeAll(() => {
  // Snapshot v1; then v2 edits a.txt, b.txt, c.txt (same sizes as v1) and adds untracked files:
  // restoring v1 overwrites the three and sets the untracked ones aside.
  fixture = keep(makeRepo({ 'a.txt': 'a v1\n', 'b.txt': 'b v1\n', 'c.txt': 'c v1\n' }))
  snap = cpo(fixture, ['snapshot', '-m', 'v1', '--json']).json.data.snapshot.id
  writeFiles(fixture, { 'a.txt': 'a v2\n', 'b.txt': 'b v2\n', 'c.txt': 'c v2\n' })
  commitAll(fixture, 'v2')
  for (let i = 0; i < UNTRACKED; i++) writeFiles(fixture, { [`new/u${i}.txt`]: `u ${i}\n` })
})

/** A fresh copy with every file's mtime set to OLD and the index's stat data refreshed. */
function repo(mtimes: Record<string, number> = {}): string {
  const dir = copyOf(fixture)
  const files = ['a.txt', 'b.txt', 'c.txt', ...untracked()]
  for (const f of files) fs.utimesSync(path.join(dir, f), OLD, mtimes[f] ?? OLD)
  sh(dir, 'git', 'update-index', '-q', '--refresh')
  return dir
}

const untracked = () => Array.from({ length: UNTRACKED }, (_, i) => `new/u${i}.txt`)
const read = (dir: string, f: string) => fs.readFileSync(path.join(dir, f), 'utf8')

/**
 * Restores v1; with `meanwhile`, held right before the first file changes (or once the target's
 * files are written, the old ones still in the quarantine) while it runs.
 */
async function restoreWhile(
  dir: string,
  meanwhile?: () => void,
  at: 'restore-head' | 'restore-writes' = 'restore-head',
) {
  const trace = path.join(tempDir(), 'reads')
  const run = background(dir, ['snapshot', 'restore', snap, '--json'], {
    ...(meanwhile ? { CPO_PAUSE: `${at}:3000` } : {}),
    CPO_TRACE_READS: trace,
  })
  if (meanwhile) {
    await until(() => applying(dir) && (at !== 'restore-writes' || rewritten(dir, 'b.txt')))
    meanwhile()
  }
  const r = await run
  expect(r.code, r.stdout + r.stderr).toBe(0)
  const reads = fs.existsSync(trace) ? fs.readFileSync(trace, 'utf8').trim().split('\n') : []
  return { data: r.json.data, reads: [...new Set(reads)].sort() }
}

/** The quarantine a held restore moved its files into, once its manifest is written. */
function quarantine(dir: string): string | undefined {
  const tmp = path.join(dir, '.git/cpo/tmp')
  const name = fs.existsSync(tmp)
    ? fs.readdirSync(tmp).find((n) => n.startsWith('aside-'))
    : undefined
  const at = name && path.join(tmp, name)
  return at && fs.existsSync(path.join(at, 'manifest.json')) ? at : undefined
}

/** Whether a held restore has written v1 of `file` while the old one waits in its quarantine. */
function rewritten(dir: string, file: string): boolean {
  const q = quarantine(dir)
  const at = path.join(dir, file)
  return (
    q !== undefined &&
    fs.existsSync(copyIn(q, file)) &&
    fs.existsSync(at) &&
    read(dir, file).includes('v1')
  )
}

/** Where the quarantine `q` holds the copy of `file` (entry `i` is `<q>/<i / bucket>/<i>`). */
function copyIn(q: string, file: string): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(q, 'manifest.json'), 'utf8'))
  const i = manifest.entries.findIndex((e: { path: string }) => e.path === file)
  return path.join(q, String(Math.floor(i / manifest.bucket)), String(i))
}

/** The restore is exact and what was saved meanwhile at `file` is in its `during` snapshot. */
function expectCaught(dir: string, data: any, file: string, saved: string): void {
  expect(read(dir, 'a.txt')).toBe('a v1\n')
  expect(read(dir, 'b.txt')).toBe('b v1\n')
  expect(data.changedDuring.flatMap((d: any) => d.paths)).toEqual([file])
  expect(inSnapshot(dir, data.changedDuring[0].snapshot, file)).toBe(saved)
}

describe('compare before destroy by stat', () => {
  it('reads only the files stat cannot vouch for: unchanged ones (tracked, untracked) are not read', async () => {
    // a.txt's mtime is ahead of the scan (a clock skew, an archive with future dates): its stat
    // says nothing. The rest were last written long before.
    const dir = repo({ 'a.txt': Math.floor(Date.now() / 1000) + 3600 })
    const { data, reads } = await restoreWhile(dir)
    expect(data.changedDuring).toEqual([])
    expect(data.removed).toEqual(untracked().sort())
    expect(read(dir, 'c.txt')).toBe('c v1\n')
    // Read before it was moved aside and again as the moved copy; nothing else was read.
    expect(reads).toEqual(['aside a.txt', 'guard a.txt'])
  })

  it('a same-size edit whose mtime was put back (utimes) is caught by its ctime', async () => {
    const dir = repo()
    const { data, reads } = await restoreWhile(dir, () => {
      // git (built without USE_NSEC, as here) compares ctime by the second: an edit within the
      // second of the index's stat data would pass its status unseen, and the `during` capture
      // with it (git's blind spot, not the guard's). So the edit comes in a later second.
      const set = fs.statSync(path.join(dir, 'a.txt')).ctimeMs
      const wait = (Math.floor(set / 1000) + 1) * 1000 + 50 - Date.now()
      if (wait > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, wait)
      fs.writeFileSync(path.join(dir, 'a.txt'), 'a XX\n')
      fs.utimesSync(path.join(dir, 'a.txt'), OLD, OLD)
      expect(fs.statSync(path.join(dir, 'a.txt')).mtimeMs).toBe(OLD * 1000)
    })
    expectCaught(dir, data, 'a.txt', 'a XX\n')
    expect(reads).toContain('guard a.txt')
    expect(reads).not.toContain('guard b.txt')
  })

  it('a file replaced by rename with a same-size file of the same mtime is caught (another inode)', async () => {
    const dir = repo()
    const { data } = await restoreWhile(dir, () => {
      const tmp = path.join(dir, '.a.txt.swp')
      fs.writeFileSync(tmp, 'a YY\n')
      fs.utimesSync(tmp, OLD, OLD)
      fs.renameSync(tmp, path.join(dir, 'a.txt'))
    })
    expectCaught(dir, data, 'a.txt', 'a YY\n')
  })

  it('a same-size edit to a file in the racy window (mtime not older than the scan) is caught', async () => {
    // The mtime the scan records is not strictly older than the scan: an edit of the same size
    // that keeps it, as a save in the same clock tick does, must still be read.
    const ahead = Math.floor(Date.now() / 1000) + 3600
    const dir = repo({ 'a.txt': ahead })
    const { data, reads } = await restoreWhile(dir, () => {
      fs.writeFileSync(path.join(dir, 'a.txt'), 'a ZZ\n')
      fs.utimesSync(path.join(dir, 'a.txt'), OLD, ahead)
    })
    expectCaught(dir, data, 'a.txt', 'a ZZ\n')
    expect(reads).toContain('guard a.txt')
  })

  it('a moved-aside copy written after the move (an editor holding it open) is caught', async () => {
    const dir = repo()
    const { data } = await restoreWhile(
      dir,
      () => {
        const copy = copyIn(quarantine(dir) as string, 'b.txt')
        fs.writeFileSync(copy, 'b QQ\n')
        fs.utimesSync(copy, OLD, OLD)
      },
      'restore-writes',
    )
    expectCaught(dir, data, 'b.txt', 'b QQ\n')
  })

  it('the racy rule: stat equal to the record vouches only when both times are older than the scan', () => {
    const file = path.join(tempDir(), 'f')
    fs.writeFileSync(file, 'x\n')
    const st = fs.lstatSync(file, { bigint: true })
    const rec = {
      ctimeNs: st.ctimeNs,
      mtimeNs: st.mtimeNs,
      dev: Number(st.dev & 0xffffffffn),
      ino: Number(st.ino & 0xffffffffn),
      size: Number(st.size),
      mode: '100644',
      oid: '',
    }
    // Recorded in the tick the file was written: a same-size save in that tick leaves exactly
    // this stat, so it must not vouch.
    const later = st.mtimeNs + st.ctimeNs // later than both
    expect(unchangedByStat(rec, st, st.mtimeNs)).toBe(false)
    expect(unchangedByStat(rec, st, st.ctimeNs)).toBe(false)
    expect(unchangedByStat(rec, st, later)).toBe(true)
    expect(unchangedByStat({ ...rec, size: rec.size + 1 }, st, later)).toBe(false)
    expect(unchangedByStat({ ...rec, ino: rec.ino + 1 }, st, later)).toBe(false)
  })
})
