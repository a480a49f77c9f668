import { randomBytes } from 'node:crypto'
import {
  existsSync,
  promises as fsp,
  lstatSync,
  readlinkSync,
  realpathSync,
  type Stats,
} from 'node:fs'
import path from 'node:path'
import { newId } from '../../core/ids.js'
import { fsPath } from '../../core/path-bytes.js'
import { CpoError } from '../../errors.js'
import { git } from '../git.js'
import { looseObjectsDir, writeLooseObjects } from '../loose-objects.js'
import { gitOperationInProgress, type Repo } from '../repo.js'
import { editTree, KEEP_FILE_MODE, type TreeChange } from '../tree-edit.js'
import {
  conversionAttributes,
  convertedBy,
  readWorkTreeConfig,
  type WorkTreeConfig,
} from './conversion.js'
import { modeExceptions } from './file-modes.js'
import { readBranch, readRefs } from './head.js'
import { copyIndex, type IndexStamp } from './index-file.js'
import { type HiddenEntry, readHiddenEntries } from './index-flags.js'
import { createSnapshotRef } from './keep.js'
import { hashRawFiles } from './raw-files.js'
import { refsTrieRootOf } from './refs-trie-store.js'
import { rememberStatData, statsOfHashed } from './stat-data.js'
import { readWorkTreeStatus, type WorkTreeStatus } from './status.js'
import {
  DEFAULT_SIZE_CAP,
  type OnDisk,
  type SkippedFile,
  SNAPSHOT_REF_PREFIX,
  type Snapshot,
  type SnapshotKind,
  type SnapshotMeta,
  type StoredMeta,
} from './types.js'

export interface CaptureOptions {
  kind: SnapshotKind
  message: string
  operation?: string
  /** Untracked files larger than this are not captured, and reported. */
  sizeCap?: number
  now?: Date
  /** core.autocrlf and core.fileMode when the caller has read them; otherwise read here. */
  workTreeConfig?: WorkTreeConfig
}

const IDENTITY = {
  GIT_AUTHOR_NAME: 'cpo',
  GIT_AUTHOR_EMAIL: 'cpo@localhost',
  GIT_COMMITTER_NAME: 'cpo',
  GIT_COMMITTER_EMAIL: 'cpo@localhost',
}

/**
 * Captures work tree, index, HEAD and branch as a commit under refs/cpo/snapshots/<id> without
 * touching the user's index or files: a scan, then the record of what it found.
 */
export async function captureSnapshot(repo: Repo, options: CaptureOptions): Promise<Snapshot> {
  const scan = await scanWorkTree(repo)
  try {
    return (await recordSnapshot(repo, scan, options)).snapshot
  } finally {
    await discardScan(scan)
  }
}

/** What one `git status` pass found, read from a scratch copy of `.git/index`. */
export interface WorkTreeScan {
  /** The scratch index: a copy of the real one, later holding the work tree when it differs. */
  scratchIndex: string
  indexStamp: IndexStamp | undefined
  status: WorkTreeStatus
  head: string
  /** HEAD's tree. */
  headTree: string
  branch: string | null
  refs: Record<string, string>
  /** Index entries marked skip-worktree or assume-unchanged: status does not look at them. */
  hidden: HiddenEntry[]
  /** Whether the index may hold a `.gitattributes` (see attributesMayApply). */
  indexNamesAttributes: boolean
  /** The scratch index's ctime before status ran (see stat-data.ts); none without an index. */
  statSince?: bigint
}

/**
 * The expensive half of a snapshot, and read-only: one `git status` over a copy of `.git/index`
 * (it already holds stat data for every tracked file, so only files that changed are read). An
 * operation can start it before it plans, and plan from what it finds.
 */
