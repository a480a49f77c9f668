import { promises as fsp, lstatSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fsPath } from '../core/path-bytes.js'
import { CpoError } from '../errors.js'
import { git, splitZ } from './git.js'
import { takeIndexLock } from './index-lock.js'
import { looseObjectsDir, writeLooseObjects } from './loose-objects.js'
import type { Repo } from './repo.js'
import { attributesMayApply, type IndexEntry } from './snapshot/capture.js'
import { readWorkTreeConfig } from './snapshot/conversion.js'
import type { IndexStamp } from './snapshot/index-file.js'
import { editTree } from './tree-edit.js'

/**
 * Commits made from trees cpo already holds (a snapshot's work tree, a restored tree plus the
 * files it just wrote) with git plumbing, instead of `git add` + `git commit`, which would scan
 * the whole work tree twice more. No hook runs: a checkpoint or a rollback records the work as it
 * is and must not be stopped or changed by one.
 */

export interface NewCommit {
  tree: string
  parents: string[]
  message: string
  /** commit.gpgSign as configured: `git commit` honours it, `git commit-tree` does not. */
  sign: boolean
}

/** Writes the commit object with the user's identity; nothing points to it yet. */
export async function writeCommit(repo: Repo, c: NewCommit): Promise<string> {
  const args = ['commit-tree', ...(c.sign ? ['-S'] : []), c.tree]
  for (const p of c.parents) args.push('-p', p)
  const { stdout } = await git(repo.root, args, { input: cleanMessage(c.message) })
  return stdout.trim()
}

/**
 * What `git commit -F` keeps of a message (its default `--cleanup=whitespace`): no trailing
 * whitespace, no leading or trailing blank lines, runs of blank lines folded into one.
 */
export function cleanMessage(message: string): string {
  const lines = message.split('\n').map((l) => l.replace(/\s+$/, ''))
  const kept = lines.filter((l, i) => l !== '' || (i > 0 && lines[i - 1] !== ''))
  while (kept[0] === '') kept.shift()
  while (kept.at(-1) === '') kept.pop()
  return `${kept.join('\n')}\n`
}

/**
 * Moves HEAD (the branch it names, or HEAD itself when detached) from `from` to `to`, with the
 * reflog entry `git commit` writes; git refuses, and nothing changes, if HEAD is not at `from`.
 */
export async function advanceHead(
  repo: Repo,
  move: { from: string; to: string; subject: string },
  creates: ReadonlyArray<{ ref: string; to: string }> = [],
): Promise<void> {
  const reflog = `commit: ${move.subject.split('\n')[0]}`
  if (creates.length === 0) {
    await git(repo.root, ['update-ref', '-m', reflog, 'HEAD', move.to, move.from])
    return
  }
  // One transaction: HEAD moves and the refs appear together, or nothing changes (a ref that
  // exists already, or HEAD no longer at `from`, refuses all of it).
  const lines = [
    `update HEAD ${move.to} ${move.from}`,
    ...creates.map((c) => `create ${c.ref} ${c.to}`),
  ]
  await git(repo.root, ['update-ref', '-m', reflog, '--stdin'], { input: `${lines.join('\n')}\n` })
}

/**
 * Makes `scratch` the real index, the way git replaces it: under `.git/index.lock`, and only if
 * the index is still the one the scratch copy was made from (a git command run meanwhile would
 * otherwise lose its change). `whileLocked` runs after that check, before the swap: a failure
 * there leaves the index as it was.
 */
export async function replaceIndex(
  repo: Repo,
  scratch: string,
  expected: IndexStamp | undefined,
  whileLocked: () => Promise<void>,
): Promise<void> {
  const index = path.join(repo.gitDir, 'index')
  const lock = await takeIndexLock(repo)
  try {
    const now = await fsp.stat(index).then(
      (st) => ({ size: st.size, mtimeMs: st.mtimeMs, ino: st.ino }),
      () => undefined,
    )
    if (JSON.stringify(now) !== JSON.stringify(expected)) {
      throw new CpoError('INDEX_CHANGED', 'conflict', 'the git index changed while cpo ran', {
        hint: 'Another git command staged something meanwhile; run cpo again.',
      })
    }
    await whileLocked()
    await fsp.rename(scratch, lock)
    await fsp.rename(lock, index)
  } catch (error) {
    await fsp.rm(lock, { force: true })
    throw error
  }
}

/**
 * Where the blobs of these paths may be written in-process, with the repository's hash: when
 * git would store their bytes as they are (no attribute can apply to them, no core.autocrlf)
 * and the object store takes plain loose objects (loose-objects.ts). The scan's
 * `indexNamesAttributes` says whether the index may hold a `.gitattributes` (unknown: it may).
 */
async function storedAsTheyAre(
  repo: Repo,
  files: string[],
  scan: { indexNamesAttributes: boolean } | undefined,
): Promise<{ dir: string; hash: 'sha1' | 'sha256' } | undefined> {
  const config = await readWorkTreeConfig(repo)
  const dir = looseObjectsDir(repo, config)
  if (!dir || config.autocrlf) return undefined
  if (attributesMayApply(repo, scan ?? { indexNamesAttributes: true }, files, config)) {
    return undefined
  }
  return { dir, hash: config.objectFormat ?? 'sha1' }
}

/**
 * The blobs of `files` at these paths, written: what `git hash-object -w --path=<file>` stores
 * (clean filters and line-ending conversion applied), in-process when nothing converts them
 * (storedAsTheyAre), else by git. `contents` gives each file's bytes; without it the files on
 * disk are read.
 */
