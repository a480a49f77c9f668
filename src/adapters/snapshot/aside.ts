import { randomBytes } from 'node:crypto'
import fs, { type BigIntStats, promises as fsp, type Stats } from 'node:fs'
import path from 'node:path'
import { fsPath } from '../../core/path-bytes.js'
import { writeFileAtomic } from '../fs.js'
import type { Repo } from '../repo.js'
import {
  type ChangedCopy,
  changedCopies,
  type StatStamp,
  snapshotWithCopies,
} from './aside-copies.js'
import { readWorkTreeConfig } from './conversion.js'
import { type BaseEntry, type ChangedDuring, vouched } from './guard.js'
import { onDiskOf } from './on-disk.js'
import { recordedStatsOf } from './stat-data.js'
import { getSnapshot } from './store.js'
import type { Snapshot } from './types.js'

/**
 * Compare before destroy, without a gap (ARCHITECTURE.md §4): a check of a path and the call
 * that destroys it are two steps, and an editor can save in between. So a restore destroys no
 * file: it renames each one into a quarantine directory first. A rename is atomic: from then on
 * a save creates a new file at the path (which the restore then leaves alone), and a save that
 * raced the rename ends up in the moved copy. The copies are checked against the snapshot the
 * plan came from once the target's files are written, any that differ are captured in a
 * `during` snapshot, and only then is the quarantine removed.
 */

const PREFIX = 'aside-'
const MANIFEST = 'manifest.json'

/**
 * Entries per subdirectory of a quarantine: renaming thousands of files into one directory
 * costs twice as much as into small ones, and each directory made costs a few renames (ext4
 * here, 5,000 renames: 110–150 ms into one directory, 55–70 ms into 79 of 64, mkdir included;
 * bench/README.md, "Untracked files set aside in small directories").
 */
const BUCKET = 64

/** What a quarantine holds, written before anything is moved so a crash leaves it readable. */
interface Manifest {
  v: 1
  /** The snapshot each moved file is checked against (every entry's mode and object). */
  base: string
  operation?: string
  /**
   * Entry `i` is moved to `<dir>/<floor(i / bucket)>/<i>` (`<dir>/<i>` in a manifest without
   * `bucket`, as written before there were subdirectories), or beside itself (besideName)
   * across file systems.
   */
  bucket?: number
  entries: Array<Pick<BaseEntry, 'path' | 'mode' | 'oid'>>
}

/** Where a quarantine keeps entry `i` when it stays on the quarantine's file system. */
function copyPath(dir: string, manifest: Manifest, i: number): string {
  const { bucket } = manifest
  return bucket
    ? path.join(dir, String(Math.floor(i / bucket)), String(i))
    : path.join(dir, String(i))
}

const stampOf = (st: BigIntStats): StatStamp => ({
  ino: st.ino,
  dev: st.dev,
  size: st.size,
  mtimeNs: st.mtimeNs,
  ctimeNs: st.ctimeNs,
  mode: st.mode,
})

export interface Aside {
  /** The quarantine directory; empty when nothing was to be moved. */
  dir: string
  manifest: Manifest
  /** Where each moved entry is now, by its index in the manifest. */
  moved: Map<number, string>
  /** Paths that could not be moved (an immutable file, a read-only directory), and why. */
  failed: Array<{ path: string; reason: string }>
  /**
   * The lstat, right after the rename, of each moved copy the base's recorded stat data vouched
   * for right before it: while the copy still shows exactly this, its bytes are not read.
   */
  settled: Map<number, StatStamp>
}

/**
 * Renames every regular file and symlink standing at `entries` into a new quarantine directory
 * under .git/cpo/tmp/ (one per restore). Directories (submodules among them) are not moved: the
 * removal rules for them stay with removeFiles. `base` is the snapshot `entries` describe.
 */
