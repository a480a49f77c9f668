import { treeWithContents, writeCommit } from '../../adapters/direct-commit.js'
import { readBytesIfExists, writeFileAtomic } from '../../adapters/fs.js'
import { git } from '../../adapters/git.js'
import { inRepo } from '../../adapters/repo.js'
import { treeOf } from '../../adapters/rollback-git.js'
import type { KnownState } from '../../adapters/snapshot/capture.js'
import { editTree } from '../../adapters/tree-edit.js'
import { type ChecklistItem, checklistEntryLines } from '../../core/rollback/checklist.js'
import type { DependencyPlan } from '../../core/rollback/index.js'
import type { WalkAhead } from '../diagnose/branch-walk.js'
import type { OperationContext } from '../protocol.js'
import { type AfterReport, afterRollback } from './after.js'
import { afterItems, type StartedStateFacts } from './checklist.js'

/** The rollback commit as apply first wrote it, and how to write its log again. */
export interface RecordedRollback {
  commit: string
  parent: string
  subject: string
  /** The progress log's path and the text the rollback commit holds (or wrote, when ignored). */
  log: { file: string; written: string }
  /** The whole log with the ROLLBACK entry carrying these checklist lines. */
  logWith: (checklist: string[]) => string
  /**
   * What the rollback already knows of its commit when it wrote it from trees (no hook, no
   * ignored file): its tree and the log's blob in it. Read from the commit when absent.
   */
  objects?: { tree: string; logBlob: string }
  /** The state check's reads, begun once HEAD was the rollback commit (`startStateFacts`). */
  stateFacts?: StartedStateFacts
  /** The walk of the commit the rollback's commits went on, begun at the plan (§37). */
  ahead?: WalkAhead
}

export interface AfterList {
  after: AfterReport
  checklist: ChecklistItem[]
  /** The rollback commit, rewritten with the after-list in its entry, or as it was. */
  commit: string
  /**
   * The state the operation ends in, when it is still known exactly: not after an install or a
   * verification ran (they may write files), so the after-snapshot scans then.
   */
  state: KnownState | undefined
  /** Why the after-list is not in cpo-progress.md, when it is not. */
  notLogged: string | null
}

/**
 * The after-rollback list (README.md, "Checklists") runs inside the rollback's operation, once
 * the tree is the rollback's (the tests and the install need it), so its lines can join the
 * ROLLBACK entry: the rollback commit is written again with them (same parent, same tree but the
 * log) and HEAD moves to it compare-and-swap. The log on disk is compared first: a log someone
 * wrote while the checks ran is left as it is (and the report says so), never overwritten.
 * A crash in the checks leaves the operation begun: `cpo recover` returns to the before-snapshot.
 */
export async function runAfterList(
  ctx: OperationContext,
  recorded: RecordedRollback,
  before: readonly ChecklistItem[],
  how: {
    dependencies: DependencyPlan
    install?: boolean | undefined
    verify?: boolean | undefined
    /** The state the rollback left, when known exactly. */
    state: KnownState | undefined
  },
): Promise<AfterList> {
  const { repo } = ctx
  const after = await afterRollback(repo, how.dependencies, how)
  // An install or a verification may write files and move refs: what was read before is old.
  const untouched = !after.install.ran && !after.verification.ran
  const checklist = [
    ...before,
    ...(await afterItems(repo, after, untouched ? recorded.stateFacts : undefined, recorded.ahead)),
  ]
  const known = untouched ? how.state : undefined
  const { file, written } = recorded.log
  const next = recorded.logWith(checklistEntryLines(checklist))
  const blob = recorded.objects?.logBlob ?? (await blobOf(ctx, recorded.commit, file))
  if (!(await unchangedOnDisk(ctx, file, written, blob))) {
    return {
      after,
      checklist,
      commit: recorded.commit,
      state: known,
      notLogged: `${file} changed while the checks ran; it was left as it is`,
    }
  }
  if (blob === undefined) {
    // An ignored log is not in the commit: only the file on disk gets the lines.
    await writeFileAtomic(inRepo(repo, file), next)
    return { after, checklist, commit: recorded.commit, state: undefined, notLogged: null }
  }
  const blobs = new Map<string, string>()
  const tree = await treeWithContents(
    repo,
    recorded.objects?.tree ?? (await treeOf(repo, recorded.commit)),
    { [file]: next },
    blobs,
  )
  const commit = await writeCommit(repo, {
    tree,
    parents: [recorded.parent],
    message: recorded.subject,
    sign: ctx.settings.signCommits,
  })
  await writeFileAtomic(inRepo(repo, file), next)
  await git(repo.root, ['update-index', '--add', '--', file], {
    env: { GIT_LITERAL_PATHSPECS: '1' },
  })
  // Compare-and-swap, with the rollback's own reflog message (the restore wrote the same).
  await git(repo.root, [
    'update-ref',
    '-m',
    recorded.subject.split('\n')[0] as string,
    'HEAD',
    commit,
    recorded.commit,
  ])
  const state =
    known === undefined
      ? undefined
      : {
          ...known,
          head: commit,
          indexTree: tree,
          worktreeTree:
            known.worktreeTree === known.indexTree
              ? tree
              : await editTree(repo, known.worktreeTree, [
                  { path: file, oid: blobs.get(file) as string },
                ]),
          refs: known.branch === null ? known.refs : { ...known.refs, [known.branch]: commit },
        }
  return { after, checklist, commit, state, notLogged: null }
}

/** The blob `file` has in `commit`, or undefined when the commit does not hold it. */
async function blobOf(ctx: OperationContext, commit: string, file: string) {
  const r = await git(ctx.repo.root, ['rev-parse', '--verify', '--quiet', `${commit}:${file}`], {
    okCodes: [1, 128],
  })
  return r.code === 0 ? r.stdout.trim() : undefined
}

/**
 * The log is still what the rollback wrote: its text, or its blob (clean filters applied). The
 * blob is `written` as git stores it from that path, so a file holding exactly `written` has
 * it and needs no hashing; other bytes may still clean to it (a line-ending conversion).
 */
async function unchangedOnDisk(
  ctx: OperationContext,
  file: string,
  written: string,
  blob: string | undefined,
): Promise<boolean> {
  const onDisk = await readBytesIfExists(inRepo(ctx.repo, file))
  const same = onDisk?.equals(Buffer.from(written)) === true
  if (blob === undefined || onDisk === undefined || same) return same
  const r = await git(ctx.repo.root, ['hash-object', '--', file], {
    env: { GIT_LITERAL_PATHSPECS: '1' },
    okCodes: [128],
  })
  return r.code === 0 && r.stdout.trim() === blob
}
