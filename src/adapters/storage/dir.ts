import { createReadStream, createWriteStream, promises as fsp } from 'node:fs'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import { CpoError } from '../../errors.js'
import { fsyncDir, readTextIfExists, writeFileAtomic } from '../fs.js'
import { acquireLock } from '../lock.js'
import { checkName, SAFE_NAME } from './names.js'
import { type BackupStore, MANIFEST_OBJECT, META_OBJECT, type StoredBackup } from './types.js'

const PARTIAL = '.partial'

function storeError(action: string, e: unknown): CpoError {
  const err = e as NodeJS.ErrnoException
  const why =
    err.code === 'ENOSPC'
      ? 'no space left on the device'
      : err.code === 'EACCES' || err.code === 'EPERM'
        ? 'permission denied'
        : err.message
  return new CpoError('STORE_WRITE_FAILED', 'external', `could not ${action}: ${why}`, {
    hint: 'Free space or fix permissions on the backup store, then run the command again.',
    cause: e,
  })
}

/** Backups as directories: `<root>/<id>/{archive.tar.zst, manifest.json, meta.json}`. */
export function dirStore(root: string): BackupStore {
  const dirOf = (id: string) => {
    checkName('id', id)
    return path.join(root, id)
  }

  async function describe(id: string): Promise<StoredBackup | undefined> {
    const dir = dirOf(id)
    let names: string[]
    try {
      names = await fsp.readdir(dir)
    } catch {
      return undefined
    }
    const files: StoredBackup['files'] = []
    let newest = (await fsp.stat(dir)).mtimeMs
    for (const name of names.sort()) {
      const st = await fsp.stat(path.join(dir, name)).catch(() => undefined)
      if (!st?.isFile()) continue
      files.push({ name, size: st.size })
      newest = Math.max(newest, st.mtimeMs)
    }
    const manifest = await readTextIfExists(path.join(dir, MANIFEST_OBJECT))
    const meta = await readTextIfExists(path.join(dir, META_OBJECT))
    return {
      id,
      files,
      ...(manifest === undefined ? {} : { manifest }),
      ...(meta === undefined ? {} : { meta }),
      modifiedAt: new Date(newest),
    }
  }

  return {
    kind: 'dir',
    location: root,

    async list() {
      let entries: import('node:fs').Dirent[]
      try {
        entries = await fsp.readdir(root, { withFileTypes: true })
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return []
        throw e
      }
      const ids = entries
        .filter((d) => d.isDirectory() && SAFE_NAME.test(d.name))
        .map((d) => d.name)
      const out = await Promise.all(ids.sort().map((id) => describe(id)))
      return out.filter((b) => b !== undefined)
    },

    get: describe,

    async openRead(id, name) {
      checkName('object', name)
      const file = path.join(dirOf(id), name)
      try {
        await fsp.access(file)
      } catch {
        throw new CpoError(
          'BACKUP_FILE_MISSING',
          'notFound',
          `backup ${id} has no ${name} in ${root}`,
          {
            hint: 'The backup is incomplete or was damaged; `cpo backup list` shows which are usable.',
          },
        )
      }
      return createReadStream(file)
    },

    async writeArchive(id, name, data) {
      checkName('object', name)
      const dir = dirOf(id)
      const file = path.join(dir, name)
      const tmp = `${file}${PARTIAL}`
      try {
        await fsp.mkdir(dir, { recursive: true })
        await fsyncDir(root)
        await pipeline(data, createWriteStream(tmp, { flags: 'wx' }))
        const handle = await fsp.open(tmp, 'r+')
        try {
          await handle.sync()
        } finally {
          await handle.close()
        }
        await fsp.rename(tmp, file)
        await fsyncDir(dir)
      } catch (e) {
        await fsp.rm(tmp, { force: true })
        if (e instanceof CpoError) throw e
        throw storeError(`write ${file}`, e)
      }
    },

    async commit(id, manifest) {
      try {
        await writeFileAtomic(path.join(dirOf(id), MANIFEST_OBJECT), manifest)
      } catch (e) {
        throw storeError(`commit backup ${id}`, e)
      }
    },

    async writeMeta(id, meta) {
      try {
        await writeFileAtomic(path.join(dirOf(id), META_OBJECT), meta)
      } catch (e) {
        throw storeError(`update backup ${id}`, e)
      }
    },

    async remove(id) {
      const dir = dirOf(id)
      // The manifest goes first: a crash halfway leaves an incomplete backup, never a "complete"
      // one with its archive missing.
      await fsp.rm(path.join(dir, MANIFEST_OBJECT), { force: true })
      await fsyncDir(dir).catch(() => {})
      await fsp.rm(dir, { recursive: true, force: true })
      await fsyncDir(root).catch(() => {})
    },

    async lock(command, waitSeconds) {
      try {
        await fsp.mkdir(root, { recursive: true })
      } catch (e) {
        throw storeError(`create the backup store ${root}`, e)
      }
      try {
        return await acquireLock(root, command, waitSeconds)
      } catch (e) {
        if (!(e instanceof CpoError) || e.code !== 'LOCKED') throw e
        // The lock module speaks of "the repository"; here it is the store that is busy.
        throw new CpoError(
          'STORE_LOCKED',
          'conflict',
          e.message.replace('repository', `backup store ${root}`),
          {
            hint: 'Another backup or prune is running; wait for it, or pass --wait[=seconds].',
            details: e.details,
          },
        )
      }
    },
  }
}