export async function moveAside(
  repo: Repo,
  base: Snapshot,
  entries: BaseEntry[],
  how: { operation?: string } = {},
): Promise<Aside> {
  const manifest: Manifest = {
    v: 1,
    base: base.id,
    ...(how.operation === undefined ? {} : { operation: how.operation }),
    bucket: BUCKET,
    entries: entries.map((e) => ({ path: e.path, mode: e.mode, oid: e.oid })),
  }
  const aside: Aside = { dir: '', manifest, moved: new Map(), failed: [], settled: new Map() }
  if (entries.length === 0) return aside
  const id = randomBytes(6).toString('hex')
  aside.dir = path.join(repo.cpoDir, 'tmp', `${PREFIX}${id}`)
  await fsp.mkdir(aside.dir, { recursive: true })
  await writeFileAtomic(path.join(aside.dir, MANIFEST), JSON.stringify(manifest))
  // Each path is looked at, moved and looked at again in one synchronous step: thousands of
  // lstat and rename calls through the thread pool, each a promise, cost more than the calls
  // themselves (bench/README.md, "Untracked files set aside in small directories"), and the
  // look right before the move leaves no gap for a save to slip between.
  const linked = symlinkOnTheWay(repo.root)
  const recorded = recordedStatsOf(
    base,
    manifest.entries.map((e) => e.path),
  )
  const prefix = path.join(repo.root, '/')
  const made = new Set<string>()
  manifest.entries.forEach((e, i) => {
    try {
      // What lies beyond a symlinked directory is not this path (`dir/c.txt` through a link
      // `dir` → `real` is `real/c.txt`): it is never moved, like git never writes through one.
      if (linked(e.path)) return
      // Git's paths are normalized already: appended to the root as they are (capture.ts, lstatAll).
      const from = prefix + e.path
      const st = lstatSyncIfAny(from)
      if (!st || !(st.isFile() || st.isSymbolicLink())) return
      const to = copyPath(aside.dir, manifest, i)
      const bucket = path.dirname(to)
      if (!made.has(bucket)) {
        fs.mkdirSync(bucket)
        made.add(bucket)
      }
      const at = renameAside(from, to, () => besideName(repo.root, e.path, id, i))
      aside.moved.set(i, at)
      if (vouched(recorded, e, st)) settle(aside, i, st, at)
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      // Gone meanwhile (or below something that is no directory now): nothing to destroy.
      if (code === 'ENOENT' || code === 'ENOTDIR') return
      aside.failed.push({ path: e.path, reason: code ?? String(err) })
    }
  })
  return aside
}

/**
 * `rename` into the quarantine; across file systems (EXDEV: `.git` elsewhere, a mount inside
 * the work tree) beside the file instead, in its own directory, which is on its own file system
 * by definition: still one atomic rename, and the manifest says where to look after a crash. Any
 * other failure (EPERM for an immutable file, EACCES for a read-only directory) means the file
 * cannot be removed at all, and the restore fails as REMOVE_FAILED before writing anything.
 */
function renameAside(from: string, to: string, beside: () => string): string {
  try {
    fs.renameSync(fsPath(from), to)
    return to
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err
    const at = beside()
    fs.renameSync(fsPath(from), fsPath(at))
    return at
  }
}

/** Where entry `i` of quarantine `id` goes when it cannot leave its file system. */
function besideName(root: string, rel: string, id: string, i: number): string {
  return path.join(root, path.dirname(rel), `.cpo-${PREFIX}${id}-${i}`)
}

/**
 * Checks every moved copy against what the base snapshot recorded (guard.ts's comparison). Any
 * time after the rename catches a save that finished before it; a save that opened the file
 * before the rename and writes after it lands in the copy too, if the check comes late enough,
 * so the restore checks once its files are written (a handle kept open for longer is a write to
 * a removed file, as with any tool that removes files).
 */
export function checkAside(
  repo: Repo,
  aside: Aside,
  base: Snapshot,
  execBit: boolean,
): Promise<ChangedCopy[]> {
  return changedCopies(repo, copiesOf(aside), execBit, onDiskOf(base).modes, {
    indexNamesAttributes: recordedStatsOf(base, [])?.indexNamesAttributes ?? true,
  })
}

