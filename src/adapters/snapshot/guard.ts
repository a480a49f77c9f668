import { createHash } from 'node:crypto'
import {
  appendFileSync,
  type BigIntStats,
  createReadStream,
  promises as fsp,
  lstatSync,
  type Stats,
} from 'node:fs'
import path from 'node:path'
import type { ChangedDuring } from '../../core/journal.js'
import { decodeBytes, fsPath } from '../../core/path-bytes.js'
import { CpoError } from '../../errors.js'
import { git, splitZ } from '../git.js'
import { type RecordedStats, unchangedByStat } from './stat-data.js'

/**
 * A path a restore is about to overwrite or remove, with what the snapshot it restores from (the
 * base: the state the plan was made from) holds there. `mode` is `000000` when the base has
 * nothing at the path.
 */
export interface BaseEntry {
  path: string
  mode: string
  oid: string
  /**
   * The restore puts a submodule (gitlink) here: a directory standing there is its checkout,
   * which git leaves alone, so what is inside is not in the way.
   */
  gitlinkTarget?: boolean
}

export type { ChangedDuring } from '../../core/journal.js'

export const NO_ENTRY = '000000'
export const GITLINK = '160000'

/**
 * Compare before destroy (README.md, "How the safety protocol works"): a scan is a photograph,
 * not a lock, so right before a restore overwrites or removes anything, every path it touches is
 * checked against the base snapshot: type, executable bit and content. So is anything standing
 * where the base has no entry among `entries` (a new file, files inside a new directory, a file
 * or symlink where a directory was), since a checkout would replace it: `lookup` finds what the
 * base holds at such paths (none when `entries` already lists every base path that matters).
 * The cost follows the touched paths only: an lstat each, and the content of those that exist
 * is hashed in process — unless `recorded` (the base's own scan, stat-data.ts) shows by stat
 * alone that the file is the one the base holds, untouched since (ARCHITECTURE.md §4).
 */
export async function changedOnDisk(
  root: string,
  entries: BaseEntry[],
  how: {
    lookup?: (paths: string[]) => Promise<Map<string, BaseEntry>>
    /** False: only what stands where the base has nothing; content is compared elsewhere. */
    contents?: boolean
    /** False with core.fileMode=false: git ignores the exec bit on disk, and so does the check. */
    execBit?: boolean
    /** Stat data the base's scan recorded, for given paths: a file it vouches for is not read. */
    recorded?: (paths: string[]) => RecordedStats | undefined
  } = {},
): Promise<string[]> {
  const { lookup, contents = true, execBit = true, recorded } = how
  const known = new Map(entries.filter((e) => e.mode !== NO_ENTRY).map((e) => [e.path, e]))
  const lstat = memoLstat(root)
  const changed = new Set<string>()
  const unknown = new Set<string>()
  const filtered: BaseEntry[] = []
  const stats = recorded?.([...known.keys()])
  // Decided by the lstat alone where it can be (the common case: stat data vouches), so only
  // the paths whose bytes must be read cost a promise.
  const check = (e: BaseEntry, vouching = stats): Promise<void> | undefined => {
    const st = lstat(e.path)
    if (!st) return undefined
    const seen = matchesByStat(e, st, execBit, vouched(vouching, e, st))
    if (seen === false) changed.add(e.path)
    if (seen !== undefined) return undefined
    return matches(root, e, st, execBit).then((same) => {
      if (same === 'raw bytes differ') filtered.push(e)
      else if (!same) changed.add(e.path)
    })
  }
  /** What `e` needs read beyond the lstat calls, which are made here, one after another. */
  const inspect = (e: BaseEntry): Promise<void> | undefined => {
    const parts = e.path.split('/')
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/')
      const st = lstat(dir)
      if (!st) return // nothing on disk at or below it
      if (st.isDirectory()) continue
      // A file or symlink on the way: a checkout would replace it, a removal would go
      // through the link. One `entries` lists is checked as a path of its own.
      if (!known.has(dir)) unknown.add(dir)
      return
    }
    if (e.mode !== NO_ENTRY) return contents ? check(e) : undefined
    const st = lstat(e.path)
    if (!st) return
    if (!st.isDirectory()) unknown.add(e.path)
    else if (!e.gitlinkTarget) {
      return filesBelow(path.join(root, e.path)).then((files) => {
        for (const f of files) if (!known.has(`${e.path}/${f}`)) unknown.add(`${e.path}/${f}`)
      })
    }
  }
  const reading: Promise<void>[] = []
  for (const e of entries) {
    const read = inspect(e)
    if (read) reading.push(read)
  }
  await Promise.all(reading)
  const found = lookup && unknown.size > 0 ? await lookup([...unknown]) : new Map()
  const foundStats = found.size > 0 ? recorded?.([...found.keys()]) : undefined
  await Promise.all(
    [...unknown].map((p) => {
      const e = found.get(p)
      if (e) return check(e, foundStats)
      changed.add(p)
      return undefined
    }),
  )
  for (const p of await differAfterFilters(root, filtered)) changed.add(p)
  return [...changed].sort()
}

