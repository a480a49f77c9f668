import { closeSync, constants, promises as fsp, fstatSync, openSync, readSync } from 'node:fs'
import path from 'node:path'
import { fsPath } from '../../core/path-bytes.js'
import { CpoError } from '../../errors.js'
import { createFileIfAbsent } from '../fs.js'
import { git } from '../git.js'
import { looseObjectsDir, writeLooseObjects } from '../loose-objects.js'
import { readObjects } from '../object-batch.js'
import type { Repo } from '../repo.js'
import { readWorkTreeConfig } from './conversion.js'

/**
 * Stores files as blobs byte for byte, as they are on disk (`--no-filters`: no clean filter, no
 * end-of-line conversion), and returns their object ids in order. Small regular files are read
 * and written as loose objects here when the repository's config lets git's plain write stand
 * (loose-objects.ts): a changed file costs no git process. The rest, and any file this read
 * cannot take (gone, no regular file, larger than IN_PROCESS_BYTES), go to one `hash-object`,
 * which fails on them as it always did.
 *
 * `--stdin-paths` reads one name a line and C-unquotes a name that starts with `"`, so a name
 * with a line break (or a quote first, or a carriage return git would strip) goes in quoted.
 */
export async function hashRawFiles(repo: Repo, paths: string[]): Promise<string[]> {
  if (paths.length === 0) return []
  const config = await readWorkTreeConfig(repo)
  const dir = looseObjectsDir(repo, config)
  const oids: string[] = new Array(paths.length)
  const viaGit: number[] = []
  paths.forEach((p, i) => {
    const bytes = dir ? readSmallFile(fsPath(path.resolve(repo.root, p))) : undefined
    if (dir && bytes) {
      oids[i] = writeLooseObjects(dir, 'blob', [bytes], config.objectFormat ?? 'sha1')[0] as string
    } else viaGit.push(i)
  })
  if (viaGit.length === 0) return oids
  const { stdout } = await git(repo.root, ['hash-object', '--no-filters', '-w', '--stdin-paths'], {
    input: viaGit.map((i) => `${quoteLine(paths[i] as string)}\n`).join(''),
  })
  const hashed = stdout.trim().split('\n')
  if (hashed.length !== viaGit.length) {
    throw new Error(`hash-object returned ${hashed.length} ids for ${viaGit.length} files`)
  }
  viaGit.forEach((at, k) => {
    oids[at] = hashed[k] as string
  })
  return oids
}

/** Files up to this size are hashed in-process; git streams larger ones. */
const IN_PROCESS_BYTES = 1 << 20

/**
 * A regular file's bytes when it has at most IN_PROCESS_BYTES, read through one descriptor
 * (non-blocking: a FIFO put in its place never blocks); undefined otherwise, or on any error.
 */
function readSmallFile(file: string | Buffer): Buffer | undefined {
  let fd: number
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK)
  } catch {
    return undefined
  }
  try {
    const st = fstatSync(fd)
    if (!st.isFile() || st.size > IN_PROCESS_BYTES) return undefined
    // One byte more than the size: a file that grew meanwhile is read to its end.
    const chunks: Buffer[] = []
    let total = 0
    for (;;) {
      const chunk = Buffer.allocUnsafe(total === 0 ? st.size + 1 : 64 * 1024)
      const n = readSync(fd, chunk, 0, chunk.length, null)
      if (n === 0) break
      chunks.push(chunk.subarray(0, n))
      total += n
      if (total > IN_PROCESS_BYTES) return undefined
    }
    return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)
  } catch {
    return undefined
  } finally {
    closeSync(fd)
  }
}

function quoteLine(p: string): string {
  if (!/[\n\r]/.test(p) && !p.startsWith('"')) return p
  const escaped = p.replace(/[\\"\n\r]/g, (c) => ({ '\n': '\\n', '\r': '\\r' })[c] ?? `\\${c}`)
  return `"${escaped}"`
}

/** A regular file to write from a blob: its tree mode (100644 or 100755), blob and path. */
export interface RawFile {
  mode: string
  oid: string
  path: string
}

/**
 * Writes blobs to the work tree exactly as stored, without smudge filters or end-of-line
 * conversion (checkout-index cannot be told to skip the `.gitattributes` of the work tree).
 * Each file is created anew with git's mode for its entry (umask applied, as git does), and
 * only where nothing stands: the restore moved what stood there aside, so anything found at the
 * path was saved meanwhile and stays (returned in `existing`). A directory on the way that is a
 * symlink or a file is an error: nothing is ever written through a link.
 */
export async function writeRawFiles(
  repo: Repo,
  files: RawFile[],
): Promise<{ written: string[]; existing: string[] }> {
  const written: string[] = []
  const existing: string[] = []
  if (files.length === 0) return { written, existing }
  const blobs = await readBlobs(
    repo,
    files.map((f) => f.oid),
  )
  for (const f of files) {
    const data = blobs.get(f.oid) as Buffer
    await makeParents(repo.root, f.path)
    const mode = f.mode === '100755' ? 0o777 : 0o666
    const created = await createFileIfAbsent(path.join(repo.root, f.path), data, mode)
    ;(created ? written : existing).push(f.path)
  }
  return { written, existing }
}

/** The contents of blobs, through one `cat-file --batch`. */
async function readBlobs(repo: Repo, oids: string[]): Promise<Map<string, Buffer>> {
  const unique = [...new Set(oids)]
  const objects = await readObjects(repo, unique)
  const blobs = new Map<string, Buffer>()
  unique.forEach((oid, i) => {
    const o = objects[i]
    if (o?.type !== 'blob') throw new Error(`object ${oid} is not a stored blob`)
    blobs.set(oid, o.body)
  })
  return blobs
}

async function makeParents(root: string, rel: string): Promise<void> {
  const parts = rel.split('/').slice(0, -1)
  for (let i = 1; i <= parts.length; i++) {
    const dir = path.join(root, ...parts.slice(0, i))
    const st = await fsp.lstat(fsPath(dir)).catch(() => undefined)
    // EEXIST: a directory made meanwhile (by an editor saving below it) is as good.
    if (!st) await fsp.mkdir(fsPath(dir)).catch(ignoreExisting)
    else if (!st.isDirectory()) {
      throw new CpoError(
        'PATH_BLOCKED',
        'conflict',
        `cannot write ${rel}: ${parts.slice(0, i).join('/')} is not a directory`,
        { hint: 'Move it out of the way, then run the command again.' },
      )
    }
  }
}

const ignoreExisting = (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EEXIST') throw e
}
