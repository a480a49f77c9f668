import { randomBytes } from 'node:crypto'
import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { decodeBytes } from '../core/path-bytes.js'
import { commitStaged, readBlobAt } from './checkpoint-git.js'
import { fitsCommandLine, git, splitZ } from './git.js'
import { readObjects, treeEntryNames } from './object-batch.js'
import type { Repo } from './repo.js'
import type { TreeChange } from './snapshot/restore.js'

/**
 * Commits reachable from `from` but not from `not`, newest first, with their subjects, and
 * whether `not` is in `from`'s history — from the same walk, no `merge-base --is-ancestor`
 * beside it: `not` is an ancestor of `from` exactly when it is `from` or a parent of one of
 * these commits (on any path from `from` down to `not`, the commit just before `not` is one).
 */
export async function commitsBetween(
  repo: Repo,
  not: string,
  from: string,
): Promise<{ commits: Array<{ commit: string; subject: string }>; reaches: boolean }> {
  const { stdout } = await git(repo.root, [
    'log',
    '-z',
    '--format=%H%x00%P%x00%s',
    from,
    `^${not}`,
    '--',
  ])
  const fields = splitZ(stdout)
  const commits: Array<{ commit: string; subject: string }> = []
  let reaches = not === from
  for (let i = 0; i + 2 < fields.length; i += 3) {
    commits.push({
      commit: (fields[i] as string).replace(/^\n/, ''),
      subject: (fields[i + 2] as string).trim(),
    })
    if (!reaches && (fields[i + 1] as string).split(' ').includes(not)) reaches = true
  }
  return { commits, reaches }
}

/**
 * What a rollback's plan reads of its target commit — its tree, the names at the top of it and
 * one file's text (undefined when there is no file there) — through one `cat-file --batch`.
 * A path holding a newline (which that input cannot carry), or a commit git cannot read there,
 * is read by three processes, which say what is wrong as git says it.
 */
export async function readAtCommit(
  repo: Repo,
  commit: string,
  file: string,
): Promise<{ tree: string; topNames: string[]; text: string | undefined }> {
  const [tree, blob] = file.includes('\n')
    ? []
    : await readObjects(repo, [`${commit}^{tree}`, `${commit}:${file}`])
  if (tree?.type === 'tree') {
    return {
      tree: tree.oid,
      topNames: treeEntryNames(tree.body, tree.oid.length / 2),
      text: blob?.type === 'blob' ? decodeBytes(blob.body) : undefined,
    }
  }
  const [oid, topNames, text] = await Promise.all([
    treeOf(repo, commit),
    topLevelNames(repo, commit),
    readBlobAt(repo, commit, file),
  ])
  return { tree: oid, topNames, text }
}

/** The names at the top of a commit's tree. */
export async function topLevelNames(repo: Repo, rev: string): Promise<string[]> {
  const { stdout } = await git(repo.root, ['ls-tree', '-z', '--name-only', rev, '--'])
  return splitZ(stdout)
}

/** Commits on HEAD's history (merges left out: they cannot be reverted plainly), newest first. */
export async function headCommits(repo: Repo): Promise<Array<{ commit: string; subject: string }>> {
  const { stdout } = await git(repo.root, [
    'log',
    '-z',
    '--no-merges',
    '--format=%H%x00%B',
    'HEAD',
    '--',
  ])
  return commitMessages(stdout)
}

/** Commits and messages from `git log -z --format=%H%x00%B` (or `%s`), in its order. */
export function commitMessages(stdout: string): Array<{ commit: string; subject: string }> {
  const fields = splitZ(stdout)
  const out: Array<{ commit: string; subject: string }> = []
  for (let i = 0; i + 1 < fields.length; i += 2) {
    out.push({
      commit: (fields[i] as string).replace(/^\n/, ''),
      subject: (fields[i + 1] as string).trim(),
    })
  }
  return out
}

/** The upstream a branch tracks (`refs/remotes/origin/main`), or null. */
export async function upstreamOf(repo: Repo, branch: string): Promise<string | null> {
  const { stdout } = await git(repo.root, ['for-each-ref', '--format=%(upstream)', '--', branch])
  const up = stdout.trim()
  return up === '' ? null : up
}

/**
 * Commits of `commits` that `ref` reaches (one rev-list, whatever the number). When none of
 * `commits` is reachable from `not` (they all come after it), the walk stops there: the answer is
 * the same and the cost follows what changed since `not`, not the length of the history.
 */
