import { randomBytes } from 'node:crypto'
import { promises as fsp, type Stats } from 'node:fs'
import path from 'node:path'
import type { RefLeftAlone, RefUpdate } from '../../core/refs.js'
import { CpoError } from '../../errors.js'
import { failpoint } from '../failpoint.js'
import { fitsCommandLine, git, splitZ } from '../git.js'
import type { Repo } from '../repo.js'
import { applyModes } from './file-modes.js'
import { markEntries } from './index-flags.js'
import { filesToWrite, indexMarks, onDiskOf } from './on-disk.js'
import { writeRawFiles } from './raw-files.js'
import { setHead, updateRefs } from './refs-restore.js'
import type { Snapshot } from './types.js'

export interface TreeChange {
  status: 'A' | 'D' | 'M' | 'T'
  path: string
  /** Mode and object id on the `to` side (`000000` and zeros for a deletion). */
  mode: string
  oid: string
}

/** A tree entry to write: mode, object id and path, as ls-tree and diff-tree report them. */
interface TreeEntry {
  mode: string
  oid: string
  path: string
}

export interface RestoreResult {
  written: string[]
  removed: string[]
  refsUpdated: RefUpdate[]
  /** Refs the restore would have moved but left where they are (see RefLeftAlone). */
  refsLeftAlone?: RefLeftAlone[]
  /** Set when HEAD or the checked-out branch changed (commits leave the branch, or return). */
  headMoved?: { fromBranch: string | null; toBranch: string | null; from: string; to: string }
}

/** What changes in the work tree when going from snapshot `from` to snapshot `to`. */
export async function diffTrees(repo: Repo, from: string, to: string): Promise<TreeChange[]> {
  if (from === to) return []
  const { stdout } = await git(repo.root, ['diff-tree', '-r', '-z', '--no-renames', from, to])
  const fields = splitZ(stdout)
  const changes: TreeChange[] = []
  for (let i = 0; i + 1 < fields.length; i += 2) {
    // `:<old mode> <new mode> <old oid> <new oid> <status>`
    const [, mode = '', , oid = '', status = ''] = (fields[i] as string).trim().split(' ')
    changes.push({
      status: status[0] as TreeChange['status'],
      path: fields[i + 1] as string,
      mode,
      oid,
    })
  }
  return changes
}

/**
 * Makes work tree, index, HEAD and branch equal to `target`. `current` is a snapshot of the state
 * right now (the restoring operation's own before-snapshot): only paths that differ are touched,
 * files that did not exist in `target` are removed (they are safe in `current`), and ignored files
 * are never touched.
 */
