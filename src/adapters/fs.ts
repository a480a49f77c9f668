import { randomBytes } from 'node:crypto'
import { constants, promises as fsp } from 'node:fs'
import path from 'node:path'

/** fsync a directory so a rename or a new entry inside it survives a power cut. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await fsp.open(dir, constants.O_RDONLY)
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
  options: { mode?: number } = {},
): Promise<void> {
  const dir = path.dirname(file)
  const tmp = path.join(
    dir,
    `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  )
  const mode = options.mode ?? (await existingMode(file)) ?? 0o644
  const handle = await fsp.open(tmp, 'wx', mode)
  try {
    await handle.writeFile(data)
    await handle.sync()
  } catch (e) {
    await handle.close()
    await fsp.rm(tmp, { force: true })
    throw e
  }
  await handle.close()
  try {
    await fsp.rename(tmp, file)
  } catch (e) {
    await fsp.rm(tmp, { force: true })
    throw e
  }
  await fsyncDir(dir)
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

export async function readTextIfExists(file: string): Promise<string | undefined> {
  try {
    return await fsp.readFile(file, 'utf8')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw e
  }
}
