import { type BigIntStats, promises as fsp } from 'node:fs'
import { decodeBytes } from '../../core/path-bytes.js'

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
  /** The entry's object: what the content was when the stat data was taken. */
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
  bytes: Buffer
  since: bigint
  hexLength: number
  indexNamesAttributes: boolean
  parsed?: Map<string, RecordedStat> | undefined
}

/** A few recent snapshots: an operation asks about its before-snapshot and its own captures. */
const KEEP = 4
const kept = new Map<string, Kept>()

/**
 * Remembers a scan's scratch index for snapshot `id` (read now: the scan's index is removed
 * with the scan). `since` is the scratch index's ctime right after it was copied, before git
 * status ran; without it (no index yet) nothing is remembered.
 */
export async function rememberStatData(
  id: string,
  scan: { scratchIndex: string; statSince?: bigint; indexNamesAttributes: boolean },
  hexLength: number,
): Promise<void> {
  if (scan.statSince === undefined) return
  const bytes = await fsp.readFile(scan.scratchIndex).catch(() => undefined)
  if (!bytes) return
  kept.set(id, {
    bytes,
    since: scan.statSince,
    hexLength,
    indexNamesAttributes: scan.indexNamesAttributes,
  })
  while (kept.size > KEEP) kept.delete(kept.keys().next().value as string)
}

/** The stat data recorded when snapshot `id` was taken by this process, if any. */
export function recordedStatsOf(snapshot: { id: string }): RecordedStats | undefined {
  const k = kept.get(snapshot.id)
  if (!k) return undefined
  if (k.parsed === undefined) k.parsed = parseIndex(k.bytes, k.hexLength / 2) ?? new Map()
  const entries = k.parsed
  if (entries.size === 0) return undefined
  return {
    since: k.since,
    get: (p) => entries.get(p),
    indexNamesAttributes: k.indexNamesAttributes,
  }
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
 * The entries of an index file (versions 2 and 3) that can vouch for a file: stage 0, not
 * assume-unchanged, skip-worktree or intent-to-add (git does not look at those on disk). A v4
 * index (prefix-compressed names) or a split index (entries in a shared file) gives none: those
 * files are compared by content.
 */
export function parseIndex(
  bytes: Buffer,
  hashBytes: number,
): Map<string, RecordedStat> | undefined {
  if (bytes.length < 12 || bytes.toString('latin1', 0, 4) !== 'DIRC') return undefined
  const version = bytes.readUInt32BE(4)
  if (version !== 2 && version !== 3) return undefined
  const count = bytes.readUInt32BE(8)
  const out = new Map<string, RecordedStat>()
  let at = 12
  for (let n = 0; n < count; n++) {
    const start = at
    const flags = bytes.readUInt16BE(start + 40 + hashBytes)
    let nameAt = start + 42 + hashBytes
    let extended = 0
    if (flags & 0x4000) {
      extended = bytes.readUInt16BE(nameAt)
      nameAt += 2
    }
    const short = flags & 0xfff
    const nameEnd = short < 0xfff ? nameAt + short : bytes.indexOf(0, nameAt)
    if (nameEnd < 0 || nameEnd > bytes.length) return undefined
    // Entries are NUL-padded to a multiple of 8 bytes (at least one NUL).
    at = start + ((nameEnd - start + 8) & ~7)
    const mode = bytes.readUInt32BE(start + 24)
    const trusted = (flags & 0x3000) === 0 && (flags & 0x8000) === 0 && (extended & 0x6000) === 0
    if (!trusted || mode >>> 12 !== 0o10) continue
    out.set(decodeBytes(bytes.subarray(nameAt, nameEnd)), {
      ctimeNs: timeNs(bytes, start),
      mtimeNs: timeNs(bytes, start + 8),
      dev: bytes.readUInt32BE(start + 16),
      ino: bytes.readUInt32BE(start + 20),
      size: bytes.readUInt32BE(start + 36),
      oid: bytes.toString('hex', start + 40, start + 40 + hashBytes),
    })
  }
  // Extensions follow the entries: a split index keeps most entries in another file.
  for (let ext = at; ext + 8 <= bytes.length - hashBytes; ) {
    if (bytes.toString('latin1', ext, ext + 4) === 'link') return undefined
    ext += 8 + bytes.readUInt32BE(ext + 4)
  }
  return out
}

const timeNs = (bytes: Buffer, at: number): bigint =>
  BigInt(bytes.readUInt32BE(at)) * 1_000_000_000n + BigInt(bytes.readUInt32BE(at + 4))