export async function reachableFrom(
  repo: Repo,
  ref: string,
  commits: string[],
  not?: string,
): Promise<string[]> {
  if (commits.length === 0) return []
  const { stdout } = await git(repo.root, ['rev-list', ref, ...(not ? [`^${not}`] : []), '--'])
  const on = new Set(stdout.split('\n'))
  return commits.filter((c) => on.has(c))
}

export async function treeOf(repo: Repo, rev: string): Promise<string> {
  return (await git(repo.root, ['rev-parse', '--verify', `${rev}^{tree}`])).stdout.trim()
}

/** The oldest commit on HEAD's history that added `file`. */
export async function firstCommitAdding(repo: Repo, file: string): Promise<string | undefined> {
  const { stdout } = await git(repo.root, [
    'log',
    '--reverse',
    '--format=%H',
    '--diff-filter=A',
    'HEAD',
    '--',
    file,
  ])
  return stdout.split('\n').find(Boolean)
}

/**
 * Paths that differ between `from` and `to` (a commit, or the work tree's tracked files when
 * absent), optionally only among `paths`. Between two commits it compares trees and never
 * touches the work tree. A long path list does not fit a command line: then every path is
 * compared and the result filtered.
 */
export async function changedPaths(
  repo: Repo,
  from: string,
  to: string | undefined,
  paths?: string[],
): Promise<string[]> {
  const limit = paths !== undefined && fitsCommandLine(paths, 1000)
  const { stdout } = await git(
    repo.root,
    [
      'diff',
      '--no-renames',
      '--name-only',
      '-z',
      from,
      ...(to === undefined ? [] : [to]),
      '--',
      ...(limit ? paths : []),
    ],
    { env: { GIT_LITERAL_PATHSPECS: '1' } },
  )
  const changed = splitZ(stdout)
  if (paths === undefined || limit) return changed
  const wanted = new Set(paths)
  return changed.filter((p) => wanted.has(p))
}

/**
 * Commits exactly `paths` (ignored ones left out: they stay local) on top of whatever the index
 * holds. Hooks are skipped: a rollback records what happened and must not be stopped by a hook.
 */
export async function commitPaths(repo: Repo, paths: string[], message: string): Promise<string> {
  const skip = new Set(await ignoredPaths(repo, paths))
  const add = paths.filter((p) => !skip.has(p))
  if (add.length > 0) {
    await git(repo.root, ['add', '-A', '--', ...add], { env: { GIT_LITERAL_PATHSPECS: '1' } })
  }
  return commitStaged(repo, message)
}

/** The paths among `paths` that ignore rules match (tracked or not). */
export async function ignoredPaths(repo: Repo, paths: string[]): Promise<string[]> {
  if (paths.length === 0) return []
  const { stdout } = await git(repo.root, ['check-ignore', '-z', '--no-index', '--stdin'], {
    input: `${paths.join('\0')}\0`,
    okCodes: [1],
  })
  return splitZ(stdout)
}

/**
 * Identity and date of the throwaway commits `revertTree` merges: fixed, so they need no user
 * identity and the same trees always give the same objects. Nothing points to them; gc prunes
 * them.
 */
const SCRATCH_COMMIT_ENV = {
  GIT_AUTHOR_NAME: 'cpo',
  GIT_AUTHOR_EMAIL: 'cpo@localhost',
  GIT_AUTHOR_DATE: '@0 +0000',
  GIT_COMMITTER_NAME: 'cpo',
  GIT_COMMITTER_EMAIL: 'cpo@localhost',
  GIT_COMMITTER_DATE: '@0 +0000',
}

export type RevertResult = { ok: true; tree: string } | { ok: false; conflicts: string[] }

/**
 * The tree `git revert <commit>` would make on top of the tree `onto`, without touching the work
 * tree, the index or a ref (porcelain revert overwrites ignored files and runs hooks): the
 * three-way merge of `onto` and the commit's parent, with the commit itself as the base.
 * `git merge-tree --write-tree` takes the base from history (git 2.39 has no `--merge-base`), so
 * the two sides are put in throwaway commits whose one common ancestor holds the commit's tree.
 * On a conflict the conflicting paths are returned instead.
 */