export async function scanWorkTree(repo: Repo): Promise<WorkTreeScan> {
  const inProgress = await gitOperationInProgress(repo)
  if (inProgress) {
    throw new CpoError('GIT_OPERATION_IN_PROGRESS', 'conflict', `${inProgress} is in progress`, {
      hint: 'Finish or abort it (e.g. git merge --abort, git rebase --abort), then run cpo again.',
    })
  }
  const scratchIndex = path.join(repo.cpoDir, 'tmp', `index-${randomBytes(6).toString('hex')}`)
  await fsp.mkdir(path.dirname(scratchIndex), { recursive: true })
  try {
    const copied = copyIndex(path.join(repo.gitDir, 'index'), scratchIndex)
    const indexStamp = copied?.stamp
    const statSince = copied ? (await fsp.stat(scratchIndex, { bigint: true })).ctimeNs : undefined
    const env = { GIT_INDEX_FILE: scratchIndex }
    // Status goes first: it is by far the longest call, and every spawn holds up the event loop
    // for a moment. It only reads the scratch index (refreshed stat data would be thrown away
    // with it), and `--branch` names the very commit its staged list was computed against.
    const [status, refs, headNow, hidden] = await Promise.all([
      readWorkTreeStatus(repo, env),
      readRefs(repo),
      // HEAD's commit, tree and branch in one call (`HEAD` for the branch when detached).
      git(repo.root, ['rev-parse', 'HEAD', 'HEAD^{tree}', '--symbolic-full-name', 'HEAD', '--'], {
        okCodes: [128],
      }),
      // Listed only when the index bytes show such an entry (almost never).
      copied?.mayHide ? readHiddenEntries(repo, env) : [],
    ])
    const head = status.branch?.oid
    if (!head) {
      throw new CpoError('NO_COMMITS', 'conflict', 'the repository has no commits yet', {
        hint: 'Make a first commit (git add -A && git commit -m "initial") and run cpo again.',
      })
    }
    // Read beside status; valid only if HEAD is still the commit status compared with.
    const [commit, tree, symbolic] = headNow.stdout.split('\n')
    const indexNamesAttributes = copied?.namesAttributes ?? false
    const found = {
      ...{ scratchIndex, indexStamp, status, head, refs, hidden, indexNamesAttributes },
      ...(statSince === undefined ? {} : { statSince }),
    }
    if (commit !== head || !tree || !symbolic) {
      const [headTree, branch] = await Promise.all([treeOf(repo, head), readBranch(repo)])
      return { ...found, headTree, branch }
    }
    const branch = symbolic === 'HEAD' ? null : symbolic
    return { ...found, headTree: tree, branch }
  } catch (error) {
    await fsp.rm(scratchIndex, { force: true })
    throw error
  }
}

export async function discardScan(scan: WorkTreeScan): Promise<void> {
  await fsp.rm(scan.scratchIndex, { force: true })
}

/**
 * Records a scan as a snapshot. The work-tree tree is the index tree with the changed paths put
 * in (treeOfChanges): no index is rewritten, so the cost follows the change, not the number of
 * files. Where that cannot be done (a changed path that is no file, symlink or directory) or
 * costs more (many changes, a small index: editWorthIt), the changes are staged into the
 * scratch index and its tree written, as git would.
 *
 * Git processes dominate the cost, so independent ones run side by side: the index side (its
 * tree and commit) next to the work-tree side (hashing the changed paths, writing their trees).
 */
export async function recordSnapshot(
  repo: Repo,
  scan: WorkTreeScan,
  options: CaptureOptions,
): Promise<RecordedSnapshot> {
  const label = labelOf(options)
  const { status, head } = scan
  const env = { GIT_INDEX_FILE: scan.scratchIndex }
  const indexCopy = `${scan.scratchIndex}-staged`
  try {
    // With nothing staged the index holds exactly HEAD's tree: status compares every index
    // entry with HEAD (intent-to-add entries, which it lists as unstaged, are left out of
    // trees by write-tree too), so the tree is known without writing it. Otherwise the tree is
    // written from a copy, so the scratch index stays as the scan left it.
    // (No scratch index when the repository has none: write-tree then writes the empty tree.)
    if (status.staged.length > 0) await fsp.copyFile(scan.scratchIndex, indexCopy).catch(ifNoFile)
    const indexTree =
      status.staged.length === 0
        ? Promise.resolve(scan.headTree)
        : writeTree(repo, { GIT_INDEX_FILE: indexCopy })
    // The work-tree side is the longer one, so it starts first.
    const [worktreeSide, indexSide] = await settleAll([
      (async () => {
        const files = await inspectFiles(repo, scan, options, env)
        const raw = new Set(files.raw.map((f) => f.path))
        const unstaged = status.unstaged.filter((p) => !raw.has(p))
        const untracked = files.kept.filter((p) => !raw.has(p))
        const edited = editWorthIt(scan, unstaged.length + untracked.length + raw.size)
          ? await treeOfChanges(repo, files, unstaged, untracked, indexTree)
          : NOT_EDITABLE
        if (edited !== NOT_EDITABLE) {
          // The scratch index still holds the real one: the changes go in only when an
          // operation is to make it the real index (stageScratch).
          const stage = (also: readonly IndexEntry[]) =>
            stageChanges(repo, env, edited ?? NO_CHANGES, head.length, also)
          const hashed = edited ? hashedFiles(repo, edited, raw) : undefined
          return { ...files, tree: edited?.tree, stage, hashed, rewrote: false }
        }
        const changed = await stageWorkTree(repo, env, unstaged, untracked)
        await stageRaw(repo, env, files.raw)
        const tree = changed || raw.size > 0 ? await writeTree(repo, env) : undefined
        const stage = (also: readonly IndexEntry[]) =>
          stageChanges(repo, env, NO_CHANGES, head.length, also)
        return { ...files, tree, stage, hashed: undefined, rewrote: true }
      })(),
      (async () => {
        const tree = await indexTree
        return { indexTree: tree, indexCommit: await indexCommitOf(repo, tree, head, label) }
      })(),
    ])
    const worktreeTree = worktreeSide.tree ?? indexSide.indexTree
    const meta: SnapshotMeta = {
      ...label,
      head,
      branch: scan.branch,
      indexTree: indexSide.indexTree,
      worktreeTree,
      refs: scan.refs,
      skipped: worktreeSide.skipped,
      dirty: [...new Set([...status.staged, ...status.unstaged, ...worktreeSide.kept])].sort(),
      ...(status.intentToAdd.length > 0 ? { intentToAdd: status.intentToAdd } : {}),
      ...onDiskMeta(worktreeTree, worktreeSide.raw, worktreeSide.modes),
      ...hiddenMeta(scan.hidden),
    }
    const snapshot = await storeSnapshot(repo, meta, indexSide.indexCommit)
    rememberStatData(meta.id, scan, worktreeTree.length, worktreeSide.hashed)
    const scratchHoldsWorkTree = worktreeSide.tree !== undefined && worktreeSide.raw.length === 0
    let staging: Promise<void> | undefined
    const stageScratch = (also: readonly IndexEntry[] = []) => {
      staging ??= worktreeSide.stage(also)
      return staging
    }
    return { snapshot, scratchHoldsWorkTree, stageScratch }
  } finally {
    await fsp.rm(indexCopy, { force: true })
  }
}

