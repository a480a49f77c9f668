import { randomBytes } from 'node:crypto'
import { promises as fsp } from 'node:fs'
import path from 'node:path'
import type { RefUpdate } from '../../core/refs.js'
import { CpoError } from '../../errors.js'
import { failpoint } from '../failpoint.js'
import { git, splitZ } from '../git.js'
import type { Repo } from '../repo.js'
import type { Snapshot } from './types.js'

export interface TreeChange {
  status: 'A' | 'D' | 'M' | 'T'
  path: string
}


export interface RestoreResult {
  written: string[]
  removed: string[]
  refsUpdated: RefUpdate[]
  /** Set when HEAD or the checked-out branch changed (commits leave the branch, or return). */
  headMoved?: { fromBranch: string | null; toBranch: string | null; from: string; to: string }
}

/** What changes in the work tree when going from snapshot `from` to snapshot `to`. */
export async function diffTrees(repo: Repo, from: string, to: string): Promise<TreeChange[]> {
  if (from === to) return []
  const { stdout } = await git(repo.root, ['diff-tree', '-r', '-z', '--no-renames', from, to])
  const fields = splitZ(stdout)
  const changes: TreeChange[] = []
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const status = (fields[i] as string).trim().split(' ').at(-1)?.[0] as TreeChange['status']
    changes.push({ status, path: fields[i + 1] as string })
  }
  return changes
}

/**
 * Makes work tree, index, HEAD and branch equal to `target`. `current` is a snapshot of the state
 * right now (the restoring operation's own before-snapshot): only paths that differ are touched,
 * files that did not exist in `target` are removed (they are safe in `current`), and ignored files
 * are never touched.
 */
export async function restoreSnapshot(
  repo: Repo,
  target: Snapshot,
  current: Snapshot,
  refUpdates: RefUpdate[] = [],
): Promise<RestoreResult> {
  const changes = await diffTrees(repo, current.worktreeTree, target.worktreeTree)
  const removed = changes.filter((c) => c.status === 'D').map((c) => c.path)
  const written = changes.filter((c) => c.status !== 'D').map((c) => c.path)
  await refuseToOverwriteUncaptured(repo, changes)

  failpoint('restore-refs')
  await updateRefs(repo, refUpdates)
  failpoint('restore-head')
  await setHead(repo, target)
  await removeFiles(repo.root, removed)
  failpoint('restore-deletions')
  await checkoutFiles(repo, target.worktreeTree, written)
  failpoint('restore-writes')
  await setIndex(repo, current.indexTree, target.indexTree)
  failpoint('restore-index')
  const moved = current.head !== target.head || current.branch !== target.branch
  return {
    written,
    removed,
    refsUpdated: refUpdates,
    ...(moved
      ? {
          headMoved: {
            fromBranch: current.branch,
            toBranch: target.branch,
            from: current.head,
            to: target.head,
          },
        }
      : {}),
  }
}

/**
 * The files a snapshot holds at or below each of `paths` (a directory means every file in it).
 * A path the snapshot does not have is an error, found before anything changes.
 */
export async function filesInSnapshot(
  repo: Repo,
  target: Snapshot,
  paths: string[],
): Promise<string[]> {
  const { stdout } = await git(repo.root, [
    'ls-tree',
    '-r',
    '-z',
    '--name-only',
    '--full-tree',
    target.worktreeTree,
    '--',
    ...paths,
  ])
  const files = splitZ(stdout)
  const missing = paths.filter(
    (p) => !files.some((f) => f === stripSlash(p) || f.startsWith(`${stripSlash(p)}/`)),
  )
  if (missing.length > 0) {
    throw new CpoError(
      'PATH_NOT_IN_SNAPSHOT',
      'notFound',
      `not in snapshot ${target.id}: ${missing.join(', ')}`,
      { hint: `See what it holds with: git ls-tree -r --name-only ${target.commit}` },
    )
  }
  return files
}

/** Writes chosen files from a snapshot, leaving HEAD, index and every other file alone. */
export async function restoreFiles(
  repo: Repo,
  target: Snapshot,
  files: string[],
): Promise<RestoreResult> {
  failpoint('restore-writes')
  await checkoutFiles(repo, target.worktreeTree, files)
  return { written: files, removed: [], refsUpdated: [] }
}

const stripSlash = (p: string): string => p.replace(/\/+$/, '')