export async function blobsOf(
  repo: Repo,
  files: string[],
  contents: Buffer[] | undefined,
  scan: { indexNamesAttributes: boolean } | undefined,
): Promise<string[]> {
  const plain = await storedAsTheyAre(repo, files, scan)
  if (plain) {
    const bodies = contents ?? files.map((f) => readFileSync(fsPath(path.join(repo.root, f))))
    return writeLooseObjects(plain.dir, 'blob', bodies, plain.hash)
  }
  if (!contents) {
    const { stdout } = await git(repo.root, ['hash-object', '-w', '--', ...files], {
      env: { GIT_LITERAL_PATHSPECS: '1' },
    })
    return stdout.trim().split('\n')
  }
  return Promise.all(
    files.map(async (file, i) =>
      (
        await git(repo.root, ['hash-object', '-w', '--stdin', `--path=${file}`], {
          input: contents[i] as Buffer,
        })
      ).stdout.trim(),
    ),
  )
}

/**
 * `tree` with the work tree's current content of `files` (paths relative to the top, written
 * as git would stage them: clean filters applied, exec bit kept). Only the trees on the way to
 * each file are rewritten.
 */
export async function treeWithWorkTreeFiles(
  repo: Repo,
  tree: string,
  files: string[],
  scan?: { indexNamesAttributes: boolean },
): Promise<string> {
  if (files.length === 0) return tree
  return editTree(repo, tree, await workTreeEntries(repo, files, scan))
}

/** Whether each of `files` is a regular file (not a symlink, which git stores as its target). */
export function regularFiles(repo: Repo, files: string[]): boolean {
  return files.every(
    (f) => lstatSync(fsPath(path.join(repo.root, f)), { throwIfNoEntry: false })?.isFile() === true,
  )
}

/** Of `files`, those `git add -A` leaves out: untracked and ignored (tracked ones never are). */
export async function ignoredUntracked(repo: Repo, files: string[]): Promise<Set<string>> {
  if (files.length === 0) return new Set()
  const { stdout } = await git(repo.root, ['check-ignore', '-z', '--stdin'], {
    input: `${files.join('\0')}\0`,
    okCodes: [1],
  })
  return new Set(splitZ(stdout))
}

/**
 * `files` as index entries: their blobs written (blobsOf; `contents` as in blobsOf, else the
 * files on disk), the exec bit of the file on disk kept.
 */
export async function workTreeEntries(
  repo: Repo,
  files: string[],
  scan?: { indexNamesAttributes: boolean },
  contents?: Buffer[],
): Promise<IndexEntry[]> {
  const oids = await blobsOf(repo, files, contents, scan)
  const modes = await Promise.all(
    files.map((f) =>
      fsp.stat(path.join(repo.root, f)).then((st) => (st.mode & 0o111 ? '100755' : '100644')),
    ),
  )
  return files.map((f, i) => ({ path: f, oid: oids[i] as string, mode: modes[i] as string }))
}

/**
 * `tree` with files set to the given contents (stored as git would store them from those paths:
 * clean filters applied). A file keeps its mode in `tree`; a new one is a plain file.
 */
export async function treeWithContents(
  repo: Repo,
  tree: string,
  contents: Record<string, string>,
  /** Filled with each file's blob, by path. */
  blobsOut: Map<string, string> = new Map(),
  scan?: { indexNamesAttributes: boolean },
): Promise<string> {
  const files = Object.keys(contents)
  const oids = await blobsOf(
    repo,
    files,
    files.map((f) => Buffer.from(contents[f] as string)),
    scan,
  )
  const blobs = files.map((file, i) => ({ path: file, oid: oids[i] as string }))
  for (const b of blobs) blobsOut.set(b.path, b.oid)
  return editTree(repo, tree, blobs)
}

/**
 * Commits `entries` on top of `parent` (whose tree is `tree`) and moves HEAD there. The index is
 * the caller's: it holds the entries already (commitPendingWork's `alsoStaged`).
 */
export async function commitEntries(
  repo: Repo,
  c: { parent: string; tree: string; entries: IndexEntry[]; message: string; sign: boolean },
): Promise<{ commit: string; tree: string }> {
  const tree = await editTree(repo, c.tree, c.entries)
  const commit = await writeCommit(repo, {
    tree,
    parents: [c.parent],
    message: c.message,
    sign: c.sign,
  })
  await advanceHead(repo, { from: c.parent, to: commit, subject: c.message })
  return { commit, tree }
}

/**
 * Commits the work tree's `files` on top of `parent` (whose tree is `tree`) with plumbing, moves
 * HEAD there and stages the same files in the index, so the index matches the new commit for
 * them. How cpo records a state change of its own (`stage start`) as a separate commit.
 */
export async function commitWorkTreeFiles(
  repo: Repo,
  c: { parent: string; tree: string; files: string[]; message: string; sign: boolean },
  scan?: { indexNamesAttributes: boolean },
): Promise<{ commit: string; tree: string }> {
  const entries = await workTreeEntries(repo, c.files, scan)
  const committed = await commitEntries(repo, { ...c, entries })
  await stageFiles(repo, c.files)
  return committed
}

/** Stages the work tree's `files` in the index as `git add` does (their stat data with them). */
export async function stageFiles(repo: Repo, files: string[]): Promise<void> {
  await git(repo.root, ['update-index', '--add', '-z', '--stdin'], {
    input: `${files.join('\0')}\0`,
  })
}