export interface RecordedSnapshot {
  snapshot: Snapshot
  /**
   * Whether the scan's scratch index, once `stageScratch` has run, holds exactly the
   * snapshot's work tree: what `git add -A` would have made of the real index (the changed
   * files without stat data, so git looks at their content next time). Not so when a file
   * went in raw (a filter or line-ending conversion applies, or the index hides it): then the
   * tree holds bytes `git add` would not store, and commits of the work go through git.
   */
  scratchHoldsWorkTree: boolean
  /**
   * Stages the work-tree changes into the scratch index (once; nothing to do when they are in),
   * with `also`: entries beyond the work tree the new index is to hold (a follow-up commit's
   * files, so the index is rewritten once).
   */
  stageScratch: (also?: readonly IndexEntry[]) => Promise<void>
}

const NOT_EDITABLE = Symbol('not editable')
const NO_CHANGES = { changes: [] as TreeChange[], modes: new Map<string, string>() }

/** An index entry given by mode and object, without stat data. */
export interface IndexEntry {
  path: string
  mode: string
  oid: string
}

/** The plain files a tree edit hashed, with their stat data (no index entry holds it). */
function hashedFiles(
  repo: Repo,
  edited: { changes: TreeChange[]; modes: Map<string, string> },
  raw: Set<string>,
) {
  return statsOfHashed(
    repo.root,
    edited.changes.flatMap((c) =>
      c.oid === null || raw.has(c.path)
        ? []
        : [{ path: c.path, oid: c.oid, mode: edited.modes.get(c.path) ?? c.mode ?? '' }],
    ),
  )
}

/**
 * Whether building the tree from the changed paths costs less than rewriting the index: the
 * index way costs about a microsecond per 25 bytes of index, the tree way some 40 µs of work
 * here per changed path (measured with 5,000 untracked files in a 20,000-file repository, 2 MB
 * of index: the index way was cheaper; at 100,000 files and a few changes the tree way is).
 * Measured again with the blobs and trees written in-process (ARCHITECTURE.md, "Snapshots of
 * thousands of untracked files"): for that shape the tree way cost 1.5× the index way's CPU
 * with the blobs hashed here and 1.4× with them handed to one `hash-object`, so the bound
 * stands: per file, node's read, hash, freshen and two lstat calls cost more than git's
 * update-index and write-tree do for the same files.
 */
function editWorthIt(scan: WorkTreeScan, changes: number): boolean {
  return changes <= 1000 || changes * 1000 <= (scan.indexStamp?.size ?? 0)
}

/**
 * The snapshot's work-tree tree as the index tree plus the changed paths, without writing an
 * index: the changed files are hashed (one `hash-object`; a symlink's blob is its target), the
 * touched directories rebuilt (editTree). Byte for byte what `update-index` + `write-tree` of
 * the scratch index gives: files that git would convert on the way in go raw either way, so
 * the rest are stored as they are; the mode is git's (the exec bit, or with core.fileMode off
 * the entry's own); a tracked path below a symlinked directory counts as deleted, a changed
 * submodule is the commit it has checked out. Undefined when nothing changed; NOT_EDITABLE
 * when a changed path is no file, symlink, submodule or directory where a tracked file was, or
 * a name holds a line break: those go the way of the index.
 */