export async function restoreSnapshot(
  repo: Repo,
  target: Snapshot,
  current: Snapshot,
  how: {
    /** Branches and tags to move, each checked against where it is now. */
    refs?: RefUpdate[]
    /** The reflog message of every ref the restore moves (HEAD included). */
    reflog?: string
  } = {},
): Promise<RestoreResult> {
  const refUpdates = how.refs ?? []
  const reflog = how.reflog ?? 'cpo: restore'
  const [changes, unstagedInTarget] = await Promise.all([
    diffTrees(repo, current.worktreeTree, target.worktreeTree),
    diffTrees(repo, target.indexTree, target.worktreeTree),
  ])
  // A file the target snapshot had to leave out (too large, a nested repository) was on disk
  // then and stays: it is not the target's to remove.
  const skipped = leftOut(target)
  const deleted = changes.filter((c) => c.status === 'D').map((c) => c.path)
  const removed = deleted.filter((p) => !skipped(p))
  const toWrite = filesToWrite(
    changes.filter((c) => c.status !== 'D'),
    current,
    target,
  )
  const written = toWrite.map((c) => c.path)
  await refuseToOverwriteUncaptured(repo, changes)

  failpoint('restore-refs')
  const refs = await updateRefs(repo, target, current, refUpdates, reflog)
  failpoint('restore-head')
  await setHead(repo, target, current, refs.moved, reflog)
  await removeFiles(repo.root, removed)
  failpoint('restore-deletions')
  await checkoutFiles(repo, toWrite, target)
  failpoint('restore-writes')
  // A rewritten file whose index entry holds the same content looks modified to git plumbing
  // until a refresh records its new stat data; one that differs from its entry (or has none)
  // looks modified anyway, and a refresh would gain nothing.
  const differs = new Set(unstagedInTarget.map((c) => c.path))
  const stale = written.filter((p) => !differs.has(p))
  // When both sides' index equals their work tree, the index changes exactly as the work tree
  // did, and every path whose entry changes holds its target content on disk (unless a file
  // left out of the target stayed).
  const clean =
    current.indexTree === current.worktreeTree && target.indexTree === target.worktreeTree
  // Entries made by `git add -N` are in no tree: with any on either side the index is read from
  // the target's tree whole, and the target's are made again.
  const intentToAdd = target.intentToAdd ?? []
  const whole = intentToAdd.length > 0 || (current.intentToAdd?.length ?? 0) > 0
  await setIndex(repo, current.indexTree, target.indexTree, {
    whole,
    stale,
    ...(clean ? { known: changes } : {}),
    fromDisk: target.indexTree === target.worktreeTree && removed.length === deleted.length,
    marks: { ...indexMarks(target, current), current },
  })
  if (intentToAdd.length > 0) {
    await git(repo.root, ['add', '-N', '--pathspec-from-file=-', '--pathspec-file-nul'], {
      input: `${intentToAdd.join('\0')}\0`,
      env: { GIT_LITERAL_PATHSPECS: '1' },
    })
  }
  failpoint('restore-index')
  const moved = current.head !== target.head || current.branch !== target.branch
  return {
    written,
    removed,
    refsUpdated: refs.updated,
    ...(refs.leftAlone.length > 0 ? { refsLeftAlone: refs.leftAlone } : {}),
    ...(moved
      ? {
          headMoved: {
            fromBranch: current.branch,
            toBranch: target.branch,
            from: current.head,
            to: target.head,
          },
        }
      : {}),
  }
}

/**
 * The files a snapshot holds at or below each of `paths` (a directory means every file in it).
 * A path the snapshot does not have is an error, found before anything changes.
 */
export async function filesInSnapshot(
  repo: Repo,
  target: Snapshot,
  paths: string[],
): Promise<string[]> {
  const { stdout } = await git(
    repo.root,
    ['ls-tree', '-r', '-z', '--name-only', '--full-tree', target.worktreeTree, '--', ...paths],
    { env: { GIT_LITERAL_PATHSPECS: '1' } },
  )
  const files = splitZ(stdout)
  const missing = paths.filter(
    (p) => !files.some((f) => f === stripSlash(p) || f.startsWith(`${stripSlash(p)}/`)),
  )
  if (missing.length > 0) {
    throw new CpoError(
      'PATH_NOT_IN_SNAPSHOT',
      'notFound',
      `not in snapshot ${target.id}: ${missing.join(', ')}`,
      { hint: `See what it holds with: git ls-tree -r --name-only ${target.commit}` },
    )
  }
  return files
}

/** Writes chosen files from a snapshot, leaving HEAD, index and every other file alone. */
export async function restoreFiles(
  repo: Repo,
  target: Snapshot,
  files: string[],
): Promise<RestoreResult> {
  const entries = await treeEntries(repo, target.worktreeTree, files)
  failpoint('restore-writes')
  await checkoutFiles(repo, entries, target)
  return { written: files, removed: [], refsUpdated: [] }
}

/**
 * Mode and object of each of `files` in `tree`. A few files are looked up by name; for many, one
 * listing of the whole tree is cheaper (ls-tree matches every entry against every name: for a
 * 20,000-file tree, 100 names take ~10 ms, 500 as long as the full listing, ~30 ms), and long
 * lists would not fit on a command line anyway.
 */
async function treeEntries(repo: Repo, tree: string, files: string[]): Promise<TreeEntry[]> {
  const byName = fitsCommandLine(files, 200)
  const { stdout } = await git(
    repo.root,
    ['ls-tree', '-r', '-z', '--full-tree', tree, ...(byName ? ['--', ...files] : [])],
    // Names are names, not pathspec magic (a file may be called `:(top)x`).
    { env: { GIT_LITERAL_PATHSPECS: '1' } },
  )
  const wanted = new Set(files)
  const entries: TreeEntry[] = []
  for (const line of splitZ(stdout)) {
    // `<mode> <type> <oid>\t<path>`
    const tab = line.indexOf('\t')
    const [mode = '', , oid = ''] = line.slice(0, tab).split(' ')
    const file = line.slice(tab + 1)
    if (wanted.has(file)) entries.push({ mode, oid, path: file })
  }
  if (entries.length !== wanted.size) {
    const found = new Set(entries.map((e) => e.path))
    const missing = [...wanted].filter((f) => !found.has(f))
    throw new CpoError('PATH_NOT_IN_SNAPSHOT', 'notFound', `not in the tree: ${missing.join(', ')}`)
  }
  return entries
}

