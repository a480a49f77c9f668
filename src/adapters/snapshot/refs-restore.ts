import type { RefLeftAlone, RefUpdate } from '../../core/refs.js'
import { CpoError } from '../../errors.js'
import { git } from '../git.js'
import type { Repo } from '../repo.js'
import { branchesCheckedOutElsewhere, readBranch, readBranchFast, readRefs } from './head.js'
import type { Snapshot } from './types.js'

/** What the ref step of a restore did: the requested updates it made, and those it left. */
export interface RefsRestored {
  updated: RefUpdate[]
  leftAlone: RefLeftAlone[]
  /** Every ref the transaction moved (the branch HEAD goes to included), by name. */
  moved: Map<string, RefUpdate>
}

/** A ref someone else moved after the restoring operation's before-snapshot recorded it. */
export interface RefMovedMeanwhile {
  ref: string
  expected: string | null
  actual: string | null
}

export const REFS_MOVED = 'REFS_MOVED'

/**
 * Moves branches and tags, and the branch HEAD is to be on, in one compare-and-swap transaction
 * (README.md, "How the safety protocol works"): every ref is checked against the value `current`
 * (the restoring operation's before-snapshot) recorded, and HEAD too, even when it does not
 * move, because every later step is computed from that snapshot. If anything moved meanwhile
 * nothing is changed and REFS_MOVED names what moved. A branch checked out in another work tree
 * is never moved or deleted: it is left alone and reported.
 */
export async function updateRefs(
  repo: Repo,
  target: Snapshot,
  current: Snapshot,
  updates: RefUpdate[],
  reflog: string,
): Promise<RefsRestored> {
  const [elsewhere, symbolic] = await Promise.all([
    branchesCheckedOutElsewhere(repo),
    readBranchFast(repo),
  ])
  if (symbolic !== current.branch) {
    throw refsMoved([{ ref: 'HEAD', expected: current.branch, actual: symbolic }])
  }
  if (target.branch && target.branch !== current.branch && elsewhere.has(target.branch)) {
    const where = elsewhere.get(target.branch) as string
    throw new CpoError(
      'BRANCH_CHECKED_OUT_ELSEWHERE',
      'conflict',
      `${target.branch} is checked out in another work tree (${where}); nothing was changed`,
      {
        hint: `Switch that work tree off the branch (git -C '${where}' switch --detach) or remove it (git worktree remove '${where}'), then run the command again.`,
      },
    )
  }
  const leftAlone: RefLeftAlone[] = []
  const updated: RefUpdate[] = []
  for (const u of updates) {
    const worktree = elsewhere.get(u.ref)
    if (worktree === undefined) updated.push(u)
    else leftAlone.push({ ref: u.ref, reason: 'checked-out-in-another-worktree', worktree })
  }
  const moved = new Map(updated.map((u) => [u.ref, u]))
  if (target.branch) {
    const planned = moved.get(target.branch)
    const at = planned ? planned.to : current.refs[target.branch]
    if (at !== target.head) {
      const from = current.refs[target.branch]
      moved.set(target.branch, {
        ref: target.branch,
        to: target.head,
        ...(from === undefined ? {} : { from }),
      })
    }
  }
  const zero = '0'.repeat(current.head.length)
  const lines = [...moved.values()].map((u) =>
    u.to === undefined ? `delete ${u.ref} ${u.from}` : `update ${u.ref} ${u.to} ${u.from ?? zero}`,
  )
  // Moving HEAD's branch checks HEAD's commit already; git refuses a second check beside it.
  if (!(current.branch && moved.has(current.branch))) {
    lines.push('option no-deref', `verify HEAD ${current.head}`)
  }
  try {
    await git(repo.root, ['update-ref', '-m', reflog, '--stdin'], {
      input: `${lines.join('\n')}\n`,
    })
  } catch (error) {
    const meanwhile = await movedMeanwhile(repo, current, [...moved.values()])
    if (meanwhile.length > 0) throw refsMoved(meanwhile, error)
    throw error
  }
  return { updated, leftAlone, moved }
}

/**
 * Points HEAD at the target's branch, or detaches it at the target's commit. The branch itself
 * was moved by `updateRefs` (`moved`), which also checked that HEAD was still where `current`
 * recorded it.
 */
export async function setHead(
  repo: Repo,
  target: Snapshot,
  current: Snapshot,
  moved: Map<string, RefUpdate>,
  reflog: string,
): Promise<void> {
  if (target.branch) {
    if (current.branch !== target.branch) {
      await git(repo.root, ['symbolic-ref', '-m', reflog, 'HEAD', target.branch])
    }
    return
  }
  if (current.branch === null && current.head === target.head) return
  const branchMove = current.branch ? moved.get(current.branch) : undefined
  const zero = '0'.repeat(current.head.length)
  const at = branchMove ? (branchMove.to ?? zero) : current.head
  await git(repo.root, ['update-ref', '-m', reflog, '--no-deref', 'HEAD', target.head, at])
}

/** The refs of a failed transaction (and HEAD) that are no longer where `current` recorded. */
async function movedMeanwhile(
  repo: Repo,
  current: Snapshot,
  updates: RefUpdate[],
): Promise<RefMovedMeanwhile[]> {
  const [refs, head, branch] = await Promise.all([
    readRefs(repo),
    git(repo.root, ['rev-parse', '-q', '--verify', 'HEAD'], { okCodes: [1] }),
    readBranch(repo),
  ])
  const out: RefMovedMeanwhile[] = []
  for (const u of updates) {
    const actual = refs[u.ref] ?? null
    if (actual !== (u.from ?? null)) out.push({ ref: u.ref, expected: u.from ?? null, actual })
  }
  const headNow = head.stdout.trim() || null
  if (headNow !== current.head) {
    out.push({ ref: 'HEAD', expected: current.head, actual: headNow })
    // The branch a commit moved HEAD with moved too, even if this restore would not touch it.
    if (branch && !out.some((m) => m.ref === branch)) {
      out.push({
        ref: branch,
        expected: current.refs[branch] ?? null,
        actual: refs[branch] ?? null,
      })
    }
  }
  return out
}

function refsMoved(moved: RefMovedMeanwhile[], cause?: unknown): CpoError {
  const names = moved.map((m) => m.ref).join(', ')
  return new CpoError(
    REFS_MOVED,
    'conflict',
    `refs changed while cpo ran (${names}); they were left alone and nothing was restored`,
    {
      hint: 'Something else (a git commit, an editor, another tool) moved them meanwhile; check `git log` and run the command again.',
      details: { moved },
      ...(cause === undefined ? {} : { cause }),
    },
  )
}

/** The names a REFS_MOVED error reports as moved by someone else (empty for any other error). */
export function refsMovedBy(error: unknown): Set<string> {
  if (!(error instanceof CpoError) || error.code !== REFS_MOVED) return new Set()
  const moved = (error.details as { moved: RefMovedMeanwhile[] }).moved
  return new Set(moved.map((m) => m.ref))
}