async function treeOfChanges(
  repo: Repo,
  files: InspectedFiles,
  unstaged: string[],
  untracked: string[],
  indexTree: Promise<string>,
): Promise<
  | { tree: string; changes: TreeChange[]; modes: Map<string, string> }
  | undefined
  | typeof NOT_EDITABLE
> {
  const { stats } = files
  if (unstaged.length + untracked.length + files.raw.length === 0) return undefined
  const fileMode = files.config?.fileMode !== false
  const beyondLink = symlinkLeadingPath(repo.root)
  const linked = await Promise.all(unstaged.map((p) => (stats.get(p) ? beyondLink(p) : false)))
  const gone = new Set(unstaged.filter((p, i) => linked[i] || !stats.get(p)))
  const present = [...unstaged, ...untracked].filter((p) => !gone.has(p) && stats.get(p))
  const regular: string[] = []
  const links: string[] = []
  const subs: string[] = []
  const submodules = new Set(files.submodules)
  for (const p of present) {
    const st = stats.get(p) as Stats
    if (st.isFile()) regular.push(p)
    else if (st.isSymbolicLink()) links.push(p)
    else if (st.isDirectory() && submodules.has(p)) subs.push(p)
    // A directory where a tracked file was: update-index drops the file's entry.
    else if (st.isDirectory() && unstaged.includes(p)) gone.add(p)
    else return NOT_EDITABLE
  }
  const [oids, linkOids, subOids, rawOids] = await Promise.all([
    hashRawFiles(repo, regular),
    Promise.all(links.map((p) => hashLink(repo, p))),
    Promise.all(subs.map((p) => submoduleHead(repo, p))),
    hashRawFiles(
      repo,
      files.raw.map((r) => r.path),
    ),
  ])
  const modeOf = (st: Stats) =>
    !fileMode ? KEEP_FILE_MODE : (st.mode & 0o100) !== 0 ? '100755' : '100644'
  const changes: TreeChange[] = [
    ...[...gone].map((p) => ({ path: p, oid: null })),
    ...regular.map((p, i) => ({
      path: p,
      oid: oids[i] as string,
      mode: modeOf(stats.get(p) as Stats),
    })),
    ...links.map((p, i) => ({ path: p, oid: linkOids[i] as string, mode: '120000' })),
    // A submodule without a commit checked out keeps its entry, as update-index keeps it.
    ...subs.flatMap((p, i) => (subOids[i] ? [{ path: p, oid: subOids[i], mode: '160000' }] : [])),
    ...files.raw.map((r, i) => ({ path: r.path, oid: rawOids[i] as string, mode: r.mode })),
  ]
  // A name with a line break cannot name its directory to cat-file: the index way takes it.
  if (changes.some((c) => c.path.includes('\n'))) return NOT_EDITABLE
  const modes = new Map<string, string>()
  const tree = await editTree(repo, await indexTree, changes, modes)
  return { tree, changes, modes }
}

/**
 * The changes a snapshot's tree was built with, into the scratch index by id, so that it holds
 * exactly that tree: a file saved since it was hashed is not taken in (its entry has no stat
 * data yet, so git compares the file's content and sees the newer edit as unstaged).
 */
async function stageChanges(
  repo: Repo,
  env: Record<string, string>,
  edited: { changes: TreeChange[]; modes: Map<string, string> },
  oidLength: number,
  also: readonly IndexEntry[] = [],
): Promise<void> {
  const { changes, modes } = edited
  if (changes.length === 0 && also.length === 0) return
  const zero = '0'.repeat(oidLength)
  const removed = changes.filter((c) => c.oid === null).map((c) => `0 ${zero}\t${c.path}\0`)
  const added = [
    ...changes
      .filter((c) => c.oid !== null)
      .map((c) => `${modes.get(c.path) ?? c.mode} ${c.oid}\t${c.path}\0`),
    ...also.map((e) => `${e.mode} ${e.oid}\t${e.path}\0`),
  ]
  await git(repo.root, ['update-index', '--add', '--replace', '-z', '--index-info'], {
    env,
    input: [...removed, ...added].join(''),
  })
}

/**
 * The commit a submodule's directory has checked out, as update-index records it; undefined
 * when the directory is no repository of its own or has no commit yet.
 */