const copiesOf = (aside: Aside) =>
  [...aside.moved].map(([i, at]) => {
    const settled = aside.settled.get(i)
    return { entry: aside.manifest.entries[i] as BaseEntry, at, ...(settled ? { settled } : {}) }
  })

/**
 * Records the copy's lstat right after its rename, if it is still the file vouched for right
 * before (the rename sets its ctime; inode, size, mtime and mode show the rest). Any failure to
 * look just means the copy is read later.
 */
function settle(aside: Aside, i: number, was: BigIntStats, at: string): void {
  try {
    const now = lstatSyncIfAny(at)
    if (now && sameFile(was, now)) aside.settled.set(i, stampOf(now))
  } catch {
    // read and hashed by the check instead
  }
}

const sameFile = (a: StatStamp, b: StatStamp): boolean =>
  a.ino === b.ino &&
  a.dev === b.dev &&
  a.size === b.size &&
  a.mtimeNs === b.mtimeNs &&
  a.mode === b.mode

/**
 * Captures the copies `checked` found changed in a `during` snapshot, and only then removes the
 * quarantine: each copy it removes is either in the base snapshot or in the new one. Returns the
 * capture, if there was one.
 *
 * A copy that is neither a file nor a symlink can only be a directory (or stranger) that
 * replaced the file between the look and the rename: no blob holds it, so it goes back to its
 * path, and when something stands there now, stays in the quarantine (left for salvageAside).
 */
export async function closeAside(
  repo: Repo,
  aside: Aside,
  base: Snapshot,
  checked: Promise<ChangedCopy[]>,
  execBit: boolean,
): Promise<ChangedDuring | undefined> {
  if (!aside.dir) return undefined
  const changed = await checked
  const blobs = changed.filter((c) => c.st.isFile() || c.st.isSymbolicLink())
  const during =
    blobs.length === 0 ? undefined : await captureCopies(repo, base, blobs, aside, execBit)
  const strays = changed.filter((c) => !blobs.includes(c))
  const putBack = await Promise.all(
    strays.map((c) =>
      fsp.rename(fsPath(c.at), fsPath(path.join(repo.root, c.entry.path))).then(
        () => true,
        () => false,
      ),
    ),
  )
  const stuck = new Set(strays.filter((_, k) => !putBack[k]).map((c) => c.at))
  await removeQuarantine(aside, stuck)
  return during
}

/**
 * Removes the copies by name, one synchronous call each (a recursive removal reads every
 * directory and stats every entry first: twice the time for thousands of files; a promise per
 * call costs more than the call), then the emptied subdirectories, then the directory with
 * whatever else it holds (the manifest, symlink targets written for a capture), unless a copy
 * is `stuck`.
 */
async function removeQuarantine(aside: Aside, stuck: Set<string>): Promise<void> {
  for (const at of aside.moved.values()) {
    if (stuck.has(at)) continue
    try {
      fs.unlinkSync(fsPath(at))
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
    }
  }
  if (stuck.size > 0) return
  // The quarantine's own subdirectories only (a copy beside itself is in the work tree).
  const buckets = new Set([...aside.moved.values()].map((at) => path.dirname(at)))
  for (const bucket of buckets) {
    if (path.dirname(bucket) !== aside.dir) continue
    try {
      fs.rmdirSync(bucket)
    } catch {
      // not empty: the recursive removal sees to it
    }
  }
  await fsp.rm(aside.dir, { recursive: true, force: true })
}