const stripSlash = (p: string): string => p.replace(/\/+$/, '')

/**
 * A path the target has but the current snapshot lacks may still exist on disk as an ignored or
 * too-large untracked file, and so may a file or symlink where the target needs a directory
 * (checkout replaces it). Overwriting either would destroy data no snapshot holds, so refuse.
 * What lies beyond a symlink is never written through, and things the current snapshot holds
 * (`removed`) are gone before anything is written.
 */
async function refuseToOverwriteUncaptured(repo: Repo, changes: TreeChange[]): Promise<void> {
  const removed = new Set(changes.filter((c) => c.status === 'D').map((c) => c.path))
  const added = changes.filter((c) => c.status === 'A').map((c) => c.path)
  const stats = new Map<string, Promise<Stats | undefined>>()
  const lstat = (rel: string) => {
    let st = stats.get(rel)
    if (!st) {
      st = fsp.lstat(path.join(repo.root, rel)).catch(() => undefined)
      stats.set(rel, st)
    }
    return st
  }
  const blocked = new Set<string>()
  await Promise.all(
    added.map(async (p) => {
      const parts = p.split('/')
      for (let i = 1; i < parts.length; i++) {
        const dir = parts.slice(0, i).join('/')
        const st = await lstat(dir)
        if (!st) return // nothing on disk at or below it
        if (st.isDirectory()) continue
        if (!removed.has(dir)) blocked.add(dir)
        return
      }
      const st = await lstat(p)
      if (!st) return
      if (!st.isDirectory()) blocked.add(p)
      else {
        const inside = await listFiles(path.join(repo.root, p))
        for (const f of inside) if (!removed.has(`${p}/${f}`)) blocked.add(`${p}/${f}`)
      }
    }),
  )
  if (blocked.size > 0) throw uncapturedError([...blocked])
}

/**
 * Restoring chosen paths overwrites what stands there. Tracked and untracked files are safe in
 * the operation's before-snapshot, but an ignored file is in no snapshot: refuse to touch it.
 */
export async function refuseToOverwriteIgnored(repo: Repo, files: string[]): Promise<void> {
  const present = (
    await Promise.all(
      files.map((f) =>
        fsp.lstat(path.join(repo.root, f)).then(
          () => f,
          () => undefined,
        ),
      ),
    )
  ).filter((f): f is string => f !== undefined)
  if (present.length === 0) return
  // Without --no-index, check-ignore leaves tracked files out: they are captured.
  const { stdout } = await git(repo.root, ['check-ignore', '-z', '--stdin'], {
    input: `${present.join('\0')}\0`,
    okCodes: [1],
  })
  const ignored = splitZ(stdout)
  if (ignored.length > 0) throw uncapturedError(ignored)
}

function uncapturedError(paths: string[]): CpoError {
  const list = [...paths].sort()
  const more = list.length > 10 ? ` (+${list.length - 10} more)` : ''
  return new CpoError(
    'UNCAPTURED_FILES_IN_THE_WAY',
    'conflict',
    `restoring would overwrite files that are ignored or too large to snapshot: ${list.slice(0, 10).join(', ')}${more}`,
    { hint: 'Move these files out of the way, then run the command again.', details: list },
  )
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await fsp.readdir(dir, { recursive: true, withFileTypes: true })
  return entries
    .filter((e) => !e.isDirectory())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
}

async function removeFiles(root: string, files: string[]): Promise<void> {
  const dirs = new Set<string>()
  await Promise.all(
    files.map(async (f) => {
      await fsp.rm(path.join(root, f), { force: true }).catch((e: NodeJS.ErrnoException) => {
        // A parent that became a file means the path is already gone.
        if (e.code !== 'ENOTDIR') throw e
      })
      for (let d = path.dirname(f); d !== '.'; d = path.dirname(d)) dirs.add(d)
    }),
  )
  // Deepest first; a directory that still holds anything (e.g. ignored files) stays.
  for (const d of [...dirs].sort((a, b) => b.length - a.length)) {
    await fsp.rmdir(path.join(root, d)).catch(() => undefined)
  }
}