async function submoduleHead(repo: Repo, rel: string): Promise<string | undefined> {
  const dir = path.join(repo.root, rel)
  if (!existsSync(path.join(dir, '.git'))) return undefined
  const r = await git(dir, ['rev-parse', '--show-toplevel', '--verify', '-q', 'HEAD'], {
    okCodes: [1, 128],
  })
  const [top, head] = r.stdout.trim().split('\n')
  if (r.code !== 0 || !head || top !== realpathSync(dir)) return undefined
  return head
}

/** A symlink's blob: the bytes of its target. */
async function hashLink(repo: Repo, rel: string): Promise<string> {
  const target = readlinkSync(fsPath(path.join(repo.root, rel)), { encoding: 'buffer' })
  const config = await readWorkTreeConfig(repo)
  const dir = looseObjectsDir(repo, config)
  if (dir)
    return writeLooseObjects(dir, 'blob', [target], config.objectFormat ?? 'sha1')[0] as string
  const args = ['hash-object', '-w', '--no-filters', '--stdin']
  return (await git(repo.root, args, { input: target })).stdout.trim()
}

/** A file that goes into the snapshot as its bytes on disk, with the tree mode git would give it. */
interface RawEntry {
  path: string
  mode: '100644' | '100755'
}

/**
 * What a tree would not keep of the files a scan found: which untracked files are captured at
 * all (the size cap), which go in raw, and which have permission bits git would not give back.
 * Each path is lstat'ed once. With a clean work tree no git process runs; otherwise the config
 * read (unless the caller has it) and one `check-attr` over the changed and untracked paths run
 * side by side, as small processes.
 */
async function inspectFiles(
  repo: Repo,
  scan: WorkTreeScan,
  options: CaptureOptions,
  env: Record<string, string>,
): Promise<InspectedFiles> {
  const { status, hidden } = scan
  const untracked = status.untracked.filter((p) => !p.endsWith('/'))
  const paths = [
    ...new Set([...status.staged, ...status.unstaged, ...untracked, ...hidden.map((h) => h.path)]),
  ]
  if (paths.length === 0) return { kept: [], skipped: [], raw: [], modes: {}, stats: new Map() }
  // Files status compared with their entries: the attributes are looked up by name, beside
  // the lstat calls that tell which are still there.
  const compared = [...status.unstaged, ...untracked]
  // check-attr (when any attributes can apply) and the config read start first; the lstat loop
  // runs while they do.
  const configRead = Promise.resolve(options.workTreeConfig ?? readWorkTreeConfig(repo))
  const pending = Promise.all([
    configRead,
    configRead.then((config) =>
      attributesMayApply(repo, scan, compared, config)
        ? conversionAttributes(repo, compared, env)
        : new Map<string, Map<string, string>>(),
    ),
  ])
  const stats = lstatAll(repo.root, paths)
  const [config, attributed] = await pending
  const sizeCap = options.sizeCap ?? DEFAULT_SIZE_CAP
  const { kept, skipped } = partitionUntracked(status.untracked, stats, sizeCap)
  const regular = (p: string) => stats.get(p)?.isFile() === true
  const leftOut = new Set(skipped.map((s) => s.path))
  const converted = compared.filter(
    (p) => regular(p) && !leftOut.has(p) && convertedBy(attributed.get(p), config),
  )
  // git counts a file below a symlinked directory as deleted; so does the snapshot.
  const beyondLink = symlinkLeadingPath(repo.root)
  const linked = await Promise.all(converted.map(beyondLink))
  // A hidden file on disk goes in whatever status says: it may differ from its entry unseen.
  const hiddenOnDisk = hidden.filter((h) => regular(h.path)).map((h) => h.path)
  const rawPaths = [...new Set([...converted.filter((_, i) => !linked[i]), ...hiddenOnDisk])]
  const byPath = new Map(hidden.map((h) => [h.path, h]))
  const raw = rawPaths.map((p): RawEntry => {
    const st = stats.get(p) as Stats
    // With core.fileMode off git keeps the entry's mode (the full mode is kept either way).
    const exec = config.fileMode ? (st.mode & 0o100) !== 0 : byPath.get(p)?.mode === '100755'
    return { path: p, mode: exec ? '100755' : '100644' }
  })
  const captured = [...new Set([...status.staged, ...status.unstaged, ...kept, ...hiddenOnDisk])]
  const modes = modeExceptions(
    captured.flatMap((p) => {
      const st = stats.get(p)
      return st ? [[p, st] as [string, Stats]] : []
    }),
    config.fileMode,
  )
  const submodules = status.submodules ?? []
  return { kept, skipped, raw, modes, stats, config, submodules }
}

interface InspectedFiles {
  kept: string[]
  skipped: SkippedFile[]
  raw: RawEntry[]
  modes: Record<string, string>
  /** Every path looked at, lstat'ed once (undefined: not there). */
  stats: Map<string, Stats | undefined>
  /** Not read when nothing changed. */
  config?: WorkTreeConfig
  /** The changed paths that are submodules (from status). */
  submodules?: string[]
}

