import { commitStaged } from './checkpoint-git.js'
import { fitsCommandLine, git, splitZ } from './git.js'
import type { Repo } from './repo.js'

/** Commits reachable from `from` but not from `not`, newest first, with their subjects. */
export async function commitsBetween(
  repo: Repo,
  not: string,
  from: string,
): Promise<Array<{ commit: string; subject: string }>> {
  const { stdout } = await git(repo.root, ['log', '-z', '--format=%H%x00%s', from, `^${not}`, '--'])
  return pairs(stdout)
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
  return pairs(stdout)
}

function pairs(stdout: string): Array<{ commit: string; subject: string }> {
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

/** Commits of `commits` that `ref` reaches (one rev-list, whatever the number). */
export async function reachableFrom(repo: Repo, ref: string, commits: string[]): Promise<string[]> {
  if (commits.length === 0) return []
  const { stdout } = await git(repo.root, ['rev-list', ref, '--'])
  const on = new Set(stdout.split('\n'))
  return commits.filter((c) => on.has(c))
}

export async function isAncestor(repo: Repo, a: string, b: string): Promise<boolean> {
  const r = await git(repo.root, ['merge-base', '--is-ancestor', a, b], { okCodes: [1] })
  return r.code === 0
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
 * `git revert --no-edit <commit>`. On a conflict the revert is aborted (work tree and index as
 * before it) and the conflicting files are returned.
 */
export async function revertCommit(
  repo: Repo,
  commit: string,
): Promise<{ ok: true; commit: string } | { ok: false; conflicts: string[] }> {
  const r = await git(repo.root, ['revert', '--no-edit', commit], { okCodes: [1] })
  if (r.code === 0) {
    return { ok: true, commit: (await git(repo.root, ['rev-parse', 'HEAD'])).stdout.trim() }
  }
  const { stdout } = await git(repo.root, ['diff', '--name-only', '-z', '--diff-filter=U'])
  await git(repo.root, ['revert', '--abort'], { okCodes: [128] })
  return { ok: false, conflicts: splitZ(stdout) }
}
