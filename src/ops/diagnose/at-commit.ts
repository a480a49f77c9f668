import { runCaptured } from '../../adapters/command-capture.js'
import type { Repo } from '../../adapters/repo.js'
import { addTempWorktree, linkDependencies } from '../../adapters/temp-worktree.js'
import { type CachedRun, readCachedRun, writeCachedRun } from './run-cache.js'

export interface RunAtCommit extends CachedRun {
  cached: boolean
  /** How dependencies were provided (node_modules linked, or why not). */
  dependencies: string
}

/**
 * "Passed at the checkpoint" is measured: the command runs in a temporary detached work tree at
 * the commit (never the user's tree), with the user's node_modules linked in when the lockfile
 * is the same, and the result is cached per (commit, command) under `.git/cpo/cache/`.
 */
export async function runAtCommit(
  repo: Repo,
  commit: string,
  command: string,
  options: { timeoutMs?: number } = {},
): Promise<RunAtCommit> {
  const cached = await readCachedRun(repo, commit, command)
  if (cached) return { ...cached, cached: true, dependencies: 'cached result' }
  const wt = await addTempWorktree(repo, commit, `diagnose ${command}`)
  try {
    const deps = await linkDependencies(repo, wt, commit)
    const run = await runCaptured(
      wt.path,
      command,
      options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs },
    )
    const result: CachedRun = { ...run, commit, time: new Date().toISOString() }
    await writeCachedRun(repo, result)
    return { ...result, cached: false, dependencies: deps.why }
  } finally {
    await wt.remove()
  }
}
