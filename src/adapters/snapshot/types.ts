/**
 * `during`: paths that changed while an operation ran, captured right before its restore
 * overwrote or removed them.
 */
export type SnapshotKind = 'manual' | 'before' | 'after' | 'during'

export interface SkippedFile {
  path: string
  reason: 'too-large' | 'nested-repository'
  size?: number
}

/** What a snapshot records besides the trees: stored as JSON in its commit message. */
export interface SnapshotMeta {
  v: 1
  id: string
  kind: SnapshotKind
  message: string
  operation?: string
  createdAt: string
  /** Commit HEAD pointed to. */
  head: string
  /** Full name of the checked-out branch (`refs/heads/main`), or null on a detached HEAD. */
  branch: string | null
  indexTree: string
  worktreeTree: string
  /** Branches and tags at the time (`refs/heads/*`, `refs/tags/*` → object id). */
  refs: Record<string, string>
  /** Untracked files that were not captured, always reported to the user. */
  skipped: SkippedFile[]
  /** Paths that differed from HEAD (staged, unstaged or untracked), for reports. */
  dirty: string[]
  /**
   * Index entries made by `git add -N`: a tree cannot hold them, so they are listed here and
   * made again on restore. Absent in snapshots taken before this was recorded.
   */
  intentToAdd?: string[]
}

export interface Snapshot extends SnapshotMeta {
  commit: string
  ref: string
}

export const SNAPSHOT_REF_PREFIX = 'refs/cpo/snapshots/'
export const DEFAULT_SIZE_CAP = 100 * 1024 * 1024
