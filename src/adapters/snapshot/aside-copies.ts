import { createHash, randomBytes } from 'node:crypto'
import fs, { promises as fsp, type Stats } from 'node:fs'
import path from 'node:path'
import { fsPath, isPlainText } from '../../core/path-bytes.js'
import { git, gitBytes } from '../git.js'
import type { Repo } from '../repo.js'
import { attributesMayApply, snapshotOfKnownState } from './capture.js'
import { readWorkTreeConfig } from './conversion.js'
import { currentUmask, modeExceptions } from './file-modes.js'
import { type BaseEntry, matches, traceRead } from './guard.js'
import { onDiskOf } from './on-disk.js'
import { hashRawFiles } from './raw-files.js'
import type { OnDisk, Snapshot } from './types.js'

/**
 * What an lstat showed of a moved copy, kept until the copies are checked: the fields a write
 * changes, without the rest of a BigIntStats (dates, block counts), which thousands of copies
 * would keep alive through every collection of the young generation.
 */
export interface StatStamp {
  ino: bigint
  dev: bigint
  size: bigint
  mtimeNs: bigint
  ctimeNs: bigint
  mode: bigint
}

/** A file a restore moved aside (see aside.ts): what the base had at its path, and where it is. */
export interface MovedCopy {
  entry: BaseEntry
  /** The copy's location now (absolute). */
  at: string
  /** Its lstat right after the move, when stat data vouched for it (see Aside.settled). */
  settled?: StatStamp
}

export interface ChangedCopy extends MovedCopy {
  st: Stats
}

/**
 * The moved copies that differ from what the base snapshot holds at their paths: guard.ts's
 * comparison (type, the exec bit where git tracks it, content), made on the copy. A copy whose
 * raw bytes differ may still be unchanged after git's filters (line endings, a clean filter):
 * those are hashed through the filters that apply at the original path, one `hash-object
 * --path` each (the copy no longer sits where `.gitattributes` apply, so they cannot go in one
 * `--stdin-paths` call); this happens only for files git converts. A name that cannot go on a
 * command line counts as changed: captured again, the safe side.
 *
 * "Unchanged" also means "git gives it back": a copy that git would not recreate from the base
 * snapshot is captured as well, though nobody touched it — a clean file whose bytes a lossy
 * clean filter drops (nbstripout's notebook outputs: the blob has none, the file on disk does),
 * or a clean file whose permission bits git does not keep (a committed key at 0600) and that the
 * base snapshot does not record (`recordedModes`).
 *
 * A copy still showing exactly the lstat it had right after the move (`settled`) is not read,
 * where nothing can convert it (see `unconverted`): stat vouched for it before the move, and any
 * write since would show in its mtime or ctime.
 */
export async function changedCopies(
  repo: Repo,
  copies: MovedCopy[],
  execBit: boolean,
  recordedModes: Record<string, string> = {},
  base: { indexNamesAttributes: boolean } = { indexNamesAttributes: true },
): Promise<ChangedCopy[]> {
  const changed: ChangedCopy[] = []
  const filtered: ChangedCopy[] = []
  const umask = currentUmask()
  // The bits a restore of the base gives the file: the recorded ones, else git's for its entry.
  const modeKept = (c: MovedCopy, st: Pick<Stats, 'mode' | 'isFile'>) => {
    if (!st.isFile()) return true
    const recorded = recordedModes[c.entry.path]
    const given =
      recorded === undefined
        ? (c.entry.mode === '100755' ? 0o777 : 0o666) & ~umask
        : Number.parseInt(recorded, 8)
    return (st.mode & 0o7777) === given
  }
  const settled = await unconverted(
    repo,
    copies.filter((c) => stillSettled(c, modeKept)),
    base,
  )
  const unsure = copies.filter((c) => !settled.has(c) && !unchangedSmallFile(c, execBit, modeKept))
  await Promise.all(
    unsure.map(async (c) => {
      const st = await fsp.lstat(fsPath(c.at)).catch(() => undefined)
      // Gone from the quarantine: only a crash between manifest and rename leaves no copy.
      if (!st) return
      const copy = { ...c.entry, path: path.basename(c.at) }
      const same = await matches(path.dirname(c.at), copy, st, execBit)
      if (same === 'raw bytes differ') filtered.push({ ...c, st })
      else if (!same || !modeKept(c, st)) changed.push({ ...c, st })
    }),
  )
  for (let i = 0; i < filtered.length; i += FILTER_CALLS) {
    const batch = filtered.slice(i, i + FILTER_CALLS)
    const same = await Promise.all(
      batch.map(
        async (c) => modeKept(c, c.st) && (await sameAfterFilters(repo, c)) && recreated(repo, c),
      ),
    )
    changed.push(...batch.filter((_, k) => !same[k]))
  }
  return changed.sort((a, b) => (a.entry.path < b.entry.path ? -1 : 1))
}

