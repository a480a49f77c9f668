import { promises as fsp } from 'node:fs'
import path from 'node:path'
import type { RefLeftAlone, RefUpdate } from '../../core/refs.js'
import { CpoError } from '../../errors.js'
import { failpoint } from '../failpoint.js'
import { fitsCommandLine, git, splitZ } from '../git.js'
import type { Repo } from '../repo.js'
import { type Aside, checkAside, closeAside, moveAside } from './aside.js'
import { captureSnapshot } from './capture.js'
import { checkoutFiles, type TreeEntry } from './checkout.js'
import { readWorkTreeConfig } from './conversion.js'
import {
  type BaseEntry,
  type ChangedDuring,
  changedOnDisk,
  GITLINK,
  NO_ENTRY,
  standingAt,
  stillChangingError,
  uncapturable,
  uncapturedError,
} from './guard.js'
import { markEntries } from './index-flags.js'
import { filesToWrite, indexMarks } from './on-disk.js'
import { setHead, updateRefs } from './refs-restore.js'
import { type KeptPath, removeError, removeFiles, SUBMODULE_KEPT } from './remove.js'
import { recordedStatsOf } from './stat-data.js'
import type { Snapshot } from './types.js'

export type { ChangedDuring } from './guard.js'
export type { KeptPath } from './remove.js'

export interface TreeChange {
  status: 'A' | 'D' | 'M' | 'T'
  path: string
  /** Mode and object id on the `to` side (`000000` and zeros for a deletion). */
  mode: string
  oid: string
  /** Mode and object id on the `from` side (`000000` and zeros for an addition). */
  fromMode: string
  fromOid: string
}

export interface RestoreResult {
  written: string[]
  removed: string[]
  refsUpdated: RefUpdate[]
  /** Refs the restore would have moved but left where they are (see RefLeftAlone). */
  refsLeftAlone?: RefLeftAlone[]
  /** Set when HEAD or the checked-out branch changed (commits leave the branch, or return). */
  headMoved?: { fromBranch: string | null; toBranch: string | null; from: string; to: string }
  /**
   * Paths left in place although the target lacks them or has other content there, and why: a
   * submodule directory with content (its own repository), a directory that could not be
   * removed, or a file saved at the path while the restore ran (NEWER_KEPT).
   */
  kept: KeptPath[]
  /**
   * Paths that changed after the state this restore was planned from, and the snapshot captured
   * to hold them before they were overwritten or removed (one per round of changes).
   */
  changedDuring: ChangedDuring[]
}

/** How a restore captures paths that changed while the operation ran. */
export interface CaptureDuring {
  /** The operation the captured snapshot belongs to. */
  operation?: string
  sizeCap?: number
}

/**
 * A file saved at a path after the restore moved the old one aside and before it wrote the
 * target's: the newer file stays on disk; the index holds the target's (so git shows a change).
 */
export const NEWER_KEPT =
  'saved while cpo restored it: the newer file stays, the index has the restored version'

/** Rounds of capturing changed paths before a restore gives up on a tree that keeps changing. */
const MAX_ROUNDS = 3

/** What changes in the work tree when going from snapshot `from` to snapshot `to`. */
export async function diffTrees(repo: Repo, from: string, to: string): Promise<TreeChange[]> {
  if (from === to) return []
  const { stdout } = await git(repo.root, ['diff-tree', '-r', '-z', '--no-renames', from, to])
  return parseChanges(splitZ(stdout))
}

/**
 * diffTrees for several pairs with one `diff-tree --stdin`: git echoes each `<from> <to>` line
 * it reads, then that pair's changes. Equal pairs are diffed once; a pair of equal trees is none.
 */
