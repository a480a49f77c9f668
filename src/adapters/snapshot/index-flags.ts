import { git, splitZ } from '../git.js'
import type { Repo } from '../repo.js'

/**
 * Index bits that hide work-tree state from `git status`: a file marked skip-worktree or
 * assume-unchanged can differ from its entry (a local password in `config.ini`), and with
 * sparse-checkout skip-worktree files are not on disk at all. A tree holds none of this.
 */
export interface HiddenEntry {
  path: string
  /** The entry's mode and blob, to tell whether the file on disk still holds it. */
  mode: string
  oid: string
  skipWorktree: boolean
  assumeUnchanged: boolean
}

const CE_VALID = 0x8000 // assume-unchanged
const CE_EXTENDED = 0x4000
const CE_SKIP_WORKTREE = 0x4000 // in the extended flags

/**
 * Whether the index (its bytes, as copied for a scan) may hold a skip-worktree or
 * assume-unchanged entry. Reading the flags of every entry here costs about a millisecond for
 * 20,000 entries, where `git ls-files -v` costs a process (~6 ms); so that one runs only when an
 * entry has a bit set. Anything this walk does not understand (an unknown version, a split
 * index whose entries live in another file) answers "maybe".
 */
export function mayHaveHiddenEntries(index: Buffer): boolean {
  if (index.length < 12 || index.toString('latin1', 0, 4) !== 'DIRC') return index.length > 0
  const version = index.readUInt32BE(4)
  if (version < 2 || version > 4) return true
  // SHA-1 or SHA-256: only the right one walks the entries to a well-formed end.
  for (const hashSize of [20, 32]) {
    const found = walkEntries(index, version, hashSize)
    if (found !== undefined) return found
  }
  return true
}

/**
 * True when an entry has a bit set, false when none has, undefined when the bytes do not parse
 * as entries with this hash size (or the index is split: its `link` extension).
 */
function walkEntries(index: Buffer, version: number, hashSize: number): boolean | undefined {
  const count = index.readUInt32BE(8)
  const flagsAt = 40 + hashSize // ctime, mtime, dev, ino, mode, uid, gid, size, then the oid
  const length = index.length
  let at = 12
  let hidden = false
  // Bytes read by hand: this loop runs once per entry, cold (a call per read is slower there).
  for (let n = 0; n < count; n++) {
    if (at + flagsAt + 2 > length) return undefined
    const flags = ((index[at + flagsAt] as number) << 8) | (index[at + flagsAt + 1] as number)
    let name = at + flagsAt + 2
    if (flags & CE_VALID) hidden = true
    if (flags & CE_EXTENDED) {
      if (version < 3 || name + 2 > length) return undefined
      if (((index[name] as number) << 8) & CE_SKIP_WORKTREE) hidden = true
      name += 2
    }
    if (version === 4) {
      // A varint (how much of the previous name to keep), then the rest of the name, NUL-ended.
      while (name < length && (index[name] as number) & 0x80) name++
      const end = index.indexOf(0, name + 1)
      if (end < 0) return undefined
      at = end + 1
    } else {
      const short = flags & 0xfff
      const end = short < 0xfff ? name + short : index.indexOf(0, name)
      if (end < 0 || end >= length || index[end] !== 0) return undefined
      // Entries are NUL-padded to a multiple of 8 bytes from their start (1 to 8 NULs).
      at += (end - at + 8) & ~7
    }
  }
  // Extensions (4-byte signature, 4-byte size) run up to the trailing checksum.
  while (at + 8 <= index.length - hashSize) {
    const signature = index.toString('latin1', at, at + 4)
    if (signature === 'link') return true
    at += 8 + index.readUInt32BE(at + 4)
  }
  return at === index.length - hashSize ? hidden : undefined
}

/**
 * Every entry with a hiding bit, as `git ls-files -v` tags them: `S` skip-worktree, a lowercase
 * tag assume-unchanged (`s` both).
 */
export async function readHiddenEntries(
  repo: Repo,
  env: Record<string, string>,
): Promise<HiddenEntry[]> {
  const { stdout } = await git(repo.root, ['ls-files', '-v', '-s', '-z'], { env })
  const hidden: HiddenEntry[] = []
  for (const rec of splitZ(stdout)) {
    // `<tag> <mode> <oid> <stage>\t<path>`
    const tag = rec[0] as string
    const assumeUnchanged = tag !== tag.toUpperCase()
    const skipWorktree = tag.toUpperCase() === 'S'
    if (!assumeUnchanged && !skipWorktree) continue
    const tab = rec.indexOf('\t')
    const [, mode = '', oid = ''] = rec.slice(0, tab).split(' ')
    hidden.push({ path: rec.slice(tab + 1), mode, oid, skipWorktree, assumeUnchanged })
  }
  return hidden
}

/**
 * Sets the bits on entries of the real index (each path must have one). `update-index` marks
 * every path it reads after the flag, and fails as a whole if one has no entry.
 */
export async function markEntries(
  repo: Repo,
  marks: { skipWorktree: string[]; assumeUnchanged: string[] },
): Promise<void> {
  const mark = async (flag: string, paths: string[]) => {
    if (paths.length === 0) return
    await git(repo.root, ['update-index', flag, '-z', '--stdin'], {
      input: `${paths.join('\0')}\0`,
    })
  }
  // One after the other: both write the index.
  await mark('--skip-worktree', marks.skipWorktree)
  await mark('--assume-unchanged', marks.assumeUnchanged)
}
