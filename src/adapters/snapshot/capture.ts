import { randomBytes } from 'node:crypto'
import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { newId } from '../../core/ids.js'
import { CpoError } from '../../errors.js'
import { git } from '../git.js'
import { gitOperationInProgress, type Repo } from '../repo.js'
import { readHead, readRefs } from './head.js'
import { parseStatusV2 } from './status.js'
import {
  DEFAULT_SIZE_CAP,
  SNAPSHOT_REF_PREFIX,
  type SkippedFile,
  type Snapshot,
  type SnapshotKind,
  type SnapshotMeta,
} from './types.js'

export interface CaptureOptions {
  kind: SnapshotKind
  message: string
  operation?: string
  /** Untracked files larger than this are not captured, and reported. */
  sizeCap?: number
  now?: Date
}

const IDENTITY = {
  GIT_AUTHOR_NAME: 'cpo',
  GIT_AUTHOR_EMAIL: 'cpo@localhost',
  GIT_COMMITTER_NAME: 'cpo',
  GIT_COMMITTER_EMAIL: 'cpo@localhost',
}

/**
 * Captures work tree, index, HEAD and branch as a commit under refs/cpo/snapshots/<id> without
 * touching the user's index or files. Everything happens in a copy of `.git/index`: it already
 * holds stat data for every tracked file, so only files that changed are read and hashed.
 */
export async function captureSnapshot(repo: Repo, options: CaptureOptions): Promise<Snapshot> {
  const inProgress = await gitOperationInProgress(repo)
  if (inProgress) {
    throw new CpoError('GIT_OPERATION_IN_PROGRESS', 'conflict', `${inProgress} is in progress`, {
      hint: 'Finish or abort it (e.g. git merge --abort, git rebase --abort), then run cpo again.',
    })
  }
  const now = options.now ?? new Date()
  const id = newId(now, randomBytes(2).toString('hex'))
  const tmpIndex = path.join(repo.cpoDir, 'tmp', `index-${id}`)
  await fsp.mkdir(path.dirname(tmpIndex), { recursive: true })
  await copyIndex(path.join(repo.gitDir, 'index'), tmpIndex)
  const env = { GIT_INDEX_FILE: tmpIndex }
  try {
    const [head, refs, statusOut] = await Promise.all([
      readHead(repo),
      readRefs(repo),
      // Optional locks on: status may refresh stat data, but only in the temporary index.
      git(
        repo.root,
        ['status', '--porcelain=v2', '-z', '--untracked-files=all', '--no-renames'],
        { env: { ...env, GIT_OPTIONAL_LOCKS: '1' } },
      ),
    ])
    const status = parseStatusV2(statusOut.stdout)
    const { kept, skipped } = await partitionUntracked(
      repo.root,
      status.untracked,
      options.sizeCap ?? DEFAULT_SIZE_CAP,
    )
    const indexTree = await writeTree(repo, env)
    const changed = await stageWorkTree(repo, env, status.unstaged, kept)
    const worktreeTree = changed ? await writeTree(repo, env) : indexTree
    const meta: SnapshotMeta = {
      v: 1,
      id,
      kind: options.kind,
      message: options.message,
      ...(options.operation === undefined ? {} : { operation: options.operation }),
      createdAt: now.toISOString(),
      head: head.head,
      branch: head.branch,
      indexTree,
      worktreeTree,
      refs,
      skipped,
      dirty: [...new Set([...status.staged, ...status.unstaged, ...kept])].sort(),
    }
    const commit = await commitSnapshot(repo, meta)
    const ref = SNAPSHOT_REF_PREFIX + id
    await git(repo.root, ['update-ref', ref, commit, ''])
    return { ...meta, commit, ref }
  } finally {
    await fsp.rm(tmpIndex, { force: true })
  }
}

/**
 * Records in the scratch index exactly the paths status reported, instead of a second full walk
 * with `git add -A`. Deletions go first and by force: a tracked file whose directory became a
 * symlink is "beyond a symbolic link" for every other git command.
 */
async function stageWorkTree(
  repo: Repo,
  env: Record<string, string>,
  unstaged: string[],
  untracked: string[],
): Promise<boolean> {
  const present = await Promise.all(
    unstaged.map((p) => fsp.lstat(path.join(repo.root, p)).then(() => true, () => false)),
  )
  const gone = unstaged.filter((_, i) => !present[i])
  const update = [...unstaged.filter((_, i) => present[i]), ...untracked]
  if (gone.length > 0) {
    await git(repo.root, ['update-index', '--force-remove', '-z', '--stdin'], {
      env,
      input: `${gone.join('\0')}\0`,
    })
  }
  if (update.length > 0) {
    await git(repo.root, ['update-index', '--add', '--remove', '--replace', '-z', '--stdin'], {
      env,
      input: `${update.join('\0')}\0`,
    })
  }
  return gone.length + update.length > 0
}

/**
 * git spots a file rewritten within the same clock tick as its index entry ("racy git") only by
 * comparing with the index file's own mtime. A copy would be newer and hide such edits, so the
 * copy gets the original's mtime (rounded down, which errs towards re-reading more files).
 */
async function copyIndex(from: string, to: string): Promise<void> {
  try {
    await fsp.copyFile(from, to)
    const st = await fsp.stat(from)
    const mtime = Math.floor(st.mtimeMs) / 1000
    await fsp.utimes(to, mtime, mtime)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
  }
}

async function writeTree(repo: Repo, env: Record<string, string>): Promise<string> {
  return (await git(repo.root, ['write-tree'], { env })).stdout.trim()
}

/** The snapshot commit's parents keep HEAD and the index reachable, so gc never prunes them. */
async function commitSnapshot(repo: Repo, meta: SnapshotMeta): Promise<string> {
  const env = { ...IDENTITY, GIT_AUTHOR_DATE: meta.createdAt, GIT_COMMITTER_DATE: meta.createdAt }
  const indexCommit = (
    await git(repo.root, ['commit-tree', meta.indexTree, '-p', meta.head, '-F', '-'], {
      env,
      input: `cpo index of snapshot ${meta.id}\n`,
    })
  ).stdout.trim()
  const message = `cpo snapshot ${meta.id}: ${oneLine(meta.message)}\n\n${JSON.stringify(meta)}\n`
  return (
    await git(
      repo.root,
      ['commit-tree', meta.worktreeTree, '-p', meta.head, '-p', indexCommit, '-F', '-'],
      { env, input: message },
    )
  ).stdout.trim()
}

const oneLine = (s: string): string => s.replace(/\s+/g, ' ').trim().slice(0, 120)

async function partitionUntracked(
  root: string,
  untracked: string[],
  sizeCap: number,
): Promise<{ kept: string[]; skipped: SkippedFile[] }> {
  const kept: string[] = []
  const skipped: SkippedFile[] = []
  const sizes = await Promise.all(
    untracked.map((p) =>
      p.endsWith('/')
        ? Promise.resolve(-1)
        : fsp.lstat(path.join(root, p)).then(
            (s) => s.size,
            () => 0,
          ),
    ),
  )
  untracked.forEach((p, i) => {
    const size = sizes[i] as number
    if (size < 0) skipped.push({ path: p, reason: 'nested-repository' })
    else if (size > sizeCap) skipped.push({ path: p, reason: 'too-large', size })
    else kept.push(p)
  })
  return { kept, skipped }
}