export async function diffTreesMany(
  repo: Repo,
  pairs: ReadonlyArray<readonly [string, string]>,
): Promise<TreeChange[][]> {
  const key = ([from, to]: readonly [string, string]) => `${from} ${to}`
  const wanted = [...new Set(pairs.filter(([from, to]) => from !== to).map(key))]
  const found = new Map<string, TreeChange[]>()
  if (wanted.length === 1) {
    const [from, to] = (wanted[0] as string).split(' ') as [string, string]
    found.set(wanted[0] as string, await diffTrees(repo, from, to))
  } else if (wanted.length > 1) {
    const { stdout } = await git(repo.root, ['diff-tree', '--stdin', '-r', '-z', '--no-renames'], {
      input: `${wanted.join('\n')}\n`,
    })
    const fields = splitZ(stdout)
    let at = 0
    let pair = -1
    let changes: TreeChange[] = []
    for (;;) {
      // A field where a change's status line is due may start with the headers of pairs.
      let field = fields[at] ?? ''
      let header = /^[0-9a-f]+ [0-9a-f]+\n/.exec(field)
      while (header) {
        if (pair >= 0) found.set(wanted[pair] as string, changes)
        pair++
        changes = []
        field = field.slice(header[0].length)
        header = /^[0-9a-f]+ [0-9a-f]+\n/.exec(field)
      }
      if (at >= fields.length) break
      if (field === '') {
        at++
        continue
      }
      changes.push(changeOf(field, fields[at + 1] ?? ''))
      at += 2
    }
    if (pair >= 0) found.set(wanted[pair] as string, changes)
    if (pair !== wanted.length - 1) {
      throw new Error(`git diff-tree --stdin answered ${pair + 1} of ${wanted.length} pairs`)
    }
  }
  return pairs.map((p) => (p[0] === p[1] ? [] : (found.get(key(p)) as TreeChange[])))
}

/** Changes from `-z` diff-tree fields: a status line, then the path. */
function parseChanges(fields: string[]): TreeChange[] {
  const changes: TreeChange[] = []
  for (let i = 0; i + 1 < fields.length; i += 2) {
    changes.push(changeOf(fields[i] as string, fields[i + 1] as string))
  }
  return changes
}

/** `:<old mode> <new mode> <old oid> <new oid> <status>` and the path. */
function changeOf(line: string, file: string): TreeChange {
  const [from = '', mode = '', fromOid = '', oid = '', status = ''] = line.trim().split(' ')
  return {
    status: status[0] as TreeChange['status'],
    path: file,
    mode,
    oid,
    fromMode: from.replace(/^:/, ''),
    fromOid,
  }
}