async function captureCopies(
  repo: Repo,
  base: Snapshot,
  changed: ChangedCopy[],
  aside: Aside,
  execBit: boolean,
): Promise<ChangedDuring> {
  const paths = changed.map((c) => c.entry.path).sort()
  const snapshot = await snapshotWithCopies(repo, base, changed, {
    execBit,
    scratch: aside.dir,
    message: `changed while cpo restored them: ${paths.slice(0, 3).join(', ')}${paths.length > 3 ? ', …' : ''}`,
    ...(aside.manifest.operation === undefined ? {} : { operation: aside.manifest.operation }),
  })
  return { snapshot: snapshot.id, paths }
}

/**
 * Quarantines a crashed restore left behind (a kill between the move and the end of the
 * restore): their copies are checked and captured exactly as the restore would have done, then
 * removed. Runs under the lock, before anything else looks at the work tree. A quarantine whose
 * base snapshot cannot be read is left where it is: nothing in it is ever thrown away unchecked.
 */
export async function salvageAside(repo: Repo): Promise<ChangedDuring[]> {
  const tmp = path.join(repo.cpoDir, 'tmp')
  const names = await fsp.readdir(tmp).catch(() => [] as string[])
  const found: ChangedDuring[] = []
  for (const name of names.filter(isQuarantine)) {
    try {
      const during = await salvageOne(repo, path.join(tmp, name), name.slice(PREFIX.length))
      if (during) found.push(during)
    } catch {
      // Left for the next operation to try again: a copy is never removed unchecked.
    }
  }
  return found
}

/** Whether a name in .git/cpo/tmp is a quarantine (which only salvageAside may remove). */
export const isQuarantine = (name: string): boolean => name.startsWith(PREFIX)

async function salvageOne(repo: Repo, dir: string, id: string) {
  const manifest = await readManifest(dir)
  // The manifest is written (atomically) before the first rename: without one, nothing moved.
  if (manifest === 'absent') {
    await fsp.rm(dir, { recursive: true, force: true })
    return undefined
  }
  const base = await getSnapshot(repo, manifest.base)
  const moved = new Map<number, string>()
  await Promise.all(
    manifest.entries.map(async (e, i) => {
      for (const at of [copyPath(dir, manifest, i), besideName(repo.root, e.path, id, i)]) {
        if (await lstatIfAny(at)) return void moved.set(i, at)
      }
    }),
  )
  const { fileMode } = await readWorkTreeConfig(repo)
  const aside = { dir, manifest, moved, failed: [], settled: new Map() }
  return closeAside(repo, aside, base, checkAside(repo, aside, base, fileMode), fileMode)
}

/** A quarantine's manifest; one that cannot be read (not written by cpo) throws: it stays. */
async function readManifest(dir: string): Promise<Manifest | 'absent'> {
  let text: string
  try {
    text = await fsp.readFile(path.join(dir, MANIFEST), 'utf8')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'absent'
    throw e
  }
  const m = JSON.parse(text) as Manifest
  if (
    m.v !== 1 ||
    !Array.isArray(m.entries) ||
    !(m.bucket === undefined || (Number.isInteger(m.bucket) && m.bucket > 0))
  ) {
    throw new Error(`unknown manifest in ${dir}`)
  }
  return m
}

/** git's has_symlink_leading_path, synchronously, with each directory looked at once. */
function symlinkOnTheWay(root: string): (rel: string) => boolean {
  const seen = new Map<string, boolean>()
  const isLink = (dir: string) => {
    let link = seen.get(dir)
    if (link === undefined) {
      link = lstatSyncIfAny(path.join(root, dir))?.isSymbolicLink() ?? false
      seen.set(dir, link)
    }
    return link
  }
  return (rel) => {
    const parts = rel.split('/')
    for (let i = 1; i < parts.length; i++) if (isLink(parts.slice(0, i).join('/'))) return true
    return false
  }
}

function lstatSyncIfAny(file: string): BigIntStats | undefined {
  try {
    return fs.lstatSync(fsPath(file), { bigint: true })
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
    throw e
  }
}

async function lstatIfAny(file: string): Promise<Stats | undefined> {
  try {
    return await fsp.lstat(fsPath(file))
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
    throw e
  }
}