/**
 * Writes files through a scratch index, so git applies modes, symlinks and filters. The scratch
 * index holds only the entries to write, not the whole tree: loading every entry of a large tree
 * costs far more than writing a handful of files. Files the snapshot took raw from disk are
 * written back raw, without filters, and every file gets the permission bits it recorded.
 */
async function checkoutFiles(repo: Repo, entries: TreeEntry[], from: Snapshot): Promise<void> {
  if (entries.length === 0) return
  const { raw, modes } = onDiskOf(from)
  const isRaw = (e: TreeEntry) => raw.has(e.path) && (e.mode === '100644' || e.mode === '100755')
  const viaGit = entries.filter((e) => !isRaw(e))
  if (viaGit.length > 0) {
    const env = {
      GIT_INDEX_FILE: path.join(repo.cpoDir, 'tmp', `checkout-${randomBytes(4).toString('hex')}`),
    }
    try {
      await git(repo.root, ['update-index', '-z', '--index-info'], {
        env,
        input: viaGit.map((e) => `${e.mode} ${e.oid}\t${e.path}\0`).join(''),
      })
      await git(repo.root, ['checkout-index', '-f', '-z', '--stdin'], {
        env,
        input: `${viaGit.map((e) => e.path).join('\0')}\0`,
      })
    } finally {
      await fsp.rm(env.GIT_INDEX_FILE, { force: true })
    }
  }
  await writeRawFiles(repo, entries.filter(isRaw))
  await applyModes(
    repo.root,
    entries.map((e) => e.path),
    modes,
  )
}

/**
 * Makes the real index hold `targetTree`. It holds `currentTree` now (the restoring operation's
 * before-snapshot was just taken from it, under the lock), so only entries that differ are
 * replaced and every other entry keeps its cached stat data, as with `read-tree -m` but without
 * reading both trees whole. write-tree checks the result; should it differ (something changed
 * the index meanwhile, or a filter does not give back what it wrote), the index is read from the
 * target tree whole.
 *
 * `fromDisk`: every path whose entry changes holds its target content on disk now, so one
 * `update-index` of those paths (and of the `stale` files just rewritten) records content and
 * stat data in a single pass. Otherwise the entries are set from the tree and the stat data of
 * the entries that need it refreshed after, so plumbing such as `git diff-files` does not report
 * unchanged files. `known` saves diffing the trees again when the caller has the changes.
 * `whole` reads the target tree into the index outright (and refreshes every entry).
 */
async function setIndex(
  repo: Repo,
  currentTree: string,
  targetTree: string,
  how: {
    whole: boolean
    stale: string[]
    known?: TreeChange[]
    fromDisk: boolean
    marks: IndexMarks
  },
): Promise<void> {
  let refresh: string[] | 'all' = how.stale
  // Entries replaced (or all, when read whole) lose their skip-worktree and assume-unchanged
  // bits, so those are set again; and a skip-worktree file left off disk is no file to stage.
  const marked = how.marks.skipWorktree.length + how.marks.assumeUnchanged.length > 0
  let replaced: TreeChange[] | 'all' = []
  if (how.whole) {
    await git(repo.root, ['read-tree', targetTree])
    refresh = 'all'
    replaced = 'all'
  } else if (currentTree !== targetTree) {
    try {
      const changes = how.known ?? (await diffTrees(repo, currentTree, targetTree))
      replaced = changes
      if (how.fromDisk && !marked) {
        const paths = [...new Set([...changes.map((c) => c.path), ...how.stale])]
        await git(repo.root, ['update-index', '--add', '--remove', '--replace', '-z', '--stdin'], {
          input: `${paths.join('\0')}\0`,
        })
      } else {
        await git(repo.root, ['update-index', '-z', '--index-info'], {
          input: changes.map((c) => `${c.mode} ${c.oid}\t${c.path}\0`).join(''),
        })
      }
      const tree = (await git(repo.root, ['write-tree'])).stdout.trim()
      if (tree !== targetTree) throw new Error(`the index holds ${tree}, not ${targetTree}`)
      const rewritten = changes.filter((c) => c.status !== 'D').map((c) => c.path)
      refresh = how.fromDisk && !marked ? [] : [...new Set([...how.stale, ...rewritten])]
    } catch {
      await git(repo.root, ['read-tree', targetTree])
      refresh = 'all'
      replaced = 'all'
    }
  }
  if (marked) await restoreMarks(repo, targetTree, how.marks, replaced)
  if (refresh === 'all') await refreshIndex(repo)
  else if (refresh.length > 0) await refreshIndex(repo, refresh)
}