/**
 * Whether any gitattributes can apply to `paths`, so that `check-attr` is worth a process: a
 * `.gitattributes` in the index (an entry of that name; a v4 or split index, whose names are
 * compressed or elsewhere, counts as yes: index-file.ts) or on disk in a directory on the way to one of the
 * paths (ignored ones too: git reads those), `info/attributes`, core.attributesFile or the
 * default global file, or a system file. Without any, every path's attributes are unspecified,
 * which is what an empty answer means; line endings from core.autocrlf are still seen
 * (convertedBy).
 */
export function attributesMayApply(
  repo: Repo,
  scan: Pick<WorkTreeScan, 'indexNamesAttributes'>,
  paths: string[],
  config: WorkTreeConfig,
): boolean {
  if (paths.length === 0) return false
  if (scan.indexNamesAttributes || config.attributesFile !== false) return true
  if (process.env.GIT_ATTR_SOURCE) return true
  const dirs = new Set([''])
  for (const p of paths) {
    for (let at = p.indexOf('/'); at >= 0; at = p.indexOf('/', at + 1)) dirs.add(p.slice(0, at))
  }
  const home = process.env.HOME ?? ''
  const xdg = process.env.XDG_CONFIG_HOME || (home && path.join(home, '.config'))
  const files = [
    ...[...dirs].map((d) => fsPath(path.join(repo.root, d, '.gitattributes'))),
    path.join(repo.gitDir, 'info', 'attributes'),
    path.join(repo.commonDir, 'info', 'attributes'),
    ...(xdg ? [path.join(xdg, 'git', 'attributes')] : []),
    ...(process.env.GIT_ATTR_NOSYSTEM ? [] : SYSTEM_ATTRIBUTES),
  ]
  return files.some((f) => existsSync(f))
}

/** Where git builds look for the system-wide attributes file (`$(prefix)/etc/gitattributes`). */
const SYSTEM_ATTRIBUTES = [
  '/etc/gitattributes',
  '/usr/etc/gitattributes',
  '/usr/local/etc/gitattributes',
]

/** Raw files into the scratch index: blobs of their bytes on disk, put in by mode and id. */
async function stageRaw(repo: Repo, env: Record<string, string>, raw: RawEntry[]): Promise<void> {
  if (raw.length === 0) return
  const oids = await hashRawFiles(
    repo,
    raw.map((r) => r.path),
  )
  await git(repo.root, ['update-index', '-z', '--index-info'], {
    env,
    input: raw.map((r, i) => `${r.mode} ${oids[i]}\t${r.path}\0`).join(''),
  })
}

function onDiskMeta(
  tree: string,
  raw: RawEntry[],
  modes: Record<string, string>,
): { onDisk?: OnDisk } {
  const hasModes = Object.keys(modes).length > 0
  if (raw.length === 0 && !hasModes) return {}
  return {
    onDisk: {
      tree,
      ...(raw.length > 0 ? { raw: raw.map((r) => r.path).sort() } : {}),
      ...(hasModes ? { modes } : {}),
    },
  }
}

function hiddenMeta(hidden: HiddenEntry[]): Pick<SnapshotMeta, 'skipWorktree' | 'assumeUnchanged'> {
  const skipWorktree = hidden.filter((h) => h.skipWorktree).map((h) => h.path)
  const assumeUnchanged = hidden.filter((h) => h.assumeUnchanged).map((h) => h.path)
  return {
    ...(skipWorktree.length > 0 ? { skipWorktree } : {}),
    ...(assumeUnchanged.length > 0 ? { assumeUnchanged } : {}),
  }
}

/**
 * One plain loop of lstat calls: each is a few microseconds against a cached inode, while a
 * promise per path costs a thread-pool round trip and an allocation each (3–4× slower for 5,000
 * untracked files). Git's paths are already normalized (no `.`, `..` or doubled `/`), so each
 * is appended to the root as it is: `path.join` per path, which normalizes the whole string
 * again, cost more than the lstat itself before the loop was warm (bench/README.md, "Snapshot
 * with 5,000 untracked files").
 */
function lstatAll(root: string, paths: string[]): Map<string, Stats | undefined> {
  const stats = new Map<string, Stats | undefined>()
  const prefix = path.join(root, '/')
  const options = { throwIfNoEntry: false } as const
  for (const p of paths) {
    try {
      stats.set(p, lstatSync(fsPath(prefix + p), options))
    } catch {
      stats.set(p, undefined) // gone, or below what is now a file: not there
    }
  }
  return stats
}

