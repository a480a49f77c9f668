import {
  closeSync,
  constants,
  fstatSync,
  futimesSync,
  openSync,
  readSync,
  writeSync,
} from 'node:fs'

/** The real index as it was when a scan copied it; undefined when the repository had none. */
export interface IndexStamp {
  size: number
  mtimeMs: number
  ino: number
}

/** What a scan learns of the index it copies, from one pass over the bytes on their way. */
export interface CopiedIndex {
  stamp: IndexStamp
  /** Whether an entry may be skip-worktree or assume-unchanged (`git ls-files -v` then tells). */
  mayHide: boolean
  /** Whether an entry may be a `.gitattributes` (see attributesMayApply in capture.ts). */
  namesAttributes: boolean
}

/** Bytes read at a time. The index of 100,000 files is ~10 MB: it is never held whole. */
const CHUNK = 1 << 20

/**
 * Copies the index at `from` to `to` (created; it must not exist) in chunks, reading its entries'
 * flags and names as the bytes pass. Source and stamp are one open file: git replaces the index
 * by rename, and the stamp must describe the very bytes copied.
 *
 * git spots a file rewritten within the same clock tick as its index entry ("racy git") only by
 * comparing with the index file's own mtime. A copy would be newer and hide such edits, so the
 * copy gets the original's mtime (rounded down, which errs towards re-reading more files).
 */
export function copyIndex(from: string, to: string, chunk = CHUNK): CopiedIndex | undefined {
  let source: number
  try {
    source = openSync(from, 'r')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw e
  }
  try {
    const st = fstatSync(source)
    // Mode as git writes an index (0666 less the umask): an operation may make this copy the
    // real index (replaceIndex, direct-commit.ts).
    const target = openSync(to, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o666)
    try {
      const reader = new ForwardReader(source, (bytes) => writeAll(target, bytes), chunk)
      let found = readIndexEntries(reader, st.size, 20)
      reader.drain()
      const mtime = Math.floor(st.mtimeMs) / 1000
      futimesSync(target, mtime, mtime)
      // Not SHA-1 entries: read the copy again as SHA-256 ones (rare; page-cached).
      found ??= readIndexFile(to, st.size, 32, chunk)
      return {
        stamp: { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino },
        mayHide: found?.hidden ?? st.size > 0,
        namesAttributes: found?.namesAttributes ?? st.size > 0,
      }
    } finally {
      closeSync(target)
    }
  } finally {
    closeSync(source)
  }
}

/** What the entries show, or undefined when they do not parse with this hash size. */
interface EntryFlags {
  hidden: boolean
  namesAttributes: boolean
}

const CE_VALID = 0x8000 // assume-unchanged
const CE_EXTENDED = 0x4000
const CE_SKIP_WORKTREE = 0x4000 // in the extended flags
const ATTRIBUTES = Buffer.from('.gitattributes', 'latin1')

/** One entry as a walk meets it: its start, flags, extended flags (or 0) and name's bytes. */
export type EntryVisit = (
  at: number,
  flags: number,
  extended: number,
  name: number,
  end: number,
) => void

/** What a walk of a whole index found. */
export interface IndexWalk extends EntryFlags {
  /** 2, 3 or 4; `split` for a split index (its `link` extension: entries in a shared file). */
  version: number | 'split'
}

/**
 * Walks an index file's entries (versions 2, 3 and 4; a v4 name is the part not shared with the
 * previous entry's) and its extensions up to the checksum: about 5 ms for 100,000 entries once
 * compiled, ~25 ms cold. It notes hiding bits and `.gitattributes` names itself, and calls
 * `visit` for the entries whose name length `lengths` marks (all without it; a name of 4,095
 * bytes or more counts as 4,095). Undefined when the bytes are no index with this hash size.
 *
 * The loop reads the reader's buffer directly: it runs once per entry, mostly before the code
 * is optimized, where a call per field read costs more than the read.
 */