/**
 * A snapshot made through `git add`'s filters (eol conversion, clean filters) holds the filtered
 * content: bytes on disk that differ from it may be unchanged all the same. One hash-object
 * call filters and hashes them all; it reads paths by line, so a name with a newline (or a
 * leading quote) counts as changed (captured again: the safe side).
 */
async function differAfterFilters(root: string, entries: BaseEntry[]): Promise<string[]> {
  // A line starting with a quote would be unquoted C-style.
  const plain = (e: BaseEntry) => !e.path.includes('\n') && !e.path.startsWith('"')
  const byLine = entries.filter(plain)
  const differ = entries.filter((e) => !plain(e)).map((e) => e.path)
  if (byLine.length === 0) return differ
  const ids = await git(root, ['hash-object', '--stdin-paths'], {
    input: `${byLine.map((e) => e.path).join('\n')}\n`,
  }).then(
    (r) => r.stdout.split('\n'),
    // A file gone or unreadable meanwhile: it changed.
    () => [],
  )
  byLine.forEach((e, i) => {
    if (ids[i] !== e.oid) differ.push(e.path)
  })
  return differ
}

/**
 * What stands on disk at, above or below each of `paths` and is not a directory: everything a
 * checkout of those paths would replace.
 */
export async function standingAt(root: string, paths: string[]): Promise<string[]> {
  return changedOnDisk(
    root,
    paths.map((p) => ({ path: p, mode: NO_ENTRY, oid: '' })),
  )
}

/** Files, symlinks and other non-directories below `dir`, relative to it. */
export async function filesBelow(dir: string): Promise<string[]> {
  const out: string[] = []
  // Names are read as bytes (ARCHITECTURE.md §4, "Paths are bytes").
  const walk = async (rel: string): Promise<void> => {
    const at = fsPath(rel === '' ? dir : path.join(dir, rel))
    for (const e of await fsp.readdir(at, { withFileTypes: true, encoding: 'buffer' })) {
      const name = rel === '' ? decodeBytes(e.name) : `${rel}/${decodeBytes(e.name)}`
      if (e.isDirectory()) await walk(name)
      else out.push(name)
    }
  }
  await walk('')
  return out
}

/** Whether the base's recorded stat data shows `st` is the file `e` names, untouched. */
export function vouched(
  recorded: RecordedStats | undefined,
  e: BaseEntry,
  st: BigIntStats,
): boolean {
  if (!recorded) return false
  const rec = recorded.get(e.path)
  return rec?.oid === e.oid && rec.mode === e.mode && unchangedByStat(rec, st, recorded.since)
}

/**
 * lstat by path relative to `root`, each path once. Synchronous: thousands of lstat calls
 * through the thread pool, each a promise, cost several times the calls themselves
 * (ARCHITECTURE.md §29); what they find is the same.
 */
function memoLstat(root: string): (rel: string) => BigIntStats | undefined {
  const stats = new Map<string, BigIntStats | undefined>()
  return (rel) => {
    if (stats.has(rel)) return stats.get(rel)
    let st: BigIntStats | undefined
    try {
      st = lstatSync(fsPath(path.join(root, rel)), { bigint: true, throwIfNoEntry: false })
    } catch (e) {
      // Below something that is not a directory: nothing there.
      if ((e as NodeJS.ErrnoException).code !== 'ENOTDIR') throw e
    }
    stats.set(rel, st)
    return st
  }
}

/** What `matches` can tell from the lstat alone; undefined when the bytes must be read. */
function matchesByStat(
  e: BaseEntry,
  st: Stats | BigIntStats,
  execBit: boolean,
  vouched: boolean,
): boolean | undefined {
  // A submodule's own files are its repository's business; the directory is what git tracks.
  if (e.mode === GITLINK) return st.isDirectory()
  if (e.mode === '120000') return st.isSymbolicLink() ? undefined : false
  if (e.mode !== '100644' && e.mode !== '100755') return false
  if (!st.isFile()) return false
  // git records only the owner's executable bit.
  if (execBit && ((Number(st.mode) & 0o100) !== 0) !== (e.mode === '100755')) return false
  return vouched ? true : undefined
}

