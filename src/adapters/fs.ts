import { constants, promises as fsp, readFileSync } from 'node:fs'
import type { FileHandle } from 'node:fs/promises'
import path from 'node:path'
import { fsPath } from '../core/path-bytes.js'
import { CpoError } from '../errors.js'

/** fsync a directory so a rename or a new entry inside it survives a power cut. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await fsp.open(fsPath(dir), constants.O_RDONLY)
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/**
 * Replaces `file` with `data` atomically: write a temp file beside it, fsync it, rename it over
 * the target, fsync the directory. A reader sees the old or the new content, never a mix.
 */
export async function writeFileAtomic(
  file: string,
  data: string | Buffer,
  options: {
    mode?: number
    /**
     * What `file` must still hold (its text as it was read): compare before destroy
     * (ARCHITECTURE.md §4). The check runs synchronously right before the rename, so an edit
     * saved since the file was read is kept and reported (FILE_CHANGED), never overwritten.
     */
    expected?: string
  } = {},
): Promise<void> {
  const mode = options.mode ?? (await existingMode(file)) ?? 0o644
  const tmp = await writeTempBeside(file, data, mode)
  try {
    if (options.expected !== undefined) assertUnchanged(file, options.expected)
    await fsp.rename(tmp, file)
  } catch (e) {
    await fsp.rm(tmp, { force: true })
    throw e
  }
  await fsyncDir(path.dirname(file))
}

function assertUnchanged(file: string, expected: string): void {
  let now: string | undefined
  try {
    now = readFileSync(file, 'utf8')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
  }
  if (now === expected) return
  throw new CpoError(
    'FILE_CHANGED',
    'conflict',
    `${path.basename(file)} changed while cpo was updating it; your version is kept`,
    { hint: 'Run the command again (it reads the file anew).', details: { file } },
  )
}

/**
 * Creates `file` with `data` unless something exists under that name; returns whether it did.
 * The content is written beside it first and hard-linked to the final name: `link` never
 * replaces an entry (EEXIST), so a file that appeared meanwhile is kept, and no reader ever sees
 * a partial file. `mode` is asked for at creation, so the umask applies (as for git's own files).
 */
export async function createFileIfAbsent(
  file: string,
  data: string | Buffer,
  mode = 0o644,
): Promise<boolean> {
  const tmp = await writeTempBeside(file, data, mode)
  try {
    return await linkIfAbsent(tmp, file)
  } catch (e) {
    if (!LINK_UNSUPPORTED.has((e as NodeJS.ErrnoException).code ?? '')) throw e
    // A file system without hard links (FAT, some network mounts): an exclusive create still
    // never replaces anything; only a reader may see the file before it is complete.
    return await createExclusive(file, data, mode)
  } finally {
    await fsp.rm(fsPath(tmp), { force: true })
    await fsyncDir(path.dirname(file))
  }
}

const LINK_UNSUPPORTED = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK'])

async function createExclusive(file: string, data: string | Buffer, mode: number) {
  let handle: FileHandle
  try {
    handle = await fsp.open(fsPath(file), 'wx', mode)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw e
  }
  try {
    await handle.writeFile(data)
    await handle.sync()
  } finally {
    await handle.close()
  }
  return true
}

/** Hard-links `from` as `to` unless `to` exists (then false): an atomic create-if-absent. */
export async function linkIfAbsent(from: string, to: string): Promise<boolean> {
  try {
    await fsp.link(fsPath(from), fsPath(to))
    return true
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw e
  }
}

/** A fsynced temp file with `data` in `file`'s directory (removed again if writing fails). */
async function writeTempBeside(file: string, data: string | Buffer, mode: number): Promise<string> {
  // Loaded here, not with the module: the read-only commands read files through this module
  // and never write one, and node:crypto costs them ~6 ms to load (ARCHITECTURE.md §30).
  const { randomBytes } = await import('node:crypto')
  const tmp = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  )
  const handle = await fsp.open(fsPath(tmp), 'wx', mode)
  try {
    await handle.writeFile(data)
    await handle.sync()
  } catch (e) {
    await handle.close()
    await fsp.rm(fsPath(tmp), { force: true })
    throw e
  }
  await handle.close()
  return tmp
}

async function existingMode(file: string): Promise<number | undefined> {
  try {
    return (await fsp.stat(file)).mode & 0o7777
  } catch {
    return undefined
  }
}

/** Appends one line and fsyncs before returning (journal entries must be durable). */
export async function appendDurable(file: string, line: string): Promise<void> {
  const existed = await exists(file)
  const handle = await fsp.open(file, 'a', 0o644)
  try {
    await handle.writeFile(line)
    await handle.sync()
  } finally {
    await handle.close()
  }
  if (!existed) await fsyncDir(path.dirname(file))
}

export async function exists(file: string): Promise<boolean> {
  try {
    await fsp.lstat(file)
    return true
  } catch {
    return false
  }
}

/** A regular file's text; undefined when it is missing or not a regular file (a link, a directory). */
export async function readRegularFileText(file: string): Promise<string | undefined> {
  const st = await fsp.lstat(file).catch(() => undefined)
  return st?.isFile() ? readTextIfExists(file) : undefined
}

export async function readTextIfExists(file: string): Promise<string | undefined> {
  return (await readBytesIfExists(file))?.toString('utf8')
}

export async function readBytesIfExists(file: string): Promise<Buffer | undefined> {
  try {
    return await fsp.readFile(file)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw e
  }
}