/**
 * Makes work tree, index, HEAD and branch equal to `target`. `current` is a snapshot of the state
 * right now (the restoring operation's own before-snapshot): only paths that differ are touched,
 * files that did not exist in `target` are removed (they are safe in `current`), and ignored files
 * are never touched. A path that changed since `current` was taken is captured first and the
 * plan made again from that newer snapshot (`changedDuring`); a submodule directory with content
 * is never removed (`kept`).
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
    capture?: CaptureDuring
    /**
     * Called once HEAD and the refs are the target's, before any file is touched: a caller's
     * reads of refs and history can run beside the file writes (ARCHITECTURE.md §35).
     */
    headMoved?: () => void
  } = {},
): Promise<RestoreResult> {
  const refUpdates = how.refs ?? []
  const reflog = how.reflog ?? 'cpo: restore'
  // The work tree's changes, the target's unstaged ones and the index's changes, with one
  // diff-tree (undoing a restore of uncommitted work asks for the same pair twice).
  const [planned, unstagedInTarget, indexChanges] = (await diffTreesMany(repo, [
    [current.worktreeTree, target.worktreeTree],
    [target.indexTree, target.worktreeTree],
    [current.indexTree, target.indexTree],
  ])) as [TreeChange[], TreeChange[], TreeChange[]]
  await refuseToOverwriteUncaptured(repo, current, planned)

  failpoint('restore-refs')
  const refs = await updateRefs(repo, target, current, refUpdates, reflog)
  failpoint('restore-head')
  await setHead(repo, target, current, refs.moved, reflog)
  how.headMoved?.()
  // Right before the first file is removed or overwritten: HEAD and refs do not destroy work.
  const {
    base,
    plan: changes,
    changedDuring,
    fileMode,
  } = await compareBeforeDestroy(
    repo,
    current,
    async (b) =>
      b === current ? planned : await diffTrees(repo, b.worktreeTree, target.worktreeTree),
    (plan) => plan.map(baseSide),
    how.capture,
  )
  // A file the target snapshot had to leave out (too large, a nested repository) was on disk
  // then and stays: it is not the target's to remove.
  const skipped = leftOut(target)
  const deleted = changes.filter((c) => c.status === 'D')
  const removing = deleted.filter((c) => !skipped(c.path))
  const toWrite = filesToWrite(
    changes.filter((c) => c.status !== 'D'),
    base,
    target,
  )
  const aside = await moveAside(repo, base, [...removing, ...toWrite].map(baseSide), how.capture)
  failpoint('restore-aside')
  const files = await settleAside(repo, aside, base, fileMode, async () => {
    if (aside.failed.length > 0) throw removeError(aside.failed)
    const { removed, kept } = await removeFiles(repo.root, removing)
    // A submodule the target replaces with a file goes by the same rule: its directory is
    // removed when empty, else kept with its work (and the file is not written).
    const replaced = await removeFiles(
      repo.root,
      toWrite.filter((c) => c.fromMode === GITLINK && c.mode !== GITLINK),
    )
    failpoint('restore-deletions')
    const { written, existing } = await checkoutFiles(repo, toWrite, target)
    failpoint('restore-writes')
    const submodules = new Set(replaced.kept.map((k) => k.path))
    const newer = existing.filter((p) => !submodules.has(p))
    // A rewritten file whose index entry holds the same content looks modified to git plumbing
    // until a refresh records its new stat data; one that differs from its entry (or has none)
    // looks modified anyway, and a refresh would gain nothing.
    const differs = new Set(unstagedInTarget.map((c) => c.path))
    const stale = written.filter((p) => !differs.has(p))
    // When both sides' index equals their work tree, the index changes exactly as the work tree
    // did, and every path whose entry changes holds its target content on disk (unless a file
    // left out of the target, a submodule with content, or a file saved meanwhile stayed).
    const clean = base.indexTree === base.worktreeTree && target.indexTree === target.worktreeTree
    // Entries made by `git add -N` are in no tree: with any on either side the index is read
    // from the target's tree whole, and the target's are made again.
    const intentToAdd = target.intentToAdd ?? []
    const whole = intentToAdd.length > 0 || (base.intentToAdd?.length ?? 0) > 0
    await setIndex(repo, base.indexTree, target.indexTree, {
      whole,
      stale,
      // Known when the plan was made from `current` (nothing changed while the restore ran).
      ...(base === current ? { known: indexChanges } : clean ? { known: changes } : {}),
      fromDisk:
        target.indexTree === target.worktreeTree &&
        removed.length === deleted.length &&
        existing.length === 0,
      marks: { ...indexMarks(target, base), current: base },
    })
    if (intentToAdd.length > 0) {
      await git(repo.root, ['add', '-N', '--pathspec-from-file=-', '--pathspec-file-nul'], {
        input: `${intentToAdd.join('\0')}\0`,
        env: { GIT_LITERAL_PATHSPECS: '1' },
      })
    }
    failpoint('restore-index')
    return { written, removed, kept: [...kept, ...replaced.kept, ...newerKept(newer)] }
  })
  if (files.during) changedDuring.push(files.during)
  const moved = current.head !== target.head || current.branch !== target.branch
  return {
    written: files.result.written,
    removed: files.result.removed,
    refsUpdated: refs.updated,
    ...(refs.leftAlone.length > 0 ? { refsLeftAlone: refs.leftAlone } : {}),
    kept: files.result.kept.sort((a, b) => (a.path < b.path ? -1 : 1)),
    changedDuring,
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

const newerKept = (paths: string[]): KeptPath[] =>
  paths.map((p) => ({ path: p, reason: NEWER_KEPT }))

/**
 * Runs the destructive steps of a restore with its quarantine in place, then closes it: every
 * moved copy is checked and the changed ones captured before the quarantine is removed (also
 * when a step failed; should the capture fail too, the quarantine stays for the next operation
 * to salvage, see salvageAside, and the first error is the one reported).
 */
async function settleAside<T>(
  repo: Repo,
  aside: Aside,
  base: Snapshot,
  execBit: boolean,
  steps: () => Promise<T>,
): Promise<{ result: T; during: ChangedDuring | undefined }> {
  // The copies are checked last: a save that opened a file before its rename and writes just
  // after lands in the copy, and the longer the check waits, the surer it has landed.
  const close = () => closeAside(repo, aside, base, checkAside(repo, aside, base, execBit), execBit)
  let result: T
  try {
    result = await steps()
  } catch (error) {
    await close().catch(() => undefined)
    throw error
  }
  return { result, during: await close() }
}

/**
 * Submodules a restore from `from` to `to` would remove whose directories hold anything (their
 * own checkout and commits): what it will leave in place, for plans and dry runs.
 */
export async function submodulesKept(repo: Repo, from: string, to: string): Promise<KeptPath[]> {
  const gone = (await diffTrees(repo, from, to)).filter(
    (c) => c.fromMode === GITLINK && c.status === 'D',
  )
  const held = await Promise.all(
    gone.map((c) =>
      fsp.readdir(path.join(repo.root, c.path)).then(
        (names) => names.length > 0,
        () => false,
      ),
    ),
  )
  return gone.filter((_, i) => held[i]).map((c) => ({ path: c.path, reason: SUBMODULE_KEPT }))
}

const baseSide = (c: TreeChange): BaseEntry => ({
  path: c.path,
  mode: c.fromMode,
  oid: c.fromOid,
  ...(c.mode === GITLINK ? { gitlinkTarget: true } : {}),
})

/**
 * Checks every path a restore is about to destroy against the snapshot its plan was made from.
 * Paths that changed since are captured into a new snapshot and the plan is made again from it,
 * a bounded number of times; paths no snapshot can hold (ignored, too large) stop the restore
 * before anything is destroyed.
 */
async function compareBeforeDestroy<P>(
  repo: Repo,
  current: Snapshot,
  planFrom: (base: Snapshot) => Promise<P>,
  touched: (plan: P, base: Snapshot) => BaseEntry[] | Promise<BaseEntry[]>,
  capture: CaptureDuring | undefined,
  lookup?: (base: Snapshot) => (paths: string[]) => Promise<Map<string, BaseEntry>>,
): Promise<{ base: Snapshot; plan: P; changedDuring: ChangedDuring[]; fileMode: boolean }> {
  const changedDuring: ChangedDuring[] = []
  let base = current
  const { fileMode } = await readWorkTreeConfig(repo)
  for (let round = 0; ; round++) {
    const plan = await planFrom(base)
    const found = lookup?.(base)
    const changed = await changedOnDisk(repo.root, await touched(plan, base), {
      ...(found ? { lookup: found } : {}),
      execBit: fileMode,
      recorded: (paths) => recordedStatsOf(base, paths),
    })
    if (changed.length === 0) return { base, plan, changedDuring, fileMode }
    const lost = await uncapturable(repo.root, changed, leftOut(base))
    if (lost.length > 0) throw uncapturedError(lost)
    if (round === MAX_ROUNDS) throw stillChangingError(changed, changedDuring)
    base = await captureSnapshot(repo, {
      kind: 'during',
      message: `changed while cpo restored them: ${changed.slice(0, 3).join(', ')}${changed.length > 3 ? ', …' : ''}`,
      ...(capture?.operation === undefined ? {} : { operation: capture.operation }),
      ...(capture?.sizeCap === undefined ? {} : { sizeCap: capture.sizeCap }),
    })
    const missed = changed.filter(leftOut(base))
    if (missed.length > 0) throw uncapturedError(missed)
    changedDuring.push({ snapshot: base.id, paths: changed })
  }
}

/**
 * The files a snapshot holds at or below each of `paths` (a directory means every file in it;
 * `.` the whole tree). A path the snapshot does not have is an error, found before anything
 * changes.
 */
export async function filesInSnapshot(
  repo: Repo,
  target: Snapshot,
  paths: string[],
): Promise<string[]> {
  const wanted = paths.map(normalize)
  const whole = wanted.includes('')
  const files = await fileNames(repo, target.worktreeTree, whole ? undefined : wanted)
  const missing = paths.filter((_, i) => {
    const w = wanted[i] as string
    return w === '' ? files.length === 0 : !files.some((f) => f === w || f.startsWith(`${w}/`))
  })
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

/** `./src//app/` → `src/app`; `.` and `./` → `` (the top of the tree). */
function normalize(p: string): string {
  return p
    .split('/')
    .filter((part) => part !== '' && part !== '.')
    .join('/')
}

/**
 * Writes chosen files from a snapshot, leaving HEAD, index and every other file alone. What
 * stands at, above or below them now is checked against `current` first, like any restore.
 */
export async function restoreFiles(
  repo: Repo,
  target: Snapshot,
  files: string[],
  current: Snapshot,
  how: { capture?: CaptureDuring } = {},
): Promise<RestoreResult> {
  const entries = await treeEntries(repo, target.worktreeTree, files)
  failpoint('restore-writes')
  const { base, changedDuring, fileMode } = await compareBeforeDestroy(
    repo,
    current,
    async () => entries,
    async (_, base) => {
      const held = await lookupEntries(repo, base.worktreeTree, files)
      return entries.map((e) => ({
        ...(held.get(e.path) ?? { path: e.path, mode: NO_ENTRY, oid: '' }),
        ...(e.mode === GITLINK ? { gitlinkTarget: true } : {}),
      }))
    },
    how.capture,
    (base) => (paths) => lookupEntries(repo, base.worktreeTree, paths),
  )
  // Everything a checkout of these paths replaces: what stands at each, a file or symlink where
  // a directory goes above it, and the files below it where it is a directory now (all checked
  // against `base` just now). They are moved aside; directories emptied by that are removed.
  const inTheWay = await changedOnDisk(
    repo.root,
    entries.map((e) => ({
      path: e.path,
      mode: NO_ENTRY,
      oid: '',
      ...(e.mode === GITLINK ? { gitlinkTarget: true } : {}),
    })),
  )
  const held = await lookupEntries(repo, base.worktreeTree, inTheWay)
  const aside = await moveAside(
    repo,
    base,
    inTheWay.map((p) => held.get(p) ?? { path: p, mode: NO_ENTRY, oid: '' }),
    how.capture,
  )
  failpoint('restore-aside')
  const { result, during } = await settleAside(repo, aside, base, fileMode, async () => {
    if (aside.failed.length > 0) throw removeError(aside.failed)
    await removeFiles(
      repo.root,
      inTheWay.map((p) => ({ path: p, fromMode: held.get(p)?.mode ?? NO_ENTRY })),
    )
    return checkoutFiles(repo, entries, target)
  })
  if (during) changedDuring.push(during)
  return {
    written: result.written,
    removed: [],
    refsUpdated: [],
    kept: newerKept(result.existing),
    changedDuring,
  }
}

/**
 * Mode and object of each of `files` in `tree`. A few files are looked up by name; for many, one
 * listing of the whole tree is cheaper (ls-tree matches every entry against every name: for a
 * 20,000-file tree, 100 names take ~10 ms, 500 as long as the full listing, ~30 ms), and long
 * lists would not fit on a command line anyway.
 */
async function treeEntries(repo: Repo, tree: string, files: string[]): Promise<TreeEntry[]> {
  const found = await lookupEntries(repo, tree, files)
  if (found.size !== new Set(files).size) {
    const missing = files.filter((f) => !found.has(f))
    throw new CpoError('PATH_NOT_IN_SNAPSHOT', 'notFound', `not in the tree: ${missing.join(', ')}`)
  }
  return [...found.values()]
}

/** The entries `tree` has for those of `files` it holds as files (blobs, symlinks, gitlinks). */
export async function lookupEntries(
  repo: Repo,
  tree: string,
  files: string[],
): Promise<Map<string, TreeEntry>> {
  const byName = fitsCommandLine(files, 200)
  const { stdout } = await git(
    repo.root,
    ['ls-tree', '-r', '-z', '--full-tree', tree, ...(byName ? ['--', ...files] : [])],
    // Names are names, not pathspec magic (a file may be called `:(top)x`).
    { env: { GIT_LITERAL_PATHSPECS: '1' } },
  )
  const wanted = new Set(files)
  const entries = new Map<string, TreeEntry>()
  for (const line of splitZ(stdout)) {
    // `<mode> <type> <oid>\t<path>`
    const tab = line.indexOf('\t')
    const [mode = '', , oid = ''] = line.slice(0, tab).split(' ')
    const file = line.slice(tab + 1)
    if (wanted.has(file)) entries.set(file, { mode, oid, path: file })
  }
  return entries
}

/**
 * A path the target has but the current snapshot lacks may still exist on disk as an ignored or
 * too-large untracked file, and so may a file or symlink where the target needs a directory
 * (checkout replaces it). Overwriting either would destroy data no snapshot holds, so refuse
 * before anything changes. Anything else found there appeared after the scan: the check right
 * before the files change captures it.
 */
async function refuseToOverwriteUncaptured(
  repo: Repo,
  current: Snapshot,
  changes: TreeChange[],
): Promise<void> {
  // Only what stands where `current` has nothing: content is compared later, once.
  const known = changes.filter((c) => c.fromMode !== NO_ENTRY)
  const added = changes.filter((c) => c.fromMode === NO_ENTRY)
  if (added.length === 0) return
  const inTheWay = await changedOnDisk(repo.root, [...added, ...known].map(baseSide), {
    contents: false,
  })
  const lost = await uncapturable(repo.root, inTheWay, leftOut(current))
  if (lost.length > 0) throw uncapturedError(lost)
}

/**
 * Restoring chosen paths overwrites what stands there: at the path, below it (a directory where
 * the snapshot has a file) and above it (a file where the snapshot needs a directory). Tracked
 * and untracked files are safe in the operation's before-snapshot, but an ignored file is in no
 * snapshot: refuse to touch it.
 */
export async function refuseToOverwriteIgnored(repo: Repo, files: string[]): Promise<void> {
  const present = await standingAt(repo.root, files)
  const ignored = await uncapturable(repo.root, present, () => false)
  if (ignored.length > 0) throw uncapturedError(ignored)
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
  const names = await fileNames(repo, tree, fitsCommandLine(paths, 200) ? paths : undefined)
  const wanted = new Set(paths)
  return new Set(names.filter((p) => wanted.has(p)))
}

/** The files of `tree` at or below `paths` (literal names, not pathspec magic); all without. */
async function fileNames(repo: Repo, tree: string, paths?: string[]): Promise<string[]> {
  const { stdout } = await git(
    repo.root,
    ['ls-tree', '-r', '-z', '--name-only', '--full-tree', tree, ...(paths ? ['--', ...paths] : [])],
    { env: { GIT_LITERAL_PATHSPECS: '1' } },
  )
  return splitZ(stdout)
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
