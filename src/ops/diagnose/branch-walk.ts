import { git } from '../../adapters/git.js'
import type { Repo } from '../../adapters/repo.js'
import { historyIsPlain, readStoredWalk, storeWalk } from '../../adapters/walk-cache.js'
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

/** One commit's walk: its records, git's text of them, and where each record ends in it. */
export interface Walk {
  commit: string
  records: WalkedCommit[]
  text: string
  ends: number[]
}

/** The walk of one commit's history, begun before a command puts commits on top of it. */
export interface WalkAhead {
  base: string
  /** Undefined when the read failed: the whole walk is read instead. */
  walk: Promise<Walk | undefined>
}

/**
 * Starts the walk of `base`'s history, for a branch walk to be made later, once commits are on
 * top of `base` (ARCHITECTURE.md §37).
 */
export function walkAhead(repo: Repo, base: string): WalkAhead {
  return { base, walk: walkOf(repo, base).catch(() => undefined) }
}

/**
 * The branch walk, from what is known of it when that gives git's walk exactly, else read
 * whole: the commits the branches have beyond a walk read ahead or kept (§37), or a kept walk's
 * part that the branches end in (§38). Kept for the next command when it is one commit's walk.
 */
export async function branchWalk(repo: Repo, ahead?: WalkAhead): Promise<WalkedCommit[]> {
  const kept = await keptWalk(repo)
  const from = (ahead === undefined ? undefined : await ahead.walk) ?? kept
  if (from !== undefined) {
    const beyond = await git(repo.root, [...BRANCH_WALK, `^${from.commit}`, '--'], {
      okCodes: [0, 128],
    })
    const composed = beyond.code === 0 ? onTop(from, beyond.stdout) : undefined
    if (composed !== undefined) {
      if (composed.commit !== kept?.commit) keep(repo, composed)
      return composed.records
    }
    if (beyond.code === 0 && beyond.stdout === '') {
      // Every branch ends in `from`'s history: the walk is the part that the newest one ends.
      const tips = await git(repo.root, ['for-each-ref', '--format=%(objectname)', 'refs/heads/'])
      const part = endedIn(from, tips.stdout.split('\n').filter(Boolean))
      if (part !== undefined) return part.records
    }
  }
  const walk = walkFrom((await git(repo.root, BRANCH_WALK)).stdout)
  if (walk !== undefined && oneTip(walk.records) && walk.commit !== kept?.commit) keep(repo, walk)
  return walk?.records ?? []
}

/**
 * `base`'s walk: the kept walk's part that ends in it, or the kept walk and the commits after
 * it up to `base`, or read from git (and kept).
 */
async function walkOf(repo: Repo, base: string): Promise<Walk | undefined> {
  const kept = await keptWalk(repo)
  if (kept !== undefined) {
    const part = endedIn(kept, [base])
    if (part !== undefined) return part
    const beyond = await git(repo.root, ['log', ...WALK_FORMAT, base, `^${kept.commit}`, '--'], {
      okCodes: [0, 128],
    })
    const composed = beyond.code === 0 ? onTop(kept, beyond.stdout) : undefined
    if (composed?.commit === base) {
      keep(repo, composed)
      return composed
    }
  }
  const walk = walkFrom((await git(repo.root, ['log', ...WALK_FORMAT, base, '--'])).stdout)
  if (walk !== undefined) keep(repo, walk)
  return walk
}

/**
 * `from`'s walk followed by the commits in `text` (a walk of what some tips have beyond
 * `from.commit`), when those are one chain on it: the oldest has `from.commit` as its only
 * parent, each next one the one before. Why that is the tips' whole walk, exactly: git's
 * `--date-order` shows a commit once all its children are shown, taking the newest of the
 * commits that are ready (ties: first ready, first shown). Shown newest first, the chain goes
 * first, in its only order, while `from.commit` waits for its child in it and no ancestor of it
 * is ready before it; once the chain is shown, `from.commit` is the only commit ready, which is
 * where its own walk starts, so the rest is that walk. `--reverse` turns both around. Anything
 * else (no commit beyond, a merge, a branch that forks below) is undefined.
 */
function onTop(from: Walk, text: string): Walk | undefined {
  const chain = walkFrom(text)
  if (chain === undefined || !isChainOn(chain.records, from.commit)) return undefined
  return {
    commit: chain.commit,
    records: [...from.records, ...chain.records],
    text: from.text + text,
    ends: [...from.ends, ...chain.ends.map((e) => e + from.text.length)],
  }
}

