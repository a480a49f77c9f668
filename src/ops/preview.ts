import { promises as fsp } from 'node:fs'
import path from 'node:path'
import type { Repo } from '../adapters/repo.js'
import type { WorkTreeScan } from '../adapters/snapshot/capture.js'
import type { TreeEntry } from '../adapters/snapshot/checkout.js'
import { matches } from '../adapters/snapshot/guard.js'
import { diffTrees, lookupEntries } from '../adapters/snapshot/restore.js'
import type { Snapshot } from '../adapters/snapshot/types.js'
import type { EffectRecord } from '../core/journal.js'
import { fsPath } from '../core/path-bytes.js'
import { refUpdates } from '../core/refs.js'
import { describeEffects } from './effects.js'

/** What a restore would change, for `--dry-run`: computed from a scan, nothing written. */
export interface RestorePreview {
  head: { from: string; to: string; branchFrom: string | null; branchTo: string | null }
  /** Paths whose content would be replaced or created. */
  write: string[]
  /** Paths that would be removed (they would be kept in the restoring operation's snapshot). */
  remove: string[]
  refs: { ref: string; from: string | null; to: string | null }[]
  /** Steps outside git that would be reverted, newest first. */
  effects: string[]
}

/**
 * Compares the work tree a scan found with `target` without recording a snapshot: paths that
 * differ between HEAD and the target, plus every path the scan found changed, each hashed and
 * compared with the target's blob. Ignored files are never listed: no restore touches them.
 */
export async function previewRestore(
  repo: Repo,
  scan: WorkTreeScan,
  target: Snapshot,
  options: { refs?: (ref: string) => boolean; effects?: EffectRecord[]; paths?: string[] } = {},
): Promise<RestorePreview> {
  const { status } = scan
  const dirty = [...new Set([...status.staged, ...status.unstaged, ...status.untracked])].filter(
    (p) => !p.endsWith('/'),
  )
  const [fromHead, wanted] = await Promise.all([
    diffTrees(repo, scan.headTree, target.worktreeTree),
    lookupEntries(repo, target.worktreeTree, dirty),
  ])
  const onDisk = await Promise.all(dirty.map((p) => changeAt(repo, p, wanted.get(p))))
  const within = (p: string) =>
    !options.paths?.length || options.paths.some((q) => p === q || p.startsWith(`${q}/`))
  const write = new Set<string>()
  const remove = new Set<string>()
  for (const c of fromHead) (c.status === 'D' ? remove : write).add(c.path)
  dirty.forEach((p, i) => {
    write.delete(p)
    remove.delete(p)
    if (onDisk[i]) (onDisk[i] === 'write' ? write : remove).add(p)
  })
  const keep = options.refs ?? (() => true)
  const refs = options.paths?.length
    ? []
    : refUpdates(target.refs, scan.refs, keep).map((u) => ({
        ref: u.ref,
        from: scan.refs[u.ref] ?? null,
        to: u.to ?? null,
      }))
  return {
    head: {
      from: scan.head,
      to: options.paths?.length ? scan.head : target.head,
      branchFrom: scan.branch,
      branchTo: options.paths?.length ? scan.branch : target.branch,
    },
    write: [...write].filter(within).sort(),
    remove: [...remove].filter(within).sort(),
    refs,
    effects: await describeEffects(options.effects ?? []),
  }
}

/** Whether the file at `p` would be written (differs from the target's entry) or removed. */
async function changeAt(
  repo: Repo,
  p: string,
  want: TreeEntry | undefined,
): Promise<'write' | 'remove' | undefined> {
  const st = await fsp.lstat(fsPath(path.join(repo.root, p))).catch(() => undefined)
  if (!want) return st ? 'remove' : undefined
  if (!st) return 'write'
  return (await matches(repo.root, want, st, true)) === true ? undefined : 'write'
}