export function walkIndex(
  r: ForwardReader,
  size: number,
  hashSize: number,
  visit?: EntryVisit,
  lengths?: Uint8Array,
): IndexWalk | undefined {
  if (!r.need(0, 12) || r.text(0, 4) !== 'DIRC') return undefined
  const version = r.uint32(4)
  if (version < 2 || version > 4) return undefined
  const count = r.uint32(8)
  const flagsAt = 40 + hashSize // ctime, mtime, dev, ino, mode, uid, gid, size, then the oid
  let hidden = false
  let namesAttributes = version === 4
  let { buf, base } = r
  let limit = base + r.filled
  const need = (at: number, n: number): boolean => {
    if (!r.need(at, n)) return false
    buf = r.buf
    base = r.base
    limit = base + r.filled
    return true
  }
  let at = 12
  for (let n = 0; n < count; n++) {
    if (at + flagsAt + 4 > limit && !need(at, flagsAt + 4)) return undefined
    let o = at - base + flagsAt
    const flags = ((buf[o] as number) << 8) | (buf[o + 1] as number)
    let name = at + flagsAt + 2
    let extended = 0
    if (flags & CE_EXTENDED) {
      if (version < 3) return undefined
      extended = ((buf[o + 2] as number) << 8) | (buf[o + 3] as number)
      name += 2
    }
    if (flags & CE_VALID || extended & CE_SKIP_WORKTREE) hidden = true
    let end: number
    if (version === 4) {
      // A varint (how much of the previous name to keep), then the rest of the name, NUL-ended.
      for (;;) {
        if (name >= limit && !need(at, name - at + 1)) return undefined
        if (!((buf[name - base] as number) & 0x80)) break
        name++
      }
      name++
      end = r.nulFrom(name, at)
      if (end < 0) return undefined
      ;({ buf, base } = r)
      limit = base + r.filled
    } else {
      const short = flags & 0xfff
      if (short < 0xfff) end = name + short
      else {
        end = r.nulFrom(name, at)
        if (end < 0) return undefined
        ;({ buf, base } = r)
        limit = base + r.filled
      }
      if (end >= limit && !need(at, end - at + 1)) return undefined
      if (buf[end - base] !== 0) return undefined
    }
    // `.gitattributes` or `…/.gitattributes`: the last bytes are checked by hand first.
    o = end - base
    if (
      !namesAttributes &&
      buf[o - 1] === 0x73 && // s
      buf[o - 2] === 0x65 && // e
      buf[o - 14] === 0x2e && // .
      end - name >= 14 &&
      (end - name === 14 || buf[o - 15] === 0x2f) && // /
      r.compare(ATTRIBUTES, end - 14, end) === 0
    ) {
      namesAttributes = true
    }
    if (visit && (!lengths || lengths[Math.min(end - name, 4095)])) {
      visit(at, flags, extended, name, end)
    }
    // v2/v3 entries are NUL-padded to a multiple of 8 bytes from their start (1 to 8 NULs).
    at = version === 4 ? end + 1 : at + ((end - at + 8) & ~7)
  }
  // Extensions (4-byte signature, 4-byte size) run up to the trailing checksum.
  while (at + 8 <= size - hashSize) {
    if (!r.need(at, 8)) return undefined
    if (r.text(at, 4) === 'link') return { version: 'split', hidden: true, namesAttributes: true }
    at += 8 + r.uint32(at + 4)
  }
  return at === size - hashSize ? { version, hidden, namesAttributes } : undefined
}

/**
 * Whether an index may hide entries or name a `.gitattributes` (one walk): `git ls-files -v`
 * runs only when an entry has a hiding bit set, `check-attr` only when one may be named. An
 * empty file shows nothing; one that is no index (or not with this hash size) answers
 * undefined, which callers take as "maybe".
 */