/**
 * A path the target has but the current snapshot lacks may still exist on disk as an ignored or
 * too-large untracked file. Overwriting it would destroy data no snapshot holds, so refuse.
 */
async function refuseToOverwriteUncaptured(repo: Repo, changes: TreeChange[]): Promise<void> {
  const removed = new Set(changes.filter((c) => c.status === 'D').map((c) => c.path))
  const added = changes.filter((c) => c.status === 'A').map((c) => c.path)
  const blocked: string[] = []
  await Promise.all(
    added.map(async (p) => {
      const st = await fsp.lstat(path.join(repo.root, p)).catch(() => undefined)
      if (!st) return
      if (!st.isDirectory()) blocked.push(p)
      else {
        const inside = await listFiles(path.join(repo.root, p))
        const kept = inside.filter((f) => !removed.has(`${p}/${f}`))
        blocked.push(...kept.map((f) => `${p}/${f}`))
      }
    }),
  )
  if (blocked.length > 0) {
    blocked.sort()
    throw new CpoError(
      'UNCAPTURED_FILES_IN_THE_WAY',
      'conflict',
      `restoring would overwrite files that are ignored or too large to snapshot: ${blocked.slice(0, 10).join(', ')}${blocked.length > 10 ? ` (+${blocked.length - 10} more)` : ''}`,
      { hint: 'Move these files out of the way, then run the command again.', details: blocked },
    )
  }
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await fsp.readdir(dir, { recursive: true, withFileTypes: true })
  return entries
    .filter((e) => !e.isDirectory())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
}

async function updateRefs(repo: Repo, updates: RefUpdate[]): Promise<void> {
  if (updates.length === 0) return
  const lines = updates.map((u) =>
    u.to === undefined
      ? `delete ${u.ref}${u.from ? ` ${u.from}` : ''}`
      : `update ${u.ref} ${u.to}${u.from ? ` ${u.from}` : ''}`,
  )
  await git(repo.root, ['update-ref', '--stdin'], { input: `${lines.join('\n')}\n` })
}

async function setHead(repo: Repo, target: Snapshot): Promise<void> {
  if (target.branch) {
    await git(repo.root, ['update-ref', target.branch, target.head])
    await git(repo.root, ['symbolic-ref', 'HEAD', target.branch])
  } else {
    await git(repo.root, ['update-ref', '--no-deref', 'HEAD', target.head])
  }
}

async function removeFiles(root: string, files: string[]): Promise<void> {
  const dirs = new Set<string>()
  await Promise.all(
    files.map(async (f) => {
      await fsp.rm(path.join(root, f), { force: true }).catch((e: NodeJS.ErrnoException) => {
        // A parent that became a file means the path is already gone.
        if (e.code !== 'ENOTDIR') throw e
      })
      for (let d = path.dirname(f); d !== '.'; d = path.dirname(d)) dirs.add(d)
    }),
  )
  // Deepest first; a directory that still holds anything (e.g. ignored files) stays.
  for (const d of [...dirs].sort((a, b) => b.length - a.length)) {
    await fsp.rmdir(path.join(root, d)).catch(() => undefined)
  }
}

/** Writes files from a tree through a scratch index, so git applies modes, symlinks and filters. */
async function checkoutFiles(repo: Repo, tree: string, files: string[]): Promise<void> {
  if (files.length === 0) return
  const env = {
    GIT_INDEX_FILE: path.join(repo.cpoDir, 'tmp', `checkout-${randomBytes(4).toString('hex')}`),
  }
  try {
    await git(repo.root, ['read-tree', tree], { env })
    await git(repo.root, ['checkout-index', '-f', '-z', '--stdin'], {
      env,
      input: `${files.join('\0')}\0`,
    })
  } finally {
    await fsp.rm(env.GIT_INDEX_FILE, { force: true })
  }
}

/**
 * Replaces the real index. A two-tree `read-tree -m` keeps the cached stat data of entries that
 * did not change, so the refresh afterwards re-reads only files that were rewritten.
 */
async function setIndex(repo: Repo, currentTree: string, targetTree: string): Promise<void> {
  try {
    await git(repo.root, ['read-tree', '-m', currentTree, targetTree])
  } catch {
    await git(repo.root, ['read-tree', targetTree])
  }
  await git(repo.root, ['update-index', '-q', '--refresh'], { okCodes: [1] })
}
