import { type BigIntStats, closeSync, fstatSync, lstatSync, openSync, readSync } from 'node:fs'
import path from 'node:path'
import { encodeText, fsPath } from '../../core/path-bytes.js'

/**
 * Stat data a snapshot's scan recorded, so compare-before-destroy can tell an unchanged file by
 * its lstat alone (ARCHITECTURE.md §4, "Compare before destroy, by stat first"). The source is
 * the scan's own scratch index once the snapshot is recorded: every entry holds the stat data of
 * the file whose content it names — checked by that scan's `git status` (tracked files), or
 * recorded by its `update-index` (changed and untracked files). Kept in memory for the snapshots
 * this process took (the operation's before-snapshot, a `during` capture), never stored: a
 * snapshot read back from its ref has none, and is compared by content.
 */
export interface RecordedStat {
  ctimeNs: bigint
  mtimeNs: bigint
  /** The low 32 bits, as the index keeps them. */
  dev: number
  ino: number
  size: number
  /** The entry's mode (`100644`, `100755`) and object: the file when its stat was taken. */
  mode: string
  oid: string
}

export interface RecordedStats {
  /**
   * A moment (file-system clock, ns) before the scan looked at any file: a file whose mtime or
   * ctime is not strictly older may have changed within the same clock tick after its stat was
   * recorded (git's "racy" case), so stat says nothing about it.
   */
  since: bigint
  get(path: string): RecordedStat | undefined
  /** Whether the index may name a `.gitattributes` (attributes may convert files). */
  indexNamesAttributes: boolean
}

interface Kept {
  /**
   * The scratch index, open: it is removed with the scan, and read whole only when a guard asks
   * (a snapshot alone never does, so its peak memory holds no copy of a 10 MB index).
   */
  fd: number
  /** Files the snapshot hashed itself (a tree edit: no index entry holds their stat data). */
  hashed: Map<string, RecordedStat>
  since: bigint
  hashBytes: number
  indexNamesAttributes: boolean
  table?: IndexTable | null
}

/** A few recent snapshots: an operation asks about its before-snapshot and its own captures. */
const KEEP = 4
const kept = new Map<string, Kept>()

/**
 * Remembers a scan's scratch index for snapshot `id` (opened now: the scan's index is removed
 * with the scan, and git only ever replaces an index by rename, so the open file keeps these
 * bytes). `since` is the scratch index's ctime right after it was copied, before git status ran;
 * without it (no index yet) nothing is remembered.
 */
export function rememberStatData(
  id: string,
  scan: { scratchIndex: string; statSince?: bigint; indexNamesAttributes: boolean },
  hexLength: number,
  hashed: Map<string, RecordedStat> = new Map(),
): void {
  if (scan.statSince === undefined) return
  let fd: number
  try {
    fd = openSync(scan.scratchIndex, 'r')
  } catch {
    return
  }
  forget(id)
  kept.set(id, {
    fd,
    hashed,
    since: scan.statSince,
    hashBytes: hexLength / 2,
    indexNamesAttributes: scan.indexNamesAttributes,
  })
  while (kept.size > KEEP) forget(kept.keys().next().value as string)
}

function forget(id: string): void {
  const k = kept.get(id)
  if (!k) return
  kept.delete(id)
  closeSync(k.fd)
}

/** The stat data recorded when snapshot `id` was taken by this process, if any. */
export function recordedStatsOf(snapshot: { id: string }): RecordedStats | undefined {
  const k = kept.get(snapshot.id)
  if (!k) return undefined
  if (k.table === undefined) k.table = indexTable(readAll(k.fd), k.hashBytes) ?? null
  const table = k.table
  if (!table && k.hashed.size === 0) return undefined
  return {
    since: k.since,
    get: (p) => k.hashed.get(p) ?? (table ? lookup(table, encodeText(p)) : undefined),
    indexNamesAttributes: k.indexNamesAttributes,
  }
}

function readAll(fd: number): Buffer {
  const bytes = Buffer.allocUnsafe(fstatSync(fd).size)
  let done = 0
  while (done < bytes.length) {
    const got = readSync(fd, bytes, done, bytes.length - done, done)
    if (got === 0) break
    done += got
  }
  return bytes.subarray(0, done)
}

/**
 * The stat data of files a snapshot hashed itself (the tree edit of capture.ts), taken after
 * their hashing. That order is safe by the racy rule: a write after the scan began gives the
 * file an mtime not older than `since`, so its stat here can never vouch for other bytes.
 */
export function statsOfHashed(
  root: string,
  files: ReadonlyArray<{ path: string; mode: string; oid: string }>,
): Map<string, RecordedStat> {
  const out = new Map<string, RecordedStat>()
  // Git's paths are normalized already: appended to the root as they are (see lstatAll).
  const prefix = path.join(root, '/')
  const options = { bigint: true, throwIfNoEntry: false } as const
  for (const f of files) {
    if (f.mode !== '100644' && f.mode !== '100755') continue
    const st = lstatSync(fsPath(prefix + f.path), options)
    if (!st?.isFile()) continue
    out.set(f.path, {
      ctimeNs: st.ctimeNs,
      mtimeNs: st.mtimeNs,
      dev: low32(st.dev),
      ino: low32(st.ino),
      size: low32(st.size),
      mode: f.mode,
      oid: f.oid,
    })
  }
  return out
}