/**
 * The common case, decided at once: a small regular file whose type, exec bit and bytes are
 * exactly the entry's (what `matches` would say too). Read synchronously: for hundreds of small
 * files, a thread-pool round trip per open, read and close costs several times the reading (500
 * files of a few hundred bytes: ~8 ms against ~60 ms). Anything else goes to `matches`.
 */
function unchangedSmallFile(
  c: MovedCopy,
  execBit: boolean,
  modeKept: (c: MovedCopy, st: Stats) => boolean,
): boolean {
  const { mode, oid } = c.entry
  if (mode !== '100644' && mode !== '100755') return false
  try {
    const st = fs.lstatSync(fsPath(c.at))
    if (!st.isFile() || st.size > SMALL) return false
    if (execBit && ((st.mode & 0o100) !== 0) !== (mode === '100755')) return false
    if (!modeKept(c, st)) return false
    traceRead('aside', c.entry.path)
    const bytes = fs.readFileSync(fsPath(c.at))
    return (
      createHash(oid.length === 64 ? 'sha256' : 'sha1')
        .update(`blob ${bytes.length}\0`)
        .update(bytes)
        .digest('hex') === oid
    )
  } catch {
    return false
  }
}

const SMALL = 256 * 1024

/** Whether a copy shows exactly its lstat from right after the move, with the bits kept. */
function stillSettled(
  c: MovedCopy,
  modeKept: (c: MovedCopy, st: Pick<Stats, 'mode' | 'isFile'>) => boolean,
): boolean {
  const was = c.settled
  if (!was) return false
  try {
    const st = fs.lstatSync(fsPath(c.at), { bigint: true })
    const same =
      st.ino === was.ino &&
      st.dev === was.dev &&
      st.size === was.size &&
      st.mtimeNs === was.mtimeNs &&
      st.ctimeNs === was.ctimeNs &&
      st.mode === was.mode
    return same && modeKept(c, { mode: Number(st.mode), isFile: () => st.isFile() })
  } catch {
    return false
  }
}

/**
 * Of `copies`, those no filter or line-ending conversion can apply to: for them "the bytes the
 * entry names" is "the bytes on disk", which is what the stat data vouched for. (Stat data
 * vouches for content as git sees it, through filters: a lossy clean filter would make the copy
 * hold more than the blob.) With core.autocrlf, or any attributes that may apply, none.
 */
async function unconverted(
  repo: Repo,
  copies: MovedCopy[],
  base: { indexNamesAttributes: boolean },
): Promise<Set<MovedCopy>> {
  if (copies.length === 0) return new Set()
  if (copies.some((c) => path.basename(c.entry.path) === '.gitattributes')) return new Set()
  const config = await readWorkTreeConfig(repo)
  const paths = copies.map((c) => c.entry.path)
  if (config.autocrlf || attributesMayApply(repo, base, paths, config)) return new Set()
  return new Set(copies)
}

/** git processes run side by side for filtered copies: a few, not one per file at once. */
const FILTER_CALLS = 4

async function sameAfterFilters(repo: Repo, c: MovedCopy): Promise<boolean> {
  if (!isPlainText(c.entry.path) || !isPlainText(c.at)) return false
  const r = await git(repo.root, ['hash-object', `--path=${c.entry.path}`, '--', c.at]).catch(
    () => undefined,
  )
  return r?.stdout.trim() === c.entry.oid
}

/**
 * Whether checking the base's blob out at the copy's path (smudge filter, line endings) gives
 * back the copy's very bytes. When it does, nothing is lost by dropping the copy.
 */
async function recreated(repo: Repo, c: MovedCopy): Promise<boolean> {
  const [out, bytes] = await Promise.all([
    gitBytes(repo.root, ['cat-file', '--filters', `--path=${c.entry.path}`, c.entry.oid]).catch(
      () => undefined,
    ),
    fsp.readFile(fsPath(c.at)).catch(() => undefined),
  ])
  return out !== undefined && bytes !== undefined && out.stdout.equals(bytes)
}