export function readIndexEntries(
  r: ForwardReader,
  size: number,
  hashSize: number,
): EntryFlags | undefined {
  if (size === 0) return { hidden: false, namesAttributes: false }
  const walk = walkIndex(r, size, hashSize)
  return walk && { hidden: walk.hidden, namesAttributes: walk.namesAttributes }
}

/** readIndexEntries over the file at `file`. */
export function readIndexFile(
  file: string,
  size: number,
  hashSize: number,
  chunk = CHUNK,
): EntryFlags | undefined {
  const fd = openSync(file, 'r')
  try {
    return readIndexEntries(new ForwardReader(fd, undefined, chunk), size, hashSize)
  } finally {
    closeSync(fd)
  }
}

function writeAll(fd: number, bytes: Buffer): void {
  for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done)
}

/**
 * A file read front to back through one buffer: `need(at, n)` makes bytes [at, at + n) (file
 * offsets) readable, dropping what lies before `at`. Every byte read is handed to `onRead` once,
 * in order, so a copy made from it is the whole file once `drain` has run.
 */
export class ForwardReader {
  /** The bytes held (read them, never write them), the file offset of buf[0], how many hold data. */
  buf: Buffer
  base = 0
  filled = 0

  constructor(
    private readonly fd: number,
    private readonly onRead?: (bytes: Buffer) => void,
    chunk = CHUNK,
  ) {
    this.buf = Buffer.allocUnsafe(chunk)
  }

  need(at: number, n: number): boolean {
    while (at + n > this.base + this.filled) {
      // Drop what lies before `at`: everything when `at` is beyond the data (an extension
      // skipped), whose bytes then pass through on their way to `at` without being held.
      const drop = Math.min(Math.max(at - this.base, 0), this.filled)
      if (drop > 0) {
        this.buf.copy(this.buf, 0, drop, this.filled)
        this.base += drop
        this.filled -= drop
      }
      if (this.base === at && n > this.buf.length) {
        const bigger = Buffer.allocUnsafe(Math.max(n, this.buf.length * 2))
        this.buf.copy(bigger, 0, 0, this.filled)
        this.buf = bigger
      }
      if (!this.readMore()) return false
    }
    return true
  }

  /** Reads the rest of the file (for `onRead`). */
  drain(): void {
    this.base += this.filled
    this.filled = 0
    while (this.readMore()) {
      this.base += this.filled
      this.filled = 0
    }
  }

  byte(at: number): number {
    return this.buf[at - this.base] as number
  }

  uint16(at: number): number {
    return this.buf.readUInt16BE(at - this.base)
  }

  uint32(at: number): number {
    return this.buf.readUInt32BE(at - this.base)
  }

  text(at: number, n: number): string {
    return this.buf.toString('latin1', at - this.base, at - this.base + n)
  }

  /** How `bytes` sorts against the file's bytes [at, end) (as Buffer.compare). */
  compare(bytes: Buffer, at: number, end: number): number {
    return bytes.compare(this.buf, at - this.base, end - this.base)
  }

  /** The file's bytes [at, at + n), valid until the next `need`. */
  view(at: number, n: number): Buffer {
    return this.buf.subarray(at - this.base, at - this.base + n)
  }

  /**
   * The offset of the first NUL at or after `from`, reading on as far as needed and keeping the
   * bytes from `keep` (≤ `from`) readable; -1 if none.
   */
  nulFrom(from: number, keep = from): number {
    for (let span = from - keep; ; ) {
      if (!this.need(keep, span + 1)) return -1
      const found = this.buf.indexOf(0, keep + span - this.base)
      if (found >= 0 && found < this.filled) return this.base + found
      span = this.base + this.filled - keep
    }
  }

  private readMore(): boolean {
    const at = this.base + this.filled
    const got = readSync(this.fd, this.buf, this.filled, this.buf.length - this.filled, at)
    if (got === 0) return false
    this.onRead?.(this.buf.subarray(this.filled, this.filled + got))
    this.filled += got
    return true
  }
}
