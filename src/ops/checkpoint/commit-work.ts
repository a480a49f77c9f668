import { commitEverything } from '../../adapters/checkpoint-git.js'
import {
  advanceHead,
  ignoredUntracked,
  regularFiles,
  replaceIndex,
  stageFiles,
  workTreeEntries,
  writeCommit,
} from '../../adapters/direct-commit.js'
import type { IndexEntry, KnownState } from '../../adapters/snapshot/capture.js'
import { onDiskOf } from '../../adapters/snapshot/on-disk.js'
import type { Snapshot } from '../../adapters/snapshot/types.js'
import { editTree } from '../../adapters/tree-edit.js'
import { CHECKPOINTS_DIR } from '../../core/checkpoint/sidecars.js'
import type { OperationContext } from '../protocol.js'

export interface CommittedWork {
  /** The new commit, or null when there was nothing to commit and `allowEmpty` was not set. */
  commit: string | null
  /** HEAD, index and work tree right after, when known without a scan (see below). */
  state: KnownState | undefined
  /** The refs `options.tag` made in HEAD's transaction (`{ ref: object }`); empty when none. */
  created: Record<string, string>
  /** Whether the index took `options.alsoStaged` (only where the scratch index became it). */
  alsoStaged: boolean
}

/**
 * Commits all pending work — what `git add -A && git commit` would commit — and returns the new
 * commit. The operation's before-snapshot already holds that work: its work-tree tree is what
 * `add -A` stages, and the scan's scratch index takes the same changes (stageScratch). So the commit
 * is written from the tree and the scratch index becomes the real index: no further work-tree
 * scan, and the state afterwards is known exactly.
 *
 * When the snapshot is not exactly what `add -A` would stage — it left out an untracked file
 * above the size cap or a nested repository, it holds `.checkpoints/` files because the
 * directory was not ignored yet, or it holds files raw (their bytes on disk, where `git add`
 * would apply a clean filter or convert line endings, or ones the index hides from `git add`)
 * — the work is staged and committed by git itself instead.
 */
export async function commitPendingWork(
  ctx: OperationContext,
  message: string,
  options: {
    allowEmpty: boolean
    /**
     * A ref to create with the commit, given the commit (a checkpoint's tag object, written):
     * it joins the transaction that moves HEAD, so both happen or neither. Undefined: none.
     */
    tag?: (commit: string) => Promise<{ ref: string; to: string } | undefined>
    /**
     * Entries the new index is to hold beyond the commit's tree: the files a follow-up commit
     * of the same operation changes (stage start's state file), so that the index, rewritten
     * whole by git at each change, is rewritten once. Taken only where the scratch index
     * becomes the index (`alsoStaged` in the result); otherwise the caller stages them itself.
     */
    alsoStaged?: Promise<readonly IndexEntry[]>
    /**
     * Files cpo wrote after the scan (stage complete's state file and progress log): committed
     * with the work as they are on disk now, and staged with it.
     */
    written?: string[]
  },
): Promise<CommittedWork> {
  const { before, scan, repo } = ctx
  const dirty = before.dirty.length > 0 || before.skipped.length > 0
  if (!dirty && !options.allowEmpty) {
    return { commit: null, state: unchanged(before), created: {}, alsoStaged: false }
  }
  // The files written since the scan go in as regular files; anything else is git's to stage.
  const exact =
    before.skipped.length === 0 &&
    !before.dirty.some(isSidecar) &&
    onDiskOf(before).raw.size === 0 &&
    regularFiles(repo, options.written ?? [])
  if (!exact) {
    return {
      commit: await commitEverything(repo, message),
      state: undefined,
      created: {},
      alsoStaged: false,
    }
  }

  // As `add -A` would take them: an ignored file that is not tracked stays out.
  const ignored = await ignoredUntracked(repo, options.written ?? [])
  const writtenPaths = (options.written ?? []).filter((p) => !ignored.has(p))
  const written = writtenPaths.length > 0 ? await workTreeEntries(repo, writtenPaths, scan) : []
  const tree =
    written.length > 0 ? await editTree(repo, before.worktreeTree, written) : before.worktreeTree
  // The scratch index takes the work-tree changes while the commit (and the tag object on it)
  // is written.
  const [[commit, tag]] = await Promise.all([
    writeCommit(repo, {
      tree,
      parents: [before.head],
      message,
      sign: ctx.settings.signCommits,
    }).then(async (c) => [c, await options.tag?.(c)] as const),
    ctx.scratchHoldsWorkTree
      ? (options.alsoStaged ?? Promise.resolve([])).then((also) =>
          ctx.stageScratch([...written, ...also]),
        )
      : undefined,
  ])
  const creates = tag === undefined ? [] : [tag]
  const move = () => advanceHead(repo, { from: before.head, to: commit, subject: message }, creates)
  if (ctx.scratchHoldsWorkTree) await replaceIndex(repo, scan.scratchIndex, scan.indexStamp, move)
  else {
    await move()
    // The index was not replaced: the files written since the scan are staged as git would.
    if (written.length > 0) await stageFiles(repo, writtenPaths)
  }
  return {
    commit,
    created: Object.fromEntries(creates.map((c) => [c.ref, c.to])),
    alsoStaged: ctx.scratchHoldsWorkTree && options.alsoStaged !== undefined,
    state: {
      head: commit,
      branch: before.branch,
      indexTree: tree,
      worktreeTree: tree,
      dirty: [],
      refs: before.branch ? { ...before.refs, [before.branch]: commit } : before.refs,
      // The files and the index bits are as they were: only HEAD moved.
      ...carried(before),
    },
  }
}

const isSidecar = (p: string): boolean =>
  p === CHECKPOINTS_DIR || p.startsWith(`${CHECKPOINTS_DIR}/`)

function unchanged(s: Snapshot): KnownState {
  return {
    head: s.head,
    branch: s.branch,
    indexTree: s.indexTree,
    worktreeTree: s.worktreeTree,
    dirty: s.dirty,
    refs: s.refs,
    ...carried(s),
  }
}

function carried(s: Snapshot): Pick<KnownState, 'onDisk' | 'skipWorktree' | 'assumeUnchanged'> {
  return {
    ...(s.onDisk ? { onDisk: s.onDisk } : {}),
    ...(s.skipWorktree ? { skipWorktree: s.skipWorktree } : {}),
    ...(s.assumeUnchanged ? { assumeUnchanged: s.assumeUnchanged } : {}),
  }
}
