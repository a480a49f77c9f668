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
  /** How `worktreeTree`'s files were on disk where a tree cannot say. Absent in older snapshots. */
  onDisk?: OnDisk
  /**
   * Index entries marked skip-worktree (`git update-index --skip-worktree`, sparse-checkout)
   * and assume-unchanged: no tree holds these bits, so a restore sets them again.
   */
  skipWorktree?: string[]
  assumeUnchanged?: string[]
}

/**
 * What a tree cannot say about the files a snapshot took from disk. `tree` is the work-tree tree
 * described: a state made from a snapshot with another tree (`{ ...snapshot, worktreeTree }`)
 * does not inherit facts about files it does not hold.
 */
export interface OnDisk {
  tree: string
  /**
   * Paths whose blob holds the bytes as they were on disk (no clean filter, no end-of-line
   * conversion), written back the same way. Every other blob is git's own, smudged on checkout.
   */
  raw?: string[]
  /**
   * Full permission bits (octal, `600`) of captured files whose mode is not the one git would
   * give them on checkout: a tree keeps only 644 or 755.
   */
  modes?: Record<string, string>
}

/**
 * SnapshotMeta as a snapshot commit's message holds it. Version 2: the refs as a trie of git
 * objects (`refsTrie`, core/refs-trie.ts). Version 1: in one blob (`refsBlob`, refs-blob.ts), or
 * inline in snapshots written before that. An older cpo reads only version 1 and skips the
 * others, so it never takes a trie for "no refs".
 */
export type StoredMeta = Omit<SnapshotMeta, 'refs' | 'v'> & {
  v: 1 | 2
  refs?: Record<string, string>
  refsBlob?: string
  refsTrie?: string
}

export interface Snapshot extends SnapshotMeta {
  commit: string
  ref: string
}

export const SNAPSHOT_REF_PREFIX = 'refs/cpo/snapshots/'
export const DEFAULT_SIZE_CAP = 100 * 1024 * 1024
