import { randomBytes } from 'node:crypto'
import { promises as fsp } from 'node:fs'
import path from 'node:path'
import { encodeText } from '../../core/path-bytes.js'
import { CpoError } from '../../errors.js'
import { git } from '../git.js'
import type { Repo } from '../repo.js'
import { applyModes } from './file-modes.js'
import { onDiskOf } from './on-disk.js'
import { writeRawFiles } from './raw-files.js'
import type { Snapshot } from './types.js'

/** A tree entry to write: mode, object id and path, as ls-tree and diff-tree report them. */
export interface TreeEntry {
  mode: string
  oid: string
  path: string
}

/**
 * Writes files through a scratch index, so git applies modes, symlinks and filters. The scratch
 * index holds only the entries to write, not the whole tree: loading every entry of a large tree
 * costs far more than writing a handful of files. Files the snapshot took raw from disk are
 * written back raw, without filters, and every file gets the permission bits it recorded.
 *
 * Only where nothing stands (no `-f`): the restore moved every file it replaces aside first
 * (aside.ts), so whatever stands at a path now was saved there meanwhile. It stays, untouched
 * (`existing`); git goes on with the other paths. The one exception is a directory that holds
 * nothing but empty directories: no snapshot can hold it (git keeps no empty trees) and it holds
 * no byte, so it gives way to the file (clearEmptyDirs).
 */
export async function checkoutFiles(
  repo: Repo,
  entries: TreeEntry[],
  from: Snapshot,
): Promise<{ written: string[]; existing: string[] }> {
  if (entries.length === 0) return { written: [], existing: [] }
  await clearEmptyDirs(
    repo.root,
    entries.filter((e) => e.mode !== GITLINK).map((e) => e.path),
  )
  const { raw, modes } = onDiskOf(from)
  const isRaw = (e: TreeEntry) => raw.has(e.path) && (e.mode === '100644' || e.mode === '100755')
  const viaGit = entries.filter((e) => !isRaw(e))
  const existing: string[] = []
  if (viaGit.length > 0) {
    const env = {
      GIT_INDEX_FILE: path.join(repo.cpoDir, 'tmp', `checkout-${randomBytes(4).toString('hex')}`),
    }
    try {
      await git(repo.root, ['update-index', '-z', '--index-info'], {
        env,
        input: viaGit.map((e) => `${e.mode} ${e.oid}\t${e.path}\0`).join(''),
      })
      const paths = viaGit.map((e) => e.path)
      const r = await git(repo.root, ['checkout-index', '-z', '--stdin'], {
        env,
        input: `${paths.join('\0')}\0`,
        okCodes: [1],
      })
      if (r.code !== 0) existing.push(...notCheckedOut(r.stderr, paths))
    } finally {
      await fsp.rm(env.GIT_INDEX_FILE, { force: true })
    }
  }
  const rawResult = await writeRawFiles(repo, entries.filter(isRaw))
  existing.push(...rawResult.existing)
  const left = new Set(existing)
  const written = entries.map((e) => e.path).filter((p) => !left.has(p))
  await applyModes(repo.root, written, modes)
  return { written, existing: existing.sort() }
}

const GITLINK = '160000'

/**
 * Removes each empty directory tree standing where a file is about to be written (a directory
 * left after its files were deleted, or one made and emptied again). Bottom-up `rmdir` only:
 * it refuses a directory that holds anything, so a file saved into one meanwhile keeps it and
 * the path is then reported as `existing`.
 */
async function clearEmptyDirs(root: string, paths: string[]): Promise<void> {
  for (const p of paths) {
    const full = encodeText(path.join(root, p))
    const st = await fsp.lstat(full).catch(() => undefined)
    if (st?.isDirectory()) await removeIfEmpty(full)
  }
}

/** Names as bytes all the way down: one that is not UTF-8 must reach rmdir as it is. */
async function removeIfEmpty(dir: Buffer): Promise<boolean> {
  const names = await fsp.readdir(dir, { withFileTypes: true, encoding: 'buffer' }).catch(() => [])
  for (const d of names) {
    const sub = Buffer.concat([dir, SLASH, d.name as unknown as Buffer])
    if (!d.isDirectory() || !(await removeIfEmpty(sub))) return false
  }
  return fsp.rmdir(dir).then(
    () => true,
    () => false,
  )
}

const SLASH = Buffer.from('/')

const EXISTS = ' already exists, no checkout\n'

/**
 * The paths checkout-index skipped because something stood there: it prints
 * `<path> already exists, no checkout` for each (the name as it is, unquoted, so one holding a
 * line break spans lines) and exits 1 once it has tried every path. Each message is matched
 * against the names asked for, longest first, so other lines before it do not get in the way.
 * Any other error (a file it could not create) fails the restore, which puts the state back.
 */
function notCheckedOut(stderr: string, paths: string[]): string[] {
  const wanted = new Set(paths)
  const found: string[] = []
  const pieces = stderr.split(EXISTS)
  const other: string[] = [pieces.pop() ?? '']
  for (const piece of pieces) {
    let name = piece
    while (!wanted.has(name) && name.includes('\n')) name = name.slice(name.indexOf('\n') + 1)
    if (wanted.has(name)) {
      found.push(name)
      other.push(piece.slice(0, piece.length - name.length))
    } else other.push(piece)
  }
  const errors = other
    .join('\n')
    .split('\n')
    .filter((l) => /^(error|fatal):/.test(l))
  if (errors.length > 0 || found.length === 0) {
    throw new CpoError(
      'GIT_FAILED',
      'external',
      `git checkout-index failed: ${errors[0] ?? (stderr.trim() || 'no message')}`,
      { details: { stderr } },
    )
  }
  return found
}
