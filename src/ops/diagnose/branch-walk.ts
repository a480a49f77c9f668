import { git } from '../../adapters/git.js'
import type { Repo } from '../../adapters/repo.js'
import type { MarkedCommit } from '../../core/diagnose/consistency.js'

export interface WalkedCommit extends MarkedCommit {
  parents: string[]
}

const WALK_FORMAT = ['--date-order', '--reverse', '-z', '--format=%H%x00%P%x00%ct%x00%s']

/**
 * Every branch's commits, oldest first in the whole log's `--date-order` (the walk
 * `readLogCommits` makes, without `--source`, which the state check does not need).
 */
export const BRANCH_WALK = ['log', '--branches', ...WALK_FORMAT]

/** The walk of one commit's history, begun before a command puts commits on top of it. */
export interface WalkAhead {
  base: string
  /** Undefined when the read failed: the whole walk is read instead. */
  walk: Promise<WalkedCommit[] | undefined>
}

/**
 * Starts the walk of `base`'s history (parsed as it arrives), for a branch walk to be made
 * later, once commits are on top of `base` (ARCHITECTURE.md §37).
 */
export function walkAhead(repo: Repo, base: string): WalkAhead {
  const walk = git(repo.root, ['log', ...WALK_FORMAT, base, '--']).then(
    (r) => parseWalk(r.stdout),
    () => undefined,
  )
  return { base, walk }
}

/** The branch walk: from `ahead` and what the branches have beyond it when that is exact. */
export async function branchWalk(repo: Repo, ahead?: WalkAhead): Promise<WalkedCommit[]> {
  const composed = ahead === undefined ? undefined : await composedWalk(repo, ahead)
  return composed ?? parseWalk((await git(repo.root, BRANCH_WALK)).stdout)
}

/**
 * The branch walk as `base`'s walk followed by the branches' commits beyond it (`^base`), when
 * those are one chain on `base`: the oldest has `base` as its only parent, each next one the one
 * before. Why that is the whole walk, exactly: git's `--date-order` shows a commit once all its
 * children are shown, taking the newest of the commits that are ready (ties: first ready, first
 * shown). Shown newest first, the chain goes first, in its only order, while `base` waits for its
 * child in it and no ancestor of `base` is ready before `base`; once the chain is shown, `base`
 * is the only commit ready, which is where the walk of `base` alone starts, so the rest is that
 * walk. `--reverse` turns both around. Anything else (no commit beyond `base`, a merge, a branch
 * that forks below `base`) is read whole.
 */
export async function composedWalk(
  repo: Repo,
  ahead: WalkAhead,
): Promise<WalkedCommit[] | undefined> {
  const [before, beyond] = await Promise.all([
    ahead.walk,
    git(repo.root, [...BRANCH_WALK, `^${ahead.base}`, '--'], { okCodes: [0, 128] }),
  ])
  if (before === undefined || beyond.code !== 0) return undefined
  const chain = parseWalk(beyond.stdout)
  if (chain.length === 0) return undefined
  let parent = ahead.base
  for (const c of chain) {
    if (c.parents.length !== 1 || c.parents[0] !== parent) return undefined
    parent = c.commit
  }
  return [...before, ...chain]
}

/**
 * The walk's records (hash, parents, time, subject; NUL-separated, `-z` ends each with a NUL),
 * read field by field with `indexOf`: 15,000 records are four slices each, not one split of
 * the whole output into an array of every field first (ARCHITECTURE.md §18). A record cut
 * short at the end is left out, as the split read left it out.
 */
export function parseWalk(stdout: string): WalkedCommit[] {
  const out: WalkedCommit[] = []
  const end = stdout.length
  let at = 0
  while (at < end) {
    const p = stdout.indexOf('\0', at)
    const t = p < 0 ? -1 : stdout.indexOf('\0', p + 1)
    const s = t < 0 ? -1 : stdout.indexOf('\0', t + 1)
    if (s < 0) break
    let e = stdout.indexOf('\0', s + 1)
    if (e < 0) {
      if (s + 1 === end) break // three fields and a NUL: the split read had no fourth
      e = end
    }
    const list = stdout.slice(p + 1, t)
    out.push({
      commit: stdout.slice(at, p),
      // One parent (most commits) is the field itself; a merge's are space-separated.
      parents:
        list.length === 0 ? [] : list.includes(' ') ? list.split(' ').filter(Boolean) : [list],
      time: Number(stdout.slice(t + 1, s)),
      subject: stdout.slice(s + 1, e),
    })
    at = e + 1
  }
  return out
}