export async function revertTree(
  repo: Repo,
  commit: string,
  onto: string,
  leave: readonly string[] = [],
): Promise<RevertResult> {
  let [base, parent] = await Promise.all([treeOf(repo, commit), parentTreeOf(repo, commit)])
  if (leave.length > 0) {
    // Both sides of the commit get `onto`'s version of these paths: the commit then changes
    // nothing there, so the merge keeps `onto`'s (no revert, no conflict).
    const kept = await entriesIn(repo, onto, leave)
    ;[base, parent] = await Promise.all([
      treeWithChanges(repo, base, kept),
      treeWithChanges(repo, parent, kept),
    ])
  }
  const baseCommit = await scratchCommit(repo, base, [])
  const [ours, theirs] = await Promise.all([
    scratchCommit(repo, onto, [baseCommit]),
    scratchCommit(repo, parent, [baseCommit]),
  ])
  const r = await git(
    repo.root,
    ['merge-tree', '--write-tree', '-z', '--name-only', '--no-messages', ours, theirs],
    { okCodes: [1] },
  )
  // `<tree>\0` then, on a conflict, each conflicting path once, NUL-terminated.
  const [tree = '', ...conflicts] = splitZ(r.stdout)
  return r.code === 0 ? { ok: true, tree } : { ok: false, conflicts: conflicts.filter(Boolean) }
}

const ZERO_OID = '0'.repeat(40)

/** Top-level `paths` as `tree` has them, a path it lacks as a removal. */
async function entriesIn(
  repo: Repo,
  tree: string,
  paths: readonly string[],
): Promise<TreeChange[]> {
  const { stdout } = await git(repo.root, ['ls-tree', '-z', tree, '--', ...paths], {
    env: { GIT_LITERAL_PATHSPECS: '1' },
  })
  const found = new Map<string, { mode: string; oid: string }>()
  for (const rec of splitZ(stdout)) {
    const tab = rec.indexOf('\t')
    const [mode = '', , oid = ''] = rec.slice(0, tab).split(' ')
    found.set(rec.slice(tab + 1), { mode, oid })
  }
  return paths.map((p) => {
    const at = found.get(p)
    return {
      status: at === undefined ? 'D' : 'M',
      path: p,
      mode: at?.mode ?? '000000',
      oid: at?.oid ?? ZERO_OID,
      fromMode: '000000',
      fromOid: ZERO_OID,
    }
  })
}

/** The message `git revert` writes; its last line is how reverted commits are recognised. */
export const revertMessage = (commit: string, subject: string): string =>
  `Revert "${subject}"\n\nThis reverts commit ${commit}.\n`

/** The tree of a commit's first parent; the empty tree for a root commit. */
async function parentTreeOf(repo: Repo, commit: string): Promise<string> {
  const r = await git(repo.root, ['rev-parse', '-q', '--verify', `${commit}^1^{tree}`], {
    okCodes: [1],
  })
  const tree = r.stdout.trim()
  return tree === '' ? (await git(repo.root, ['mktree'], { input: '' })).stdout.trim() : tree
}

async function scratchCommit(repo: Repo, tree: string, parents: string[]): Promise<string> {
  const args = ['commit-tree', tree, ...parents.flatMap((p) => ['-p', p])]
  const { stdout } = await git(repo.root, args, { input: 'scratch\n', env: SCRATCH_COMMIT_ENV })
  return stdout.trim()
}

/**
 * `tree` with `changes` put in (an entry set, or removed for a deletion), written through a
 * scratch index: how files that are not committed are carried over to the tree that stands for
 * the work tree after a rollback that keeps them.
 */
export async function treeWithChanges(
  repo: Repo,
  tree: string,
  changes: TreeChange[],
): Promise<string> {
  if (changes.length === 0) return tree
  const env = {
    GIT_INDEX_FILE: path.join(repo.cpoDir, 'tmp', `overlay-${randomBytes(4).toString('hex')}`),
  }
  try {
    await git(repo.root, ['read-tree', tree], { env })
    await git(repo.root, ['update-index', '-z', '--index-info'], {
      env,
      input: changes.map((c) => `${c.mode} ${c.oid}\t${c.path}\0`).join(''),
    })
    return (await git(repo.root, ['write-tree'], { env })).stdout.trim()
  } finally {
    await fsp.rm(env.GIT_INDEX_FILE, { force: true })
  }
}