/** A state an operation made itself and therefore knows without scanning the work tree. */
export interface KnownState {
  head: string
  branch: string | null
  indexTree: string
  worktreeTree: string
  /** Paths that differ from HEAD. */
  dirty: string[]
  /**
   * Branches and tags: the before-snapshot's with the operation's own changes. A ref someone
   * else moved meanwhile is left as it was, so `cpo undo` never puts back what it did not do,
   * and nothing is read: with thousands of tags, reading them all costs more than the rest.
   */
  refs: Record<string, string>
  /** What the tree cannot say about files on disk (see SnapshotMeta); kept only for its tree. */
  onDisk?: OnDisk
  /** Untracked files left out: none unless the state is another snapshot's with a few changes. */
  skipped?: SkippedFile[]
  skipWorktree?: string[]
  assumeUnchanged?: string[]
}

/**
 * Records a state the caller just made (a commit it wrote, a tree it restored) as a snapshot,
 * without reading anything. Used for after-snapshots of operations whose result is
 * exact by construction.
 */
export async function snapshotOfKnownState(
  repo: Repo,
  state: KnownState,
  options: CaptureOptions,
): Promise<Snapshot> {
  const label = labelOf(options)
  const indexCommit = await indexCommitOf(repo, state.indexTree, state.head, label)
  const { onDisk, ...rest } = state
  const meta: SnapshotMeta = {
    ...label,
    ...rest,
    dirty: [...state.dirty].sort(),
    skipped: state.skipped ?? [],
    // Facts about another tree's files would be stale here (see onDiskOf).
    ...(onDisk?.tree === state.worktreeTree ? { onDisk } : {}),
  }
  return storeSnapshot(repo, meta, indexCommit)
}

/** The fields every snapshot's metadata starts with: a fresh id, its label and time. */
function labelOf(options: CaptureOptions) {
  const now = options.now ?? new Date()
  return {
    v: 1 as const,
    id: newId(now, randomBytes(2).toString('hex')),
    kind: options.kind,
    message: options.message,
    ...(options.operation === undefined ? {} : { operation: options.operation }),
    createdAt: now.toISOString(),
  }
}

function indexCommitOf(
  repo: Repo,
  indexTree: string,
  head: string,
  label: { id: string; createdAt: string },
): Promise<string> {
  const message = `cpo index of snapshot ${label.id}\n`
  return commitTree(repo, indexTree, [head], label.createdAt, message)
}

/**
 * The snapshot commit (its parents keep HEAD and the index reachable, so gc never prunes them;
 * keep-refs do the same for every branch's and tag's target).
 */
async function storeSnapshot(
  repo: Repo,
  meta: SnapshotMeta,
  indexCommit: string,
): Promise<Snapshot> {
  // The refs go in a trie of git objects (core/refs-trie.ts); its root id is known before it is
  // written, so the objects are stored beside the commit that names the root, and both before
  // the ref that keeps them. One keep-ref for the root keeps every object below it.
  const { refs, v: _, ...rest } = meta
  const trie = await refsTrieRootOf(repo, refs, meta.head.length)
  const stored: StoredMeta = { v: 2, ...rest, refsTrie: trie.oid }
  const [commit] = await Promise.all([
    commitTree(
      repo,
      meta.worktreeTree,
      [meta.head, indexCommit],
      meta.createdAt,
      `cpo snapshot ${meta.id}: ${oneLine(meta.message)}\n\n${JSON.stringify(stored)}\n`,
    ),
    trie.written,
  ])
  const ref = SNAPSHOT_REF_PREFIX + meta.id
  await createSnapshotRef(repo, ref, commit, [...Object.values(refs), trie.oid])
  return { ...meta, commit, ref }
}

/**
 * Like Promise.all, but waits for every task before failing: no git process may still be
 * writing a scratch index when the caller removes it.
 */
async function settleAll<T extends unknown[]>(
  tasks: [...{ [K in keyof T]: Promise<T[K]> }],
): Promise<T> {
  const settled = await Promise.allSettled(tasks)
  const failed = settled.find((s) => s.status === 'rejected')
  if (failed) throw (failed as PromiseRejectedResult).reason
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as T
}

/**
 * Records in the scratch index exactly the paths status reported, instead of a second full walk
 * with `git add -A`, normally in one update-index call: `--remove` drops the entries of files
 * that are gone (or below what is now a file) and `--replace` lets a file take the place of a
 * directory. A tracked path below a symlinked directory is "beyond a symbolic link": git counts
 * it as deleted, yet update-index refuses it by name (even when the link's target holds a file of
 * that name). update-index changes nothing when it fails, so only then are such paths looked for
 * and removed by force first.
 */