/** The hiding bits to set after a restore (see indexMarks), and the state they are set on. */
interface IndexMarks {
  skipWorktree: string[]
  assumeUnchanged: string[]
  /** The restoring operation's before-snapshot: the bits its entries have now. */
  current: Pick<Snapshot, 'skipWorktree' | 'assumeUnchanged'>
}

/**
 * Sets the bits on entries that lost them (replaced ones) or never had them (bits only the
 * target had), for paths the index now holds: update-index refuses a path without an entry.
 */
async function restoreMarks(
  repo: Repo,
  targetTree: string,
  marks: IndexMarks,
  replaced: TreeChange[] | 'all',
): Promise<void> {
  const changed = replaced === 'all' ? undefined : new Set(replaced.map((c) => c.path))
  const pick = (paths: string[], now: string[] | undefined) => {
    const has = new Set(now ?? [])
    return paths.filter((p) => changed === undefined || changed.has(p) || !has.has(p))
  }
  const skipWorktree = pick(marks.skipWorktree, marks.current.skipWorktree)
  const assumeUnchanged = pick(marks.assumeUnchanged, marks.current.assumeUnchanged)
  if (skipWorktree.length + assumeUnchanged.length === 0) return
  const present = await pathsInTree(repo, targetTree, [...skipWorktree, ...assumeUnchanged])
  await markEntries(repo, {
    skipWorktree: skipWorktree.filter((p) => present.has(p)),
    assumeUnchanged: assumeUnchanged.filter((p) => present.has(p)),
  })
}

/** Which of `paths` are files in `tree` (by name for a few, from one listing for many). */
async function pathsInTree(repo: Repo, tree: string, paths: string[]): Promise<Set<string>> {
  const byName = fitsCommandLine(paths, 200)
  const { stdout } = await git(
    repo.root,
    [
      'ls-tree',
      '-r',
      '-z',
      '--name-only',
      '--full-tree',
      tree,
      ...(byName ? ['--', ...paths] : []),
    ],
    { env: { GIT_LITERAL_PATHSPECS: '1' } },
  )
  const wanted = new Set(paths)
  return new Set(splitZ(stdout).filter((p) => wanted.has(p)))
}

/** Whether a path is one the snapshot left out: a skipped file, or inside a nested repository. */
function leftOut(snapshot: Snapshot): (path: string) => boolean {
  const files = new Set(snapshot.skipped.filter((s) => !s.path.endsWith('/')).map((s) => s.path))
  const dirs = snapshot.skipped.filter((s) => s.path.endsWith('/')).map((s) => s.path)
  return (p) => files.has(p) || dirs.some((d) => p.startsWith(d))
}

/**
 * `update-index --refresh` re-reads every file in the work tree; `add --refresh` with paths reads
 * only those (all of them tracked). But it matches every index entry against every path, so it
 * pays only for a few paths: with 20,000 entries, 5 paths take ~10 ms, 50 ~20 ms, 200 ~50 ms
 * against ~40 ms for the whole refresh. Should it fail for any reason, the whole index is
 * refreshed.
 */
async function refreshIndex(repo: Repo, paths?: string[]): Promise<void> {
  if (paths && paths.length <= 64) {
    try {
      await git(repo.root, ['add', '--refresh', '--pathspec-from-file=-', '--pathspec-file-nul'], {
        input: `${paths.join('\0')}\0`,
        env: { GIT_LITERAL_PATHSPECS: '1' },
      })
      return
    } catch {
      // fall through to the full refresh
    }
  }
  await git(repo.root, ['update-index', '-q', '--refresh'], { okCodes: [1] })
}