/**
 * Whether what stands at `root/e.path` (`st`, its lstat) is what `e` records; 'raw bytes differ'
 * for a regular file of the right type whose bytes differ, which git's filters may still map to
 * the same blob. Also used for copies a restore moved aside (aside-copies.ts). `vouched`: stat
 * data shows the file unchanged since it held `e.oid` (see `vouched`), so its bytes are not read.
 */
export async function matches(
  root: string,
  e: BaseEntry,
  st: Stats | BigIntStats,
  execBit: boolean,
  vouched = false,
): Promise<boolean | 'raw bytes differ'> {
  const seen = matchesByStat(e, st, execBit, vouched)
  if (seen !== undefined) return seen
  const abs = fsPath(path.join(root, e.path))
  if (e.mode === '120000') {
    return blobId(e.oid, await fsp.readlink(abs, { encoding: 'buffer' })) === e.oid
  }
  traceRead('guard', e.path)
  return (await fileBlobId(abs, Number(st.size), e.oid)) === e.oid || 'raw bytes differ'
}

const TRACE = process.env.CPO_TRACE_READS

/**
 * With CPO_TRACE_READS=<file>, every file whose content compare-before-destroy reads is
 * appended to it (`<where> <path>` a line): how tests show an unchanged file is not read.
 */
export function traceRead(where: 'guard' | 'aside', p: string): void {
  if (TRACE) appendFileSync(TRACE, `${where} ${p}\n`)
}

/** The id git gives a blob with these bytes, in the repository's hash (told by `like`'s length). */
function blobId(like: string, bytes: Buffer): string {
  return createHash(like.length === 64 ? 'sha256' : 'sha1')
    .update(`blob ${bytes.length}\0`)
    .update(bytes)
    .digest('hex')
}

function fileBlobId(file: string | Buffer, size: number, like: string): Promise<string> {
  const hash = createHash(like.length === 64 ? 'sha256' : 'sha1').update(`blob ${size}\0`)
  let read = 0
  return new Promise((resolve, reject) => {
    createReadStream(file)
      .on('data', (chunk) => {
        read += chunk.length
        hash.update(chunk)
      })
      .on('error', reject)
      // Bytes written while it was read make the header wrong, and so the id: it differs.
      .on('end', () => resolve(read === size ? hash.digest('hex') : ''))
  })
}

/**
 * Of paths about to be destroyed, those no snapshot can hold: ignored files (tracked ones are
 * never reported: check-ignore without --no-index leaves them out) and those `leftOut` of the
 * snapshot (too large, inside a nested repository).
 */
export async function uncapturable(
  root: string,
  paths: string[],
  leftOut: (p: string) => boolean,
): Promise<string[]> {
  if (paths.length === 0) return []
  const { stdout } = await git(root, ['check-ignore', '-z', '--stdin'], {
    input: `${paths.join('\0')}\0`,
    okCodes: [1],
  })
  return [...new Set([...splitZ(stdout), ...paths.filter(leftOut)])].sort()
}

export function uncapturedError(paths: string[]): CpoError {
  const list = [...paths].sort()
  const more = list.length > 10 ? ` (+${list.length - 10} more)` : ''
  return new CpoError(
    'UNCAPTURED_FILES_IN_THE_WAY',
    'conflict',
    `restoring would overwrite files that are ignored or too large to snapshot: ${list.slice(0, 10).join(', ')}${more}`,
    { hint: 'Move these files out of the way, then run the command again.', details: list },
  )
}

/** The files kept changing faster than the restore could capture them. */
export function stillChangingError(paths: string[], during: ChangedDuring[]): CpoError {
  const list = [...paths].sort()
  const held = during.map((d) => d.snapshot).join(', ')
  return new CpoError(
    'FILES_CHANGING',
    'conflict',
    `files kept changing while cpo restored them: ${list.slice(0, 10).join(', ')}${list.length > 10 ? ` (+${list.length - 10} more)` : ''}; no file was overwritten${held ? ` (their states so far are in snapshot ${held})` : ''}`,
    {
      hint: 'Stop the program writing to them (editor, formatter, dev server), then run the command again.',
      details: { paths: list, snapshots: during.map((d) => d.snapshot) },
    },
  )
}