async function stageWorkTree(
  repo: Repo,
  env: Record<string, string>,
  unstaged: string[],
  untracked: string[],
): Promise<boolean> {
  if (unstaged.length + untracked.length === 0) return false
  const update = async (paths: string[]) => {
    if (paths.length === 0) return
    await git(repo.root, ['update-index', '--add', '--remove', '--replace', '-z', '--stdin'], {
      env,
      input: `${paths.join('\0')}\0`,
    })
  }
  try {
    await update([...unstaged, ...untracked])
    return true
  } catch (error) {
    const beyondLink = symlinkLeadingPath(repo.root)
    const beyond = await Promise.all(unstaged.map(beyondLink))
    const linked = unstaged.filter((_, i) => beyond[i])
    if (linked.length === 0) throw error
    await git(repo.root, ['update-index', '--force-remove', '-z', '--stdin'], {
      env,
      input: `${linked.join('\0')}\0`,
    })
    await update([...unstaged.filter((_, i) => !beyond[i]), ...untracked])
    return true
  }
}

/**
 * git's has_symlink_leading_path: true when a directory on the way to `rel` is a symbolic
 * link. A missing or non-directory component ends the walk (nothing beyond it exists).
 */
function symlinkLeadingPath(root: string): (rel: string) => Promise<boolean> {
  const seen = new Map<string, Promise<'link' | 'dir' | 'stop'>>()
  const kindOf = (dir: string) => {
    let kind = seen.get(dir)
    if (!kind) {
      kind = fsp.lstat(fsPath(path.join(root, dir))).then(
        (st) => (st.isSymbolicLink() ? 'link' : st.isDirectory() ? 'dir' : 'stop'),
        () => 'stop' as const,
      )
      seen.set(dir, kind)
    }
    return kind
  }
  return async (rel) => {
    const parts = rel.split('/').slice(0, -1)
    for (let i = 1; i <= parts.length; i++) {
      const kind = await kindOf(parts.slice(0, i).join('/'))
      if (kind !== 'dir') return kind === 'link'
    }
    return false
  }
}

async function writeTree(repo: Repo, env: Record<string, string>): Promise<string> {
  return (await git(repo.root, ['write-tree'], { env })).stdout.trim()
}

async function treeOf(repo: Repo, commit: string): Promise<string> {
  return (await git(repo.root, ['rev-parse', '--verify', `${commit}^{tree}`])).stdout.trim()
}

/**
 * A commit with cpo's identity. Never signed: commit.gpgSign would otherwise make every
 * snapshot slow, or wait for a passphrase no one is there to type. Written in-process as a
 * loose object, byte for byte what `commit-tree` writes for this identity and date (whole
 * seconds, UTC), when the repository's config lets git's plain write stand (loose-objects.ts);
 * else by `commit-tree`.
 */
async function commitTree(
  repo: Repo,
  tree: string,
  parents: string[],
  date: string,
  message: string,
): Promise<string> {
  const config = await readWorkTreeConfig(repo)
  const dir = looseObjectsDir(repo, config)
  const seconds = Math.floor(Date.parse(date) / 1000)
  if (dir && Number.isFinite(seconds) && date.endsWith('Z')) {
    const who = `cpo <cpo@localhost> ${seconds} +0000`
    const body = [
      `tree ${tree}\n`,
      ...parents.map((p) => `parent ${p}\n`),
      `author ${who}\ncommitter ${who}\n\n${message}`,
    ].join('')
    const hashName = tree.length === 64 ? 'sha256' : 'sha1'
    return writeLooseObjects(dir, 'commit', [Buffer.from(body, 'utf8')], hashName)[0] as string
  }
  const env = { ...IDENTITY, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date }
  const args = ['commit-tree', '--no-gpg-sign', tree, ...parents.flatMap((p) => ['-p', p])]
  return (await git(repo.root, [...args, '-F', '-'], { env, input: message })).stdout.trim()
}

const ifNoFile = (e: NodeJS.ErrnoException): void => {
  if (e.code !== 'ENOENT') throw e
}

const oneLine = (s: string): string => s.replace(/\s+/g, ' ').trim().slice(0, 120)

function partitionUntracked(
  untracked: string[],
  stats: Map<string, Stats | undefined>,
  sizeCap: number,
): { kept: string[]; skipped: SkippedFile[] } {
  const kept: string[] = []
  const skipped: SkippedFile[] = []
  for (const p of untracked) {
    const size = p.endsWith('/') ? -1 : (stats.get(p)?.size ?? 0)
    if (size < 0) skipped.push({ path: p, reason: 'nested-repository' })
    else if (size > sizeCap) skipped.push({ path: p, reason: 'too-large', size })
    else kept.push(p)
  }
  return { kept, skipped }
}