/**
 * A `during` snapshot: the base snapshot's state with the changed copies in place of its entries
 * at their original paths. Their bytes go into the object store as they are (`--no-filters`,
 * listed as raw, so a restore writes them back the same way) with their full permission bits;
 * the tree is the base's work-tree tree with those entries replaced, through a scratch index.
 * It is stored like every snapshot (a ref under refs/cpo/snapshots), so gc keeps it.
 */
export async function snapshotWithCopies(
  repo: Repo,
  base: Snapshot,
  changed: ChangedCopy[],
  how: { execBit: boolean; scratch: string; message: string; operation?: string },
): Promise<Snapshot> {
  const files = changed.filter((c) => c.st.isFile())
  const links = changed.filter((c) => c.st.isSymbolicLink())
  // A symlink's blob is its target; hash-object would read through the link.
  const targets = await Promise.all(
    links.map(async (c, k) => {
      const file = path.join(how.scratch, `link-${k}`)
      await fsp.writeFile(file, await fsp.readlink(fsPath(c.at), { encoding: 'buffer' }))
      return file
    }),
  )
  const oids = await hashRawFiles(repo, [...files.map((c) => c.at), ...targets])
  const lines = [
    ...files.map((c, k) => `${fileMode(c, how.execBit)} ${oids[k]}\t${c.entry.path}\0`),
    ...links.map((c, k) => `120000 ${oids[files.length + k]}\t${c.entry.path}\0`),
  ]
  const worktreeTree = await treeWithEntries(repo, base.worktreeTree, lines.join(''))
  const paths = changed.map((c) => c.entry.path)
  const modes = modeExceptions(
    files.map((c) => [c.entry.path, c.st]),
    how.execBit,
  )
  return snapshotOfKnownState(
    repo,
    {
      head: base.head,
      branch: base.branch,
      indexTree: base.indexTree,
      worktreeTree,
      dirty: [...new Set([...base.dirty, ...paths])],
      refs: base.refs,
      skipped: base.skipped,
      ...onDiskWith(base, worktreeTree, new Set(paths), files, modes),
      ...(base.skipWorktree ? { skipWorktree: base.skipWorktree } : {}),
      ...(base.assumeUnchanged ? { assumeUnchanged: base.assumeUnchanged } : {}),
    },
    {
      kind: 'during',
      message: how.message,
      ...(how.operation === undefined ? {} : { operation: how.operation }),
    },
  )
}

/** The tree mode git would record for a copy: its exec bit, unless core.fileMode is off. */
function fileMode(c: ChangedCopy, execBit: boolean): '100644' | '100755' {
  const exec = execBit ? (c.st.mode & 0o100) !== 0 : c.entry.mode === '100755'
  return exec ? '100755' : '100644'
}

/** The base's raw paths and modes, with the replaced paths' facts swapped for the copies'. */
function onDiskWith(
  base: Snapshot,
  tree: string,
  replaced: Set<string>,
  files: ChangedCopy[],
  modes: Record<string, string>,
): { onDisk?: OnDisk } {
  const facts = onDiskOf(base)
  const raw = [...[...facts.raw].filter((p) => !replaced.has(p)), ...files.map((c) => c.entry.path)]
  const kept = Object.entries(facts.modes).filter(([p]) => !replaced.has(p))
  const allModes = { ...Object.fromEntries(kept), ...modes }
  const hasModes = Object.keys(allModes).length > 0
  if (raw.length === 0 && !hasModes) return {}
  return {
    onDisk: {
      tree,
      ...(raw.length > 0 ? { raw: raw.sort() } : {}),
      ...(hasModes ? { modes: allModes } : {}),
    },
  }
}

/** `tree` with index-info lines applied, through a scratch index read from it. */
async function treeWithEntries(repo: Repo, tree: string, indexInfo: string): Promise<string> {
  const env = {
    GIT_INDEX_FILE: path.join(repo.cpoDir, 'tmp', `during-${randomBytes(4).toString('hex')}`),
  }
  try {
    await git(repo.root, ['read-tree', tree], { env })
    await git(repo.root, ['update-index', '-z', '--index-info'], { env, input: indexInfo })
    return (await git(repo.root, ['write-tree'], { env })).stdout.trim()
  } finally {
    await fsp.rm(env.GIT_INDEX_FILE, { force: true })
  }
}