/**
 * The walk of the newest of `tips` in `walk`, when every tip is in it and the commits after
 * that one are a chain from it to `walk.commit`: by the rule of `onTop`, `walk` is then that
 * commit's walk followed by the chain, so its walk is the part before, and it holds exactly
 * that commit's history — every other tip, found before it, is in that history.
 */
function endedIn(walk: Walk, tips: readonly string[]): Walk | undefined {
  const wanted = new Set(tips)
  if (wanted.size === 0) return undefined
  const at = new Map<string, number>()
  for (let i = walk.records.length - 1; i >= 0 && at.size < wanted.size; i--) {
    const c = (walk.records[i] as WalkedCommit).commit
    if (wanted.has(c)) at.set(c, i)
  }
  if (at.size !== wanted.size) return undefined
  const last = Math.max(...at.values())
  const tip = (walk.records[last] as WalkedCommit).commit
  if (!isChainOn(walk.records.slice(last + 1), tip)) return undefined
  const n = last + 1
  return {
    commit: tip,
    records: walk.records.slice(0, n),
    text: walk.text.slice(0, walk.ends[last]),
    ends: walk.ends.slice(0, n),
  }
}

/** Whether `records` are one chain on `parent`: each one's only parent is the one before. */
function isChainOn(records: readonly WalkedCommit[], parent: string): boolean {
  let before = parent
  for (const c of records) {
    if (c.parents.length !== 1 || c.parents[0] !== before) return false
    before = c.commit
  }
  return true
}

/** Whether exactly one commit of the walk is no other's parent: the walk is that one's. */
function oneTip(records: readonly WalkedCommit[]): boolean {
  const parents = new Set<string>()
  for (const c of records) for (const p of c.parents) parents.add(p)
  let tips = 0
  for (const c of records) if (!parents.has(c.commit) && ++tips > 1) return false
  return tips === 1
}

/** A walk's text as a Walk of its newest commit (its last record); undefined when empty. */
function walkFrom(text: string): Walk | undefined {
  const ends: number[] = []
  const records = parseWalk(text, ends)
  const last = records.at(-1)
  return last === undefined ? undefined : { commit: last.commit, records, text, ends }
}

/**
 * The kept walk, parsed once per process; undefined when there is none or it is not one, and
 * whenever history is rewritten now (checked at every use: `cpo mcp` lives on while a replace
 * ref or a graft may be made).
 */
const kept = new Map<string, Promise<Walk | undefined>>()
async function keptWalk(repo: Repo): Promise<Walk | undefined> {
  if (!(await historyIsPlain(repo))) return undefined
  let walk = kept.get(repo.cpoDir)
  if (walk === undefined) {
    walk = readStoredWalk(repo).then((s) => {
      const w = s === undefined ? undefined : walkFrom(s.text)
      // The kept text must end with the commit it is the walk of, and be whole.
      return w?.commit === s?.commit && w?.ends.at(-1) === s?.text.length ? w : undefined
    })
    kept.set(repo.cpoDir, walk)
  }
  return walk
}

/** Writes not waited for (the command goes on; the process's exit waits for them). */
const writing = new Set<Promise<void>>()
function keep(repo: Repo, walk: Walk): void {
  kept.set(repo.cpoDir, Promise.resolve(walk))
  const write = storeWalk(repo, { commit: walk.commit, text: walk.text })
  writing.add(write)
  void write.finally(() => writing.delete(write))
}

/** For tests: the kept walks' writes begun so far, done. */
export async function keptWalksWritten(): Promise<void> {
  await Promise.all(writing)
}

/** For tests: forget the walk this process read or kept. */
export function forgetKeptWalk(): void {
  kept.clear()
}

/**
 * The walk's records (hash, parents, time, subject; NUL-separated, `-z` ends each with a NUL),
 * read field by field with `indexOf`: 15,000 records are four slices each, not one split of
 * the whole output into an array of every field first (ARCHITECTURE.md §18). A record cut
 * short at the end is left out, as the split read left it out.
 */
export function parseWalk(stdout: string, ends?: number[]): WalkedCommit[] {
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
    ends?.push(Math.min(at, end))
  }
  return out
}
