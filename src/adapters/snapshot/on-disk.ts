import type { SnapshotMeta } from './types.js'

/**
 * The raw paths and full modes a snapshot recorded for its own work-tree tree; none when its
 * tree is another one (a state built as `{ ...before, worktreeTree: target }`), since those
 * facts describe files the new tree does not hold.
 */
export function onDiskOf(s: Pick<SnapshotMeta, 'worktreeTree' | 'onDisk'>): {
  raw: Set<string>
  modes: Record<string, string>
} {
  const facts = s.onDisk?.tree === s.worktreeTree ? s.onDisk : undefined
  return { raw: new Set(facts?.raw ?? []), modes: facts?.modes ?? {} }
}

/**
 * The hiding bits a restore sets: the target's and the ones set now. A restore never clears
 * one: a skip-worktree or assume-unchanged bit keeps `git add -A` from committing a local
 * edit (a password in a config file), and sparse-checkout sets them for what is outside the
 * cone, which a restore does not change.
 */
export function indexMarks(
  target: Pick<SnapshotMeta, 'skipWorktree' | 'assumeUnchanged'>,
  current: Pick<SnapshotMeta, 'skipWorktree' | 'assumeUnchanged'>,
): { skipWorktree: string[]; assumeUnchanged: string[] } {
  const union = (a?: string[], b?: string[]) => [...new Set([...(a ?? []), ...(b ?? [])])]
  return {
    skipWorktree: union(target.skipWorktree, current.skipWorktree),
    assumeUnchanged: union(target.assumeUnchanged, current.assumeUnchanged),
  }
}

/**
 * The files a restore writes of those that changed. It leaves a skip-worktree file alone, as
 * git does: a local edit git was told to ignore, or, with sparse-checkout, a file outside the
 * cone that must stay off disk. Unless the target snapshot holds that file's bytes from disk.
 */
export function filesToWrite<T extends { path: string }>(
  files: T[],
  current: Pick<SnapshotMeta, 'skipWorktree'>,
  target: Pick<SnapshotMeta, 'worktreeTree' | 'onDisk'>,
): T[] {
  const hidden = new Set(current.skipWorktree ?? [])
  if (hidden.size === 0) return files
  const { raw } = onDiskOf(target)
  return files.filter((f) => !hidden.has(f.path) || raw.has(f.path))
}
