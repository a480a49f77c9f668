import { type BigIntStats, closeSync, fstatSync, lstatSync, openSync } from 'node:fs'
import path from 'node:path'
import { encodeText, fsPath } from '../../core/path-bytes.js'
import { ForwardReader, walkIndex } from './index-file.js'

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
   * The scratch index, open: it is removed with the scan, and read (one chunk at a time) only
   * when a guard asks, never held whole (ARCHITECTURE.md §32).
   */
  fd: number
  /** Files the snapshot hashed itself (a tree edit: no index entry holds their stat data). */
  hashed: Map<string, RecordedStat>
  /**
   * What the index answered for paths asked before (undefined: no entry that vouches): a
   * restore asks for the same paths when it compares and again when it moves them aside.
   */
  answered: Map<string, RecordedStat | undefined>
  /** False once the index proved to be one indexStatsOf does not read (v4, split). */
  readable: boolean
  since: bigint
  hashBytes: number
  indexNamesAttributes: boolean
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
    answered: new Map(),
    readable: true,
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

/**
 * The stat data recorded when snapshot `id` was taken by this process, for the files an
 * operation is about to touch (`paths`; others answer undefined), if any. The index entries are
 * found in one pass over the open scratch index (indexStatsOf), so memory stays one chunk of
 * the index (and the answers, for the paths asked).
 */
export function recordedStatsOf(
  snapshot: { id: string },
  paths: Iterable<string>,
): RecordedStats | undefined {
  const k = kept.get(snapshot.id)
  if (!k) return undefined
  const asked: string[] = []
  for (const p of paths) if (!k.hashed.has(p) && !k.answered.has(p)) asked.push(p)
  if (asked.length > 0 && k.readable) {
    const found = indexStatsOf(k.fd, k.hashBytes, asked)
    if (found) for (const p of asked) k.answered.set(p, found.get(p))
    else k.readable = false
  }
  if (!k.readable && k.hashed.size === 0) return undefined
  return {
    since: k.since,
    get: (p) => k.hashed.get(p) ?? k.answered.get(p),
    indexNamesAttributes: k.indexNamesAttributes,
  }
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

/**
 * The vouching entries (see vouching) among `paths`, by a merge of the sorted names with the
 * index's entries, which git keeps sorted by name bytes. Only a version 2 or 3 index is read: a
 * v4 index (prefix-compressed names) or a split one (entries in a shared file) gives none, and
 * its files are compared by content.
 */
export function indexStatsOf(
  fd: number,
  hashBytes: number,
  paths: string[],
  chunk?: number,
): Map<string, RecordedStat> | undefined {
  const names = paths
    .map((p) => ({ path: p, bytes: encodeText(p) }))
    .sort((a, b) => a.bytes.compare(b.bytes))
  const out = new Map<string, RecordedStat>()
  const r = new ForwardReader(fd, undefined, chunk)
  if (!r.need(0, 12)) return undefined
  const version = r.uint32(4)
  if (version !== 2 && version !== 3) return undefined
  // Only entries of an asked name's length are compared: a merge of the sorted names with a
  // subset of the sorted entries is still exact.
  const lengths = new Uint8Array(4096)
  for (const n of names) lengths[Math.min(n.bytes.length, 4095)] = 1
  let next = 0
  const visit = (at: number, flags: number, extended: number, name: number, end: number) => {
    let order = -1
    while (next < names.length) {
      order = r.compare((names[next] as { bytes: Buffer }).bytes, name, end)
      if (order >= 0) break
      next++
    }
    if (order !== 0) return
    const rec = vouching(r.view(at, 40 + hashBytes), hashBytes, flags, extended)
    if (rec) out.set((names[next] as { path: string }).path, rec)
    next++
  }
  const walk = walkIndex(r, fstatSync(fd).size, hashBytes, visit, lengths)
  return walk?.version === 2 || walk?.version === 3 ? out : undefined
}

/**
 * The entry's stat data if it can vouch for a file: stage 0, not assume-unchanged,
 * skip-worktree or intent-to-add (git does not look at those on disk), a regular file.
 */
function vouching(
  bytes: Buffer,
  hashBytes: number,
  flags: number,
  extended: number,
): RecordedStat | undefined {
  if ((flags & 0xb000) !== 0 || (extended & 0x6000) !== 0) return undefined
  const mode = bytes.readUInt32BE(24)
  if (mode >>> 12 !== 0o10) return undefined
  return {
    mode: mode.toString(8),
    ctimeNs: timeNs(bytes, 0),
    mtimeNs: timeNs(bytes, 8),
    dev: bytes.readUInt32BE(16),
    ino: bytes.readUInt32BE(20),
    size: bytes.readUInt32BE(36),
    oid: bytes.toString('hex', 40, 40 + hashBytes),
  }
}

const timeNs = (bytes: Buffer, at: number): bigint =>
  BigInt(bytes.readUInt32BE(at)) * 1_000_000_000n + BigInt(bytes.readUInt32BE(at + 4))