/**
 * Whether `st` (an lstat taken now) shows the very file `rec` describes, untouched since: same
 * inode and device, size, mtime and ctime to the nanosecond, both times strictly older than
 * `since`. A write sets mtime to now (later than `since`, so different); putting the old mtime
 * back (utimes) sets ctime to now; a file saved by rename has another inode and a new ctime.
 */
export function unchangedByStat(
  rec: RecordedStat | undefined,
  st: BigIntStats,
  since: bigint,
): boolean {
  if (!rec || !st.isFile()) return false
  if (rec.mtimeNs >= since || rec.ctimeNs >= since) return false
  return (
    st.mtimeNs === rec.mtimeNs &&
    st.ctimeNs === rec.ctimeNs &&
    low32(st.ino) === rec.ino &&
    low32(st.dev) === rec.dev &&
    low32(st.size) === rec.size
  )
}

const low32 = (n: bigint): number => Number(n & 0xffffffffn)

/** Where each entry of an index file and its name start (entries are sorted by name bytes). */
interface IndexTable {
  bytes: Buffer
  hashBytes: number
  start: Uint32Array
  nameAt: Uint32Array
  nameEnd: Uint32Array
}

/**
 * One pass over an index file (versions 2 and 3) that finds where its entries are; nothing is
 * decoded until a path is looked up (the guard asks about the touched paths only). A v4 index
 * (prefix-compressed names) or a split index (entries in a shared file) gives none: its files
 * are compared by content.
 */
export function indexTable(bytes: Buffer, hashBytes: number): IndexTable | null {
  if (bytes.length < 12 || bytes.toString('latin1', 0, 4) !== 'DIRC') return null
  const version = bytes.readUInt32BE(4)
  if (version !== 2 && version !== 3) return null
  const count = bytes.readUInt32BE(8)
  const table = {
    bytes,
    hashBytes,
    start: new Uint32Array(count),
    nameAt: new Uint32Array(count),
    nameEnd: new Uint32Array(count),
  }
  let at = 12
  for (let n = 0; n < count; n++) {
    if (at + 42 + hashBytes > bytes.length) return null
    // Read by hand: this loop runs once per entry, cold (the call is slower in the interpreter).
    const flags =
      ((bytes[at + 40 + hashBytes] as number) << 8) | (bytes[at + 41 + hashBytes] as number)
    const nameAt = at + 42 + hashBytes + (flags & 0x4000 ? 2 : 0)
    const short = flags & 0xfff
    const nameEnd = short < 0xfff ? nameAt + short : bytes.indexOf(0, nameAt)
    if (nameEnd < 0 || nameEnd > bytes.length) return null
    table.start[n] = at
    table.nameAt[n] = nameAt
    table.nameEnd[n] = nameEnd
    // Entries are NUL-padded to a multiple of 8 bytes (at least one NUL).
    at += (nameEnd - at + 8) & ~7
  }
  // Extensions follow the entries: a split index keeps most entries in another file.
  for (let ext = at; ext + 8 <= bytes.length - hashBytes; ) {
    if (bytes.toString('latin1', ext, ext + 4) === 'link') return null
    ext += 8 + bytes.readUInt32BE(ext + 4)
  }
  return table
}

/**
 * The entry named `name`, by binary search, if it can vouch for a file: stage 0, not
 * assume-unchanged, skip-worktree or intent-to-add (git does not look at those on disk), a
 * regular file.
 */
function lookup(t: IndexTable, name: Buffer): RecordedStat | undefined {
  const { bytes } = t
  let lo = 0
  let hi = t.start.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1
    const order = bytes.compare(name, 0, name.length, t.nameAt[mid], t.nameEnd[mid])
    if (order < 0) lo = mid + 1
    else if (order > 0) hi = mid - 1
    else return vouching(t, mid)
  }
  return undefined
}

function vouching(t: IndexTable, n: number): RecordedStat | undefined {
  const { bytes, hashBytes } = t
  const start = t.start[n] as number
  const flags = bytes.readUInt16BE(start + 40 + hashBytes)
  const extended = flags & 0x4000 ? bytes.readUInt16BE(start + 42 + hashBytes) : 0
  if ((flags & 0xb000) !== 0 || (extended & 0x6000) !== 0) return undefined
  const mode = bytes.readUInt32BE(start + 24)
  if (mode >>> 12 !== 0o10) return undefined
  return {
    mode: mode.toString(8),
    ctimeNs: timeNs(bytes, start),
    mtimeNs: timeNs(bytes, start + 8),
    dev: bytes.readUInt32BE(start + 16),
    ino: bytes.readUInt32BE(start + 20),
    size: bytes.readUInt32BE(start + 36),
    oid: bytes.toString('hex', start + 40, start + 40 + hashBytes),
  }
}

const timeNs = (bytes: Buffer, at: number): bigint =>
  BigInt(bytes.readUInt32BE(at)) * 1_000_000_000n + BigInt(bytes.readUInt32BE(at + 4))
